//! Each registry flavour against the real `docker-registry` process.

use std::time::Duration;

use reqwest::{Method, StatusCode, header};
use rm_harness::process::{pid_alive, process_running};
use rm_harness::registry::{BASIC_REALM, TEST_PASSWORD, TEST_USER, TOKEN_SERVICE, repo_scope};
use rm_harness::{Flavour, ImageSpec, Registry};

fn www_authenticate(resp: &reqwest::Response) -> String {
    resp.headers().get(header::WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

/// The token endpoint's answer for `query`, asked with the test user's credentials; a refusal
/// fails the test.
async fn token_for(http: &reqwest::Client, token_url: &str, query: &[(&str, &str)]) -> serde_json::Value {
    let resp =
        http.get(token_url).query(query).basic_auth(TEST_USER, Some(TEST_PASSWORD)).send().await.unwrap();
    resp.error_for_status().unwrap().json().await.unwrap()
}

#[tokio::test]
async fn plain_answers_v2() {
    let r = Registry::start(Flavour::Plain).await.unwrap();
    assert!(r.url().starts_with("http://127.0.0.1:"));
    assert_eq!(r.credentials(), None);
    assert_eq!(r.auth_header("registry:catalog:*"), None);
    let resp = r.http().get(format!("{}/v2/", r.url())).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(r.catalog().await.unwrap(), Vec::<String>::new());
}

#[tokio::test]
async fn basic_requires_credentials() {
    let r = Registry::start(Flavour::Basic).await.unwrap();
    let url = format!("{}/v2/", r.url());
    let anon = r.http().get(&url).send().await.unwrap();
    assert_eq!(anon.status(), StatusCode::UNAUTHORIZED);
    let challenge = www_authenticate(&anon);
    assert!(challenge.starts_with(&format!("Basic realm=\"{BASIC_REALM}\"")), "{challenge}");
    let wrong = r.http().get(&url).basic_auth(TEST_USER, Some("wrong")).send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let (user, pass) = r.credentials().unwrap();
    let ok = r.http().get(&url).basic_auth(&user, Some(&pass)).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    // The helper header is the same credentials.
    let ok = r.request(Method::GET, "/v2/", "").send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
}

/// Parse `Bearer realm="…",service="…",scope="…"` into pairs.
fn challenge_params(challenge: &str) -> Vec<(String, String)> {
    let rest = challenge.strip_prefix("Bearer ").expect("a Bearer challenge");
    let mut out = Vec::new();
    let mut s = rest;
    while let Some(eq) = s.find('=') {
        let key = s[..eq].trim_start_matches(',').trim().to_string();
        let after = &s[eq + 1..];
        let after = after.strip_prefix('"').expect("quoted value");
        let end = after.find('"').expect("closing quote");
        out.push((key, after[..end].to_string()));
        s = &after[end + 1..];
    }
    out
}

#[tokio::test]
async fn bearer_challenge_token_dance() {
    let r = Registry::start(Flavour::Bearer).await.unwrap();
    let http = r.http();
    let token_url = r.token_url().unwrap();

    // Anonymous /v2/ → 401 with the harness token endpoint as realm.
    let anon = http.get(format!("{}/v2/", r.url())).send().await.unwrap();
    assert_eq!(anon.status(), StatusCode::UNAUTHORIZED);
    let challenge = www_authenticate(&anon);
    assert!(
        challenge.starts_with(&format!("Bearer realm=\"{token_url}\",service=\"{TOKEN_SERVICE}\"")),
        "{challenge}"
    );

    // The token endpoint itself wants the credentials.
    let no_creds = http.get(format!("{token_url}?service={TOKEN_SERVICE}")).send().await.unwrap();
    assert_eq!(no_creds.status(), StatusCode::UNAUTHORIZED);
    let bad_creds = http
        .get(format!("{token_url}?service={TOKEN_SERVICE}"))
        .basic_auth(TEST_USER, Some("nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_creds.status(), StatusCode::UNAUTHORIZED);

    // Follow the challenge like a client would.
    let params = challenge_params(&challenge);
    let realm = &params.iter().find(|(k, _)| k == "realm").unwrap().1;
    let service = &params.iter().find(|(k, _)| k == "service").unwrap().1;
    let tok = token_for(&http, realm, &[("service", service.as_str())]).await;
    for key in ["token", "access_token", "expires_in", "issued_at"] {
        assert!(tok.get(key).is_some(), "{key} missing in {tok}");
    }
    let token = tok["token"].as_str().unwrap();
    let ok = http.get(format!("{}/v2/", r.url())).bearer_auth(token).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);

    // Catalog with a scope obtained through the endpoint (several scope params).
    let scopes =
        [("service", TOKEN_SERVICE), ("scope", "registry:catalog:*"), ("scope", "repository:foo/bar:pull")];
    let tok = token_for(&http, &token_url, &scopes).await;
    let cat = http
        .get(format!("{}/v2/_catalog", r.url()))
        .bearer_auth(tok["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(cat.status(), StatusCode::OK);
}

#[tokio::test]
async fn bearer_token_for_one_repo_cannot_push_another() {
    let r = Registry::start(Flavour::Bearer).await.unwrap();
    let http = r.http();
    let scopes = [("service", TOKEN_SERVICE), ("scope", "repository:team/a:pull,push")];
    let tok = token_for(&http, &r.token_url().unwrap(), &scopes).await;
    let token = tok["token"].as_str().unwrap();
    let start_upload =
        |repo: &str| http.post(format!("{}/v2/{repo}/blobs/uploads/", r.url())).bearer_auth(token).send();
    assert_eq!(start_upload("team/a").await.unwrap().status(), StatusCode::ACCEPTED);
    let denied = start_upload("team/b").await.unwrap();
    assert_eq!(denied.status(), StatusCode::UNAUTHORIZED);
    let challenge = www_authenticate(&denied);
    assert!(challenge.contains("insufficient_scope"), "{challenge}");
    assert!(challenge.contains("repository:team/b:"), "{challenge}");

    // The harness-minted header for repo B does work (sanity of the oracle path).
    let img = r.push_image("team/b", "v1", &ImageSpec::default()).await.unwrap();
    assert_eq!(r.manifest_digest("team/b", "v1").await.unwrap(), Some(img.digest));
}

#[tokio::test]
async fn tls_trusted_ca_only() {
    let r = Registry::start(Flavour::Tls).await.unwrap();
    assert!(r.url().starts_with("https://127.0.0.1:"));
    let ca = r.ca_cert_path().unwrap();
    assert!(ca.exists());
    let ok = r.http().get(format!("{}/v2/", r.url())).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    // Also via "localhost" (the certificate's DNS SAN).
    let via_name = r.http().get(format!("https://localhost:{}/v2/", r.port())).send().await.unwrap();
    assert_eq!(via_name.status(), StatusCode::OK);

    let untrusting = reqwest::Client::builder().no_proxy().build().unwrap();
    let err = untrusting
        .get(format!("{}/v2/", r.url()))
        .send()
        .await
        .expect_err("a client without the CA must not connect");
    let chain = format!("{err:?}");
    assert!(chain.to_lowercase().contains("certificate"), "unexpected error: {chain}");
}

#[tokio::test]
async fn deletion_disabled_answers_405() {
    let r = Registry::builder().flavour(Flavour::Plain).delete_enabled(false).start().await.unwrap();
    assert!(!r.delete_enabled());
    let img = r.push_image("nodelete", "v1", &ImageSpec::default()).await.unwrap();
    let status = r.delete_manifest("nodelete", &img.digest).await.unwrap();
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.manifest_digest("nodelete", "v1").await.unwrap().is_some());

    // And with deletes enabled (the default) the same call deletes.
    let r2 = Registry::start(Flavour::Plain).await.unwrap();
    let img = r2.push_image("yesdelete", "v1", &ImageSpec::default()).await.unwrap();
    let status = r2.delete_manifest("yesdelete", &img.digest).await.unwrap();
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(r2.manifest_digest("yesdelete", "v1").await.unwrap(), None);
}

#[tokio::test]
async fn dropping_a_registry_kills_it_and_removes_its_dir() {
    for flavour in [Flavour::Plain, Flavour::Bearer] {
        let r = Registry::start(flavour).await.unwrap();
        let pid = r.pid();
        let dir = r.root_dir().to_path_buf();
        let url = r.url();
        let token_url = r.token_url();
        assert!(dir.starts_with("/tmp") && dir.to_string_lossy().starts_with(rm_harness::PROCESS_MARKER));
        assert!(process_running(pid));
        let cmdline = std::fs::read_to_string(format!("/proc/{pid}/cmdline")).unwrap();
        assert!(cmdline.contains(rm_harness::PROCESS_MARKER), "{cmdline}");
        drop(r);
        assert!(!pid_alive(pid), "registry pid {pid} still exists after drop");
        assert!(!dir.exists(), "{} still exists", dir.display());
        let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(2)).build().unwrap();
        assert!(client.get(format!("{url}/v2/")).send().await.is_err());
        if let Some(t) = token_url {
            assert!(client.get(t).send().await.is_err(), "token endpoint still up");
        }
    }
}

#[tokio::test]
async fn oracle_scopes_work_on_every_auth_flavour() {
    for flavour in [Flavour::Basic, Flavour::Bearer, Flavour::Tls] {
        let r = Registry::start(flavour).await.unwrap();
        let img = r.push_image("deep/name/x", "t", &ImageSpec::oci()).await.unwrap();
        assert_eq!(r.catalog().await.unwrap(), vec!["deep/name/x"], "{flavour:?}");
        assert_eq!(r.tags("deep/name/x").await.unwrap(), vec!["t"]);
        assert!(r.blob_exists("deep/name/x", &img.config_digest).await.unwrap());
        let resp = r
            .request(Method::GET, "/v2/deep/name/x/tags/list", &repo_scope("deep/name/x"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{flavour:?}");
    }
}

#[tokio::test]
async fn a_taken_port_is_reported_with_the_log_tail() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let err = Registry::builder().port(port).start().await.expect_err("the port is taken");
    assert!(err.downcast_ref::<rm_harness::process::PortInUse>().is_some(), "{err:#}");
    let text = format!("{err:#}");
    assert!(text.contains("address already in use"), "{text}");
    assert!(text.contains("exited with"), "{text}");
}

#[tokio::test]
async fn a_storage_dir_outlives_its_registry_and_is_served_again() {
    let keep = tempfile::tempdir().unwrap();
    let storage = keep.path().join("store");
    let first = Registry::builder().storage_dir(&storage).blob_descriptor_cache(true).start().await.unwrap();
    assert_eq!(first.storage_dir(), storage.as_path());
    let pushed = first.push_image("kept/app", "1.0", &ImageSpec::default()).await.unwrap();
    let first_root = first.root_dir().to_path_buf();
    drop(first);
    assert!(!first_root.exists(), "the temp dir goes with the registry");
    assert!(storage.join("docker/registry/v2/repositories/kept/app").is_dir(), "the storage stays");

    let second = Registry::builder().storage_dir(&storage).start().await.unwrap();
    assert_eq!(second.catalog().await.unwrap(), vec!["kept/app".to_string()]);
    assert_eq!(second.manifest_digest("kept/app", "1.0").await.unwrap(), Some(pushed.digest));
}
