//! What the server answers at all, whoever asks: changes only from its own pages (cross-site
//! requests are refused), only under the host names it is reached by (DNS rebinding), and the
//! security headers on every response. Requests here go to `raw`, the app exactly as served,
//! unless they test something else.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{ADMIN, ADMIN_PASSWORD, NO_DOCKER, app_for, dead_port, get_json, router, send};
use rm_harness::ImageSpec;
use rm_harness::registry::{Flavour, Registry};

/// The Host the requests here name: the server's own, as a browser on its page sends it.
const OWN_HOST: &str = "127.0.0.1:8080";
const OWN_ORIGIN: &str = "http://127.0.0.1:8080";

fn request(method: &str, path: &str, headers: &[(&str, &str)], body: impl Into<Body>) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(body.into()).unwrap()
}

fn detail(body: &[u8]) -> String {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    json["detail"].as_str().unwrap_or_default().to_owned()
}

/// The ways another site's page (or a careless client) sends a change, as its headers say.
const FORGED: &[(&str, &[(&str, &str)])] = &[
    ("a foreign Origin", &[("origin", "https://evil.example")]),
    // Same site (cookies ignore ports, so a SameSite=Strict cookie goes along), other origin.
    (
        "another port of the same host",
        &[("origin", "http://127.0.0.1:9000"), ("sec-fetch-site", "same-site")],
    ),
    ("Origin: null (a sandboxed frame)", &[("origin", "null")]),
    ("Sec-Fetch-Site: cross-site", &[("sec-fetch-site", "cross-site")]),
    ("Sec-Fetch-Site: same-site", &[("sec-fetch-site", "same-site")]),
    ("neither Origin nor Sec-Fetch-Site", &[]),
];

#[tokio::test]
async fn a_cross_site_change_with_the_session_cookie_is_refused_and_changes_nothing() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let image = registry.push_image("shop/web", "v1", &ImageSpec::docker()).await.unwrap();
    let app = app_for(&registry, NO_DOCKER, &[]);
    let cookie = format!("rm_session={}", app.admin_session);
    let source = format!("{}/shop/web:v1", registry.host());
    let sync = serde_json::json!({"source_image": source, "target_repository": "stolen/web"}).to_string();

    for (what, marks) in FORGED {
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut headers: Vec<(&str, &str)> = vec![("host", OWN_HOST), ("cookie", cookie.as_str())];
            headers.extend_from_slice(extra);
            headers.extend_from_slice(marks);
            headers
        };
        let form = with(&[("content-type", "application/x-www-form-urlencoded")]);
        let attempts = [
            // A server function, as an auto-submitted HTML form sends it.
            request("POST", "/rpc/delete-tag", &form, "repository=shop%2Fweb&tag=v1&scope=image"),
            request("POST", "/rpc/start-sync", &form, format!("request[source_image]={source}")),
            // REST, as a form with enctype=text/plain or a fetch(…, {mode: "no-cors"}) sends it…
            request("POST", "/api/sync-jobs", &with(&[("content-type", "text/plain")]), sync.clone()),
            // … and as a client that may set any header but has only the cookie.
            request("POST", "/api/sync-jobs", &with(&[("content-type", "application/json")]), sync.clone()),
            request("DELETE", "/api/repositories/shop/web", &with(&[]), Body::empty()),
            request("DELETE", "/api/repositories/shop/web/tags/v1?scope=image", &with(&[]), Body::empty()),
            // Signing the user out, or in as someone else (login CSRF), is a change too.
            request("POST", "/logout", &form, Body::empty()),
            request("POST", "/login", &form, format!("username={ADMIN}&password=correct+horse+battery")),
        ];
        for attempt in attempts {
            let target = format!("{} {}", attempt.method(), attempt.uri());
            let response = tower::ServiceExt::oneshot(app.raw.clone(), attempt).await.unwrap();
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{what}: {target}");
            assert!(response.headers().get(header::SET_COOKIE).is_none(), "{what}: {target}");
            let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
            assert!(
                detail(&body).contains("refused"),
                "{what}: {target}: {}",
                String::from_utf8_lossy(&body)
            );
        }
    }

    // Nothing changed: the tag, no job, nothing copied, and the session still signs in.
    assert_eq!(
        registry.manifest_digest("shop/web", "v1").await.unwrap().as_deref(),
        Some(image.digest.as_str())
    );
    assert_eq!(registry.manifest_digest("stolen/web", "v1").await.unwrap(), None);
    let (_, jobs) = get_json(&app, "/api/sync-jobs").await;
    assert_eq!(jobs["jobs"], serde_json::json!([]), "{jobs}");
    let me = request("GET", "/api/me", &[("host", OWN_HOST), ("cookie", cookie.as_str())], Body::empty());
    assert_eq!(send(&app.raw, me).await.0, StatusCode::OK);

    // The same change from the server's own page goes through.
    let own = [
        ("host", OWN_HOST),
        ("origin", OWN_ORIGIN),
        ("cookie", cookie.as_str()),
        ("content-type", "application/x-www-form-urlencoded"),
        ("accept", "application/json"),
    ];
    let delete = request("POST", "/rpc/delete-tag", &own, "repository=shop%2Fweb&tag=v1&scope=tag");
    let (status, _, body) = send(&app.raw, delete).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(registry.manifest_digest("shop/web", "v1").await.unwrap(), None);
}

#[tokio::test]
async fn our_own_pages_may_send_changes_however_the_browser_marks_them() {
    let app =
        router(&["--public-url", "https://registry-ui.example", "--allowed-origins", "https://ci.example"]);
    let cookie = format!("rm_session={}", app.admin_session);
    let marks: &[(&str, &[(&str, &str)])] = &[
        ("its own Origin", &[("host", OWN_HOST), ("origin", OWN_ORIGIN)]),
        (
            "PUBLIC_URL's origin behind a proxy",
            &[("host", OWN_HOST), ("origin", "https://registry-ui.example")],
        ),
        ("an origin in ALLOWED_ORIGINS", &[("host", OWN_HOST), ("origin", "https://ci.example")]),
        ("Sec-Fetch-Site: same-origin", &[("host", OWN_HOST), ("sec-fetch-site", "same-origin")]),
        ("Sec-Fetch-Site: none (typed by the user)", &[("sec-fetch-site", "none")]),
    ];
    for (what, marks) in marks {
        let mut headers = vec![("cookie", cookie.as_str()), ("accept", "application/json")];
        headers.extend_from_slice(marks);
        let (status, _, body) = send(&app.raw, request("POST", "/rpc/me", &headers, Body::empty())).await;
        assert_eq!(status, StatusCode::OK, "{what}: {}", String::from_utf8_lossy(&body));
    }
}

#[tokio::test]
async fn scripts_that_send_a_token_or_basic_credentials_are_exempt() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    for tag in ["v1", "v2"] {
        registry.push_image("shop/web", tag, &ImageSpec::docker()).await.unwrap();
    }
    let app = app_for(&registry, NO_DOCKER, &[]);
    use base64::Engine as _;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{ADMIN}:{ADMIN_PASSWORD}"))
    );
    let bearer = format!("Bearer {}", app.admin_token);
    for (tag, authorization) in [("v1", bearer.as_str()), ("v2", basic.as_str())] {
        // Any Origin, or none: a browser never adds these credentials by itself.
        let headers =
            [("host", OWN_HOST), ("origin", "https://evil.example"), ("authorization", authorization)];
        let path = format!("/api/repositories/shop/web/tags/{tag}?scope=tag");
        let (status, _, body) = send(&app.raw, request("DELETE", &path, &headers, Body::empty())).await;
        assert_eq!(status, StatusCode::OK, "{tag}: {}", String::from_utf8_lossy(&body));
        assert_eq!(registry.manifest_digest("shop/web", tag).await.unwrap(), None);
    }
    // Server functions take the session only: an Authorization header does not exempt a cookie.
    let cookie = format!("rm_session={}", app.admin_session);
    let headers = [
        ("host", OWN_HOST),
        ("origin", "https://evil.example"),
        ("authorization", bearer.as_str()),
        ("cookie", cookie.as_str()),
    ];
    let (status, _, _) = send(&app.raw, request("POST", "/rpc/me", &headers, Body::empty())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn auth_none_refuses_cross_site_changes_too() {
    // Under AUTH=none every caller is admin, so a foreign page would be admin without this check.
    let app = router(&["--auth", "none"]);
    let headers =
        [("host", OWN_HOST), ("origin", "https://evil.example"), ("content-type", "application/json")];
    let body = r#"{"repositories": ["a"], "confirmation": "delete 1 repositories"}"#;
    let (status, _, body) =
        send(&app.raw, request("POST", "/api/repository-delete-jobs", &headers, body)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{}", String::from_utf8_lossy(&body));
    let (_, jobs) = get_json(&app, "/api/sync-jobs").await;
    assert_eq!(jobs["jobs"], serde_json::json!([]), "{jobs}");
}

#[tokio::test]
async fn no_401_asks_the_browser_for_basic_credentials() {
    // A `WWW-Authenticate: Basic` challenge would make browsers prompt, then send the cached
    // credentials with every request, cross-site ones included: the exemption above needs none.
    let app = router(&[]);
    use base64::Engine as _;
    let wrong = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{ADMIN}:not-the-password"))
    );
    let attempts = [
        request("GET", "/api/me", &[], Body::empty()),
        request("GET", "/api/repositories", &[("authorization", "Bearer rmt_not-a-token")], Body::empty()),
        request("GET", "/api/sync-jobs", &[("authorization", wrong.as_str())], Body::empty()),
        request("GET", "/api/me", &[("authorization", "Basic !!!")], Body::empty()),
        request("GET", "/api/tokens", &[("cookie", "rm_session=ended")], Body::empty()),
        request(
            "POST",
            "/rpc/me",
            &[("sec-fetch-site", "same-origin"), ("accept", "application/json")],
            Body::empty(),
        ),
        request(
            "POST",
            "/login",
            &[("sec-fetch-site", "same-origin"), ("content-type", "application/json")],
            format!(r#"{{"username": "{ADMIN}", "password": "not-the-password"}}"#),
        ),
    ];
    for attempt in attempts {
        let target = format!("{} {}", attempt.method(), attempt.uri());
        let response = tower::ServiceExt::oneshot(app.raw.clone(), attempt).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{target}");
        assert!(
            response.headers().get(header::WWW_AUTHENTICATE).is_none(),
            "{target}: {:?}",
            response.headers()
        );
    }
}

#[tokio::test]
async fn a_host_this_server_is_not_reached_by_is_answered_421() {
    let registry = format!("http://127.0.0.1:{}", dead_port());
    let app = router(&[
        "--registry-api-url",
        &registry,
        "--public-url",
        "https://registry-ui.example",
        "--allowed-hosts",
        "ui.internal:8443,ui.example",
    ]);
    // A rebound DNS name: the page is same-origin to us, so only the Host header tells.
    for (method, path) in [
        ("GET", "/"),
        ("GET", "/api/health"),
        ("GET", "/login"),
        ("POST", "/login"),
        ("GET", "/pkg/registry-manager.js"),
    ] {
        let headers = [("host", "evil.example"), ("sec-fetch-site", "same-origin")];
        let (status, content_type, body) =
            send(&app.raw, request(method, path, &headers, Body::empty())).await;
        assert_eq!(status, StatusCode::MISDIRECTED_REQUEST, "{method} {path}");
        assert!(content_type.starts_with("application/json"), "{content_type}");
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["error"], "misdirected_request", "{json}");
        let detail = json["detail"].as_str().unwrap();
        for part in ["evil.example", "PUBLIC_URL (https://registry-ui.example)", "ALLOWED_HOSTS"] {
            assert!(detail.contains(part), "{part}: {detail}");
        }
    }
    for (host, answered) in [
        ("localhost:3000", true),
        ("127.0.0.1", true),
        ("[::1]:8080", true),
        ("registry-ui.example", true),
        ("UI.example:1234", true),
        ("ui.internal:8443", true),
        ("ui.internal:9999", false),
        ("registry-ui.example.evil.example", false),
        ("192.0.2.1:8080", false),
    ] {
        let (status, _, _) =
            send(&app.raw, request("GET", "/api/health", &[("host", host)], Body::empty())).await;
        let expected = if answered { StatusCode::OK } else { StatusCode::MISDIRECTED_REQUEST };
        assert_eq!(status, expected, "Host: {host}");
    }
    // An absolute request target names the host too.
    let absolute = request("GET", "http://evil.example/api/health", &[("host", "localhost")], Body::empty());
    assert_eq!(send(&app.raw, absolute).await.0, StatusCode::MISDIRECTED_REQUEST);
}

/// The nonce a response's Content-Security-Policy allows scripts by.
fn csp_nonce(csp: &str) -> &str {
    let start = csp.find("'nonce-").expect("a nonce in the policy") + "'nonce-".len();
    &csp[start..start + csp[start..].find('\'').unwrap()]
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = router(&["--registry-api-url", &format!("http://127.0.0.1:{}", dead_port())]);
    let cookie = format!("rm_session={}", app.admin_session);
    let page = |path: &str| {
        request("GET", path, &[("cookie", cookie.as_str()), ("accept", "text/html")], Body::empty())
    };
    let responses = [
        ("a page", page("/")),
        ("the sign-in page", request("GET", "/login", &[], Body::empty())),
        ("the not-found page", page("/no/such/page")),
        ("JSON", request("GET", "/api/health", &[], Body::empty())),
        ("a 401", request("GET", "/api/me", &[], Body::empty())),
        ("a 403 refusal", request("POST", "/rpc/me", &[("origin", "https://evil.example")], Body::empty())),
        ("a 421 refusal", request("GET", "/", &[("host", "evil.example")], Body::empty())),
        ("a redirect to sign in", request("GET", "/jobs", &[("accept", "text/html")], Body::empty())),
    ];
    let mut nonces = Vec::new();
    for (what, attempt) in responses {
        let response = tower::ServiceExt::oneshot(app.raw.clone(), attempt).await.unwrap();
        let headers = response.headers().clone();
        let value = |name: header::HeaderName| {
            headers.get(&name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
        };
        let csp = value(header::CONTENT_SECURITY_POLICY);
        assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp:?}");
        assert!(
            csp.contains("script-src 'self' 'nonce-") && csp.contains("'wasm-unsafe-eval'"),
            "{what}: {csp}"
        );
        let script_src = csp.split(';').find(|d| d.trim().starts_with("script-src")).unwrap_or_default();
        assert!(
            !script_src.contains("'unsafe-inline'") && !script_src.contains("'unsafe-eval'"),
            "{what}: {csp}"
        );
        assert_eq!(value(header::X_CONTENT_TYPE_OPTIONS), "nosniff", "{what}");
        assert_eq!(value(header::REFERRER_POLICY), "same-origin", "{what}");
        let nonce = csp_nonce(&csp).to_owned();
        let is_html = value(header::CONTENT_TYPE).starts_with("text/html");
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        if is_html {
            // Every script the page holds carries this response's nonce, or the browser refuses it.
            let html = String::from_utf8(body.to_vec()).unwrap();
            let scripts: Vec<&str> = html
                .match_indices("<script")
                .map(|(at, _)| &html[at..at + html[at..].find('>').unwrap()])
                .collect();
            assert!(!scripts.is_empty(), "{what}: no hydration script");
            for script in scripts {
                assert!(
                    script.contains(&format!(r#"nonce="{nonce}""#)),
                    "{what}: {script} (policy nonce {nonce})"
                );
            }
        }
        nonces.push(nonce);
    }
    // A fresh nonce for every response.
    let mut unique = nonces.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), nonces.len(), "{nonces:?}");
}

// Issue 11: request bodies were read whole, whatever their size.
#[tokio::test]
async fn request_bodies_over_1_mib_are_refused_413_before_anything_reads_them() {
    let app = router(&[]);
    let big = format!(r#"{{"source_image": "{}"}}"#, "a".repeat(1024 * 1024));
    let refused = |what: &str, status: StatusCode, body: &[u8]| {
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{what}");
        let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        assert_eq!(json["error"], "payload_too_large", "{what}: {json}");
        assert!(json["detail"].as_str().unwrap_or_default().contains("1 MiB"), "{what}: {json}");
    };
    // Said up front by Content-Length …
    let json = [("content-type", "application/json")];
    let (status, _, body) = send(&app, request("POST", "/api/sync-jobs", &json, big.clone())).await;
    refused("REST, Content-Length", status, &body);
    // … or found out while reading a body sent without one.
    let chunks =
        big.into_bytes().chunks(64 * 1024).map(|c| Ok::<_, std::io::Error>(c.to_vec())).collect::<Vec<_>>();
    let streamed = Body::from_stream(futures::stream::iter(chunks));
    let (status, _, body) = send(&app, request("POST", "/api/sync-jobs", &json, streamed)).await;
    refused("REST, chunked", status, &body);
    // Server functions too, whatever their encoding.
    let form = [("content-type", "application/x-www-form-urlencoded"), ("accept", "application/json")];
    let big_form = format!("source_image={}", "a".repeat(1024 * 1024 + 1));
    let (status, _, body) = send(&app, request("POST", "/rpc/preview-sync", &form, big_form)).await;
    refused("server function", status, &body);
    // Just under the limit is read, and answered on its merits.
    let under = format!(r#"{{"source_image": "{}"}}"#, "a".repeat(1024 * 1024 - 100));
    let (status, _, body) = send(&app, request("POST", "/api/sync-jobs", &json, under)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{}", String::from_utf8_lossy(&body));
}
