//! Helpers shared by the server's integration tests: the real router, driven in-process.

#![allow(dead_code)] // each test file uses its own subset

use app::backend::{AppState, Config};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use clap::Parser;
use tower::ServiceExt;

/// The router the binary serves, with its own `DATA_DIR` (removed on drop). Derefs to the router.
///
/// Access control is on, as in production. `router` signs every request that carries no
/// credentials of its own as the admin `admin` (an API token on `/api`, a session cookie
/// elsewhere), so tests of other features need not; `bare` is the same app without that, for
/// tests of who may do what. Both mark a request that says nothing about where it comes from as
/// same-origin (`Sec-Fetch-Site: same-origin`), as a browser on our own page does; `raw` is the
/// app exactly as served, for tests of the cross-site check.
pub struct TestApp {
    pub router: Router,
    pub bare: Router,
    pub raw: Router,
    pub state: AppState,
    pub data_dir: tempfile::TempDir,
    pub admin_token: String,
    pub admin_session: String,
}

/// The admin every test app has.
pub const ADMIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "correct horse battery";

impl std::ops::Deref for TestApp {
    type Target = Router;

    fn deref(&self) -> &Router {
        &self.router
    }
}

/// The router the binary serves, configured by command-line style arguments, with a fresh
/// `DATA_DIR` unless the arguments name one.
pub fn router(args: &[&str]) -> TestApp {
    let data_dir = tempfile::Builder::new().prefix("rm-server-test-").tempdir().expect("temp dir");
    let data = data_dir.path().to_string_lossy().into_owned();
    let mut argv = vec!["registry-manager"];
    if !args.contains(&"--data-dir") {
        argv.extend(["--data-dir", data.as_str()]);
    }
    argv.extend(args.iter().copied());
    let config = Config::try_parse_from(argv).expect("test configuration is valid");
    // As the binary makes them: the site is LEPTOS_SITE_ROOT (`--site-root`).
    let options = server::static_files::leptos_options(&config);
    let state = AppState::new(config, options).expect("state builds");
    state.auth.bootstrap(Some((ADMIN, ADMIN_PASSWORD))).expect("admin account");
    // Under AUTH=none there are no accounts (and every caller is the local admin).
    let (admin_token, admin_session) =
        if state.auth.enabled() { credentials(&state, ADMIN) } else { Default::default() };
    let raw = server::router(state.clone());
    let bare = raw.clone().layer(axum::middleware::map_request(|request| async { same_origin(request) }));
    let (token, session) = (admin_token.clone(), admin_session.clone());
    let router = bare.clone().layer(axum::middleware::map_request(move |request: Request<Body>| {
        let (token, session) = (token.clone(), session.clone());
        async move { sign(request, &token, &session) }
    }));
    TestApp { router, bare, raw, state, data_dir, admin_token, admin_session }
}

/// An API token and a session for `username`, made through the store as login and the Tokens
/// page would.
pub fn credentials(state: &AppState, username: &str) -> (String, String) {
    use app::backend::auth::secret;
    use app::backend::service::accounts::{NewTokenRequest, issue_token};
    let db = state.auth.db();
    let (account, _) = db.user_by_name(username).expect("store").expect("user exists");
    let request = NewTokenRequest {
        name: format!("tests-{}", secret::new_public_id()),
        role: None,
        expires_in_days: None,
    };
    let token = issue_token(&state.auth, account.id, account.info.role, request).expect("token").secret;
    let session = secret::new_session_id();
    db.create_session(&secret::hash_secret(&session), account.id, app::backend::store::now_ms())
        .expect("session");
    (token, session)
}

/// Adds `Sec-Fetch-Site: same-origin` to a request that has neither it nor `Origin`: what a
/// browser sends from our own page, so cookie-signed changes pass the cross-site check.
fn same_origin(mut request: Request<Body>) -> Request<Body> {
    let headers = request.headers_mut();
    if !headers.contains_key("origin") && !headers.contains_key("sec-fetch-site") {
        headers.insert("sec-fetch-site", axum::http::HeaderValue::from_static("same-origin"));
    }
    request
}

/// Adds the admin's credentials to a request that has none: the token on `/api`, the session
/// cookie on `/rpc` and pages.
fn sign(mut request: Request<Body>, token: &str, session: &str) -> Request<Body> {
    let headers = request.headers_mut();
    if headers.contains_key("authorization") || headers.contains_key("cookie") {
        return request;
    }
    let value = if request.uri().path().starts_with("/api/") {
        ("authorization", format!("Bearer {token}"))
    } else {
        ("cookie", format!("rm_session={session}"))
    };
    let headers = request.headers_mut();
    headers.insert(value.0, value.1.parse().expect("header value"));
    request
}

pub async fn send(router: &Router, request: Request<Body>) -> (StatusCode, String, Vec<u8>) {
    let response = router.clone().oneshot(request).await.expect("router answers");
    let status = response.status();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("body reads");
    (status, content_type, body.to_vec())
}

pub async fn get(router: &Router, path: &str) -> (StatusCode, String, Vec<u8>) {
    send(router, Request::get(path).body(Body::empty()).unwrap()).await
}

pub async fn get_json(router: &Router, path: &str) -> (StatusCode, serde_json::Value) {
    let (status, content_type, body) = get(router, path).await;
    assert!(content_type.starts_with("application/json"), "{path}: content-type {content_type}");
    (status, serde_json::from_slice(&body).expect("JSON body"))
}

/// A loopback port with nothing listening on it.
pub fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

pub async fn delete_json(app: &Router, path: &str) -> (StatusCode, serde_json::Value) {
    let (status, _, body) = send(app, Request::delete(path).body(Body::empty()).unwrap()).await;
    (status, serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null))
}

pub async fn post_json(app: &Router, path: &str, body: serde_json::Value) -> (StatusCode, serde_json::Value) {
    let request =
        Request::post(path).header("content-type", "application/json").body(Body::from(body.to_string()));
    let (status, _, bytes) = send(app, request.unwrap()).await;
    (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
}

/// Polls a job until it has finished (two minutes at most); returns it.
pub async fn wait_job(app: &Router, id: &str) -> serde_json::Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let (status, job) = get_json(app, &format!("/api/sync-jobs/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{job}");
        if !matches!(job["state"].as_str(), Some("queued" | "running")) {
            return job;
        }
        assert!(std::time::Instant::now() < deadline, "job {id} did not finish: {job:#}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Starts a job with a POST and waits for it to finish.
pub async fn start(app: &Router, path: &str, body: serde_json::Value) -> serde_json::Value {
    let (status, job) = post_json(app, path, body).await;
    assert_eq!(status, StatusCode::OK, "{job}");
    assert!(matches!(job["state"].as_str(), Some("queued" | "running")), "{job}");
    wait_job(app, job["id"].as_str().unwrap()).await
}

/// Calls the server function at `/rpc/<endpoint>` the way the browser does (arguments
/// form-encoded, answer JSON): its value, or the `AppError` it returned (with the HTTP status).
pub async fn rpc<Args, Out>(
    app: &Router,
    endpoint: &str,
    args: &Args,
) -> Result<Out, (StatusCode, app::model::AppError)>
where
    Args: serde::Serialize,
    Out: serde::de::DeserializeOwned,
{
    let form = serde_qs::to_string(args).expect("server function arguments encode");
    let request = Request::post(format!("/rpc/{endpoint}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(Body::from(form))
        .unwrap();
    let (status, _, body) = send(app, request).await;
    let text = String::from_utf8_lossy(&body);
    if status.is_success() {
        Ok(serde_json::from_slice(&body).unwrap_or_else(|e| panic!("/rpc/{endpoint}: {e}: {text}")))
    } else {
        Err((
            status,
            serde_json::from_slice(&body).unwrap_or_else(|e| panic!("/rpc/{endpoint} {status}: {e}: {text}")),
        ))
    }
}

/// A Docker host nothing listens on, for the tests that need no daemon.
pub const NO_DOCKER: &str = "unix:///tmp/rmh-none/docker.sock";

/// The router for `registry` and `docker_host`, with `extra` command-line style arguments.
pub fn app_for(registry: &rm_harness::Registry, docker_host: &str, extra: &[&str]) -> TestApp {
    let url = registry.url();
    let mut args = vec!["--registry-api-url", url.as_str(), "--docker-host", docker_host];
    args.extend_from_slice(extra);
    router(&args)
}

/// A preference switch (`/lang/{code}`, `/theme/{mode}`), asked signed out: each `(path, value,
/// location)` answers 303 to `location` and sets only the `cookie` to `value`, for a year.
pub async fn assert_preference_switch(app: &TestApp, cookie: &str, cases: &[(&str, &str, &str)]) {
    for (path, value, location) in cases {
        let request = Request::get(*path).header("accept", "text/html").body(Body::empty()).unwrap();
        let response = app.bare.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(response.headers()[axum::http::header::LOCATION], *location, "{path}");
        let cookies: Vec<_> = response.headers().get_all(axum::http::header::SET_COOKIE).iter().collect();
        assert_eq!(cookies.len(), 1, "{path}: {cookies:?}");
        assert_eq!(
            cookies[0],
            &format!("{cookie}={value}; Path=/; Max-Age=31536000; SameSite=Strict; HttpOnly"),
            "{path}"
        );
    }
}

/// A preference switch to a value we do not have (`path`): a 404 that sets nothing; its body.
pub async fn assert_unknown_preference(app: &TestApp, path: &str) -> String {
    let request = Request::get(path).header("accept", "text/html").body(Body::empty()).unwrap();
    let response = app.bare.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    assert!(response.headers().get(axum::http::header::SET_COOKIE).is_none(), "{path}");
    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    String::from_utf8_lossy(&body).into_owned()
}

/// Every blob file in a registry storage directory with its size (the storage oracle of the GC
/// and storage tests).
pub fn blob_files(storage: &std::path::Path) -> Vec<(String, u64)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<(String, u64)>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.file_name().is_some_and(|n| n == "data") {
                let hex = path.parent().unwrap().file_name().unwrap().to_string_lossy().into_owned();
                out.push((format!("sha256:{hex}"), std::fs::metadata(&path).unwrap().len()));
            }
        }
    }
    let mut out = Vec::new();
    walk(&storage.join("docker/registry/v2/blobs"), &mut out);
    out
}

pub fn blob_bytes(storage: &std::path::Path) -> u64 {
    blob_files(storage).iter().map(|(_, size)| size).sum()
}

/// The blobs an image refers to: its manifest, config and layers.
pub fn referenced(image: &rm_harness::PushedImage) -> Vec<String> {
    let mut out = vec![image.digest.clone(), image.config_digest.clone()];
    out.extend(image.layers.iter().map(|(digest, _)| digest.clone()));
    out
}

/// The server in embedded mode on `data` (its registry storage is `data/registry/storage`),
/// once its registry answers.
pub async fn embedded_app(data: &std::path::Path, addr: &str, extra: &[&str]) -> TestApp {
    let data = data.to_string_lossy().into_owned();
    let mut args =
        vec!["--registry-mode", "embedded", "--embedded-registry-addr", addr, "--data-dir", data.as_str()];
    args.extend_from_slice(extra);
    let app = router(&args);
    app.state
        .embedded
        .as_ref()
        .expect("embedded mode runs a registry")
        .wait_ready()
        .await
        .expect("registry answers");
    app
}

/// Pushes a small blob to the repository `gc/kept` (upload, then its bytes with the digest): 201
/// when written, else the status that refused it (the upload's start or its bytes).
pub async fn push_blob(client: &reqwest::Client, addr: &str, data: &[u8]) -> axum::http::StatusCode {
    let digest = rm_harness::fixtures::sha256_digest(data);
    let started = client.post(format!("http://{addr}/v2/gc/kept/blobs/uploads/")).send().await.unwrap();
    if started.status() != 202 {
        return axum::http::StatusCode::from_u16(started.status().as_u16()).unwrap();
    }
    let location = started.headers()["location"].to_str().unwrap().to_owned();
    let url = if location.starts_with('/') { format!("http://{addr}{location}") } else { location };
    let separator = if url.contains('?') { '&' } else { '?' };
    let response = client
        .put(format!("{url}{separator}digest={digest}"))
        .header("content-type", "application/octet-stream")
        .body(data.to_vec())
        .send()
        .await
        .unwrap();
    axum::http::StatusCode::from_u16(response.status().as_u16()).unwrap()
}
