//! The fault proxy in front of a real `docker-registry`: faithful forwarding (bodies, headers,
//! rewritten upload `Location`s) and each kind of fault.

use bytes::Bytes;
use reqwest::{StatusCode, header};
use rm_harness::fixtures::sha256_digest;
use rm_harness::{Fault, FaultKind, FaultProxy, Flavour, Registry};

/// 64 KiB of varied bytes, pushed to `repo`; returns its digest.
async fn push_blob(registry: &Registry, repo: &str) -> (String, Bytes) {
    let data: Vec<u8> = (0..65_536u32).map(|i| (i * 7 % 251) as u8).collect();
    let digest = sha256_digest(&data);
    registry.push_blob(repo, &digest, Bytes::from(data.clone())).await.unwrap();
    (digest, Bytes::from(data))
}

#[tokio::test]
async fn forwards_bodies_headers_and_uploads_through_the_proxy() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let (digest, data) = push_blob(&registry, "p/a").await;
    let proxy = FaultProxy::start(&registry.url()).unwrap();
    let http = reqwest::Client::new();
    let blob_url = format!("{}/v2/p/a/blobs/{digest}", proxy.url());

    let head = http.head(&blob_url).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()[header::CONTENT_LENGTH], data.len().to_string().as_str());
    assert_eq!(head.headers()["docker-content-digest"], digest.as_str());
    let body = http.get(&blob_url).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(body, data);

    // An upload session started through the proxy continues through it.
    let started = http.post(format!("{}/v2/p/b/blobs/uploads/", proxy.url())).send().await.unwrap();
    assert_eq!(started.status(), StatusCode::ACCEPTED);
    let location = started.headers()[header::LOCATION].to_str().unwrap().to_string();
    assert!(location.starts_with(&proxy.url()), "{location}");
    let put = http
        .put(format!("{location}&digest={digest}"))
        .header(header::CONTENT_LENGTH, data.len())
        .body(data.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::CREATED);
    assert!(registry.blob_exists("p/b", &digest).await.unwrap());

    let log = proxy.requests();
    let methods: Vec<(&str, u16)> = log.iter().map(|r| (r.method.as_str(), r.status)).collect();
    assert_eq!(methods, [("HEAD", 200), ("GET", 200), ("POST", 202), ("PUT", 201)]);
    assert!(log.iter().all(|r| r.fault.is_none()));
    assert_eq!(proxy.count("GET", "/blobs/"), 1);
}

#[tokio::test]
async fn injects_statuses_cuts_and_corruption_the_set_number_of_times() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let (digest, data) = push_blob(&registry, "p/a").await;
    let proxy = FaultProxy::start(&registry.url()).unwrap();
    let http = reqwest::Client::new();
    let blob_url = format!("{}/v2/p/a/blobs/{digest}", proxy.url());

    proxy.inject(Fault::status("GET", "/blobs/", 429).retry_after(3));
    proxy.inject(Fault::status("GET", "/blobs/", 503).times(2));
    let limited = http.get(&blob_url).send().await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers()[header::RETRY_AFTER], "3");
    assert!(limited.text().await.unwrap().contains("TOOMANYREQUESTS"));
    for _ in 0..2 {
        assert_eq!(http.get(&blob_url).send().await.unwrap().status(), StatusCode::SERVICE_UNAVAILABLE);
    }
    assert_eq!(proxy.pending_faults(), 0);
    assert_eq!(http.get(&blob_url).send().await.unwrap().bytes().await.unwrap(), data);

    proxy.inject(Fault::cut_body("GET", &digest, 1000));
    let cut = http.get(&blob_url).send().await.unwrap();
    assert_eq!(cut.status(), StatusCode::OK, "headers arrive; the body is cut");
    assert!(cut.bytes().await.is_err(), "the client sees a body cut short");

    proxy.inject(Fault::corrupt_body("GET", &digest, 10));
    let corrupted = http.get(&blob_url).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(corrupted.len(), data.len());
    assert_ne!(sha256_digest(&corrupted), digest);
    assert_eq!(corrupted[10], data[10] ^ 0xff);
    assert_eq!(corrupted[..10], data[..10]);

    let faults: Vec<Option<FaultKind>> = proxy.requests().into_iter().map(|r| r.fault).collect();
    assert_eq!(
        faults,
        [
            Some(FaultKind::Status { status: 429, retry_after: Some(3), code: None }),
            Some(FaultKind::Status { status: 503, retry_after: None, code: None }),
            Some(FaultKind::Status { status: 503, retry_after: None, code: None }),
            None,
            Some(FaultKind::CutBody { after_bytes: 1000 }),
            Some(FaultKind::CorruptBody { at_byte: 10 }),
        ]
    );
}
