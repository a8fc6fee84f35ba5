//! Sessions, logins, tokens and the audit log, over HTTP against the real router: what the issue
//! asks of each, one test per promise.

mod common;

use std::time::{Duration, Instant};

use app::backend::auth::authenticator::Bootstrap;
use app::model::{AuditOutcome, AuditQuery, Role};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{ADMIN, ADMIN_PASSWORD, TestApp, router, send};
use serde_json::{Value, json};

/// `POST /login` with JSON, as a script would; the answer's status, `Set-Cookie` and body.
async fn login(
    app: &TestApp,
    username: &str,
    password: &str,
    cookie: Option<&str>,
) -> (StatusCode, Option<String>, Value) {
    let mut request = Request::post("/login").header("content-type", "application/json");
    if let Some(cookie) = cookie {
        request = request.header("cookie", format!("rm_session={cookie}"));
    }
    let body = json!({"username": username, "password": password}).to_string();
    let response =
        tower::ServiceExt::oneshot(app.bare.clone(), request.body(Body::from(body)).unwrap()).await.unwrap();
    let status = response.status();
    let set_cookie = response.headers().get(header::SET_COOKIE).map(|v| v.to_str().unwrap().to_owned());
    let retry_after = response.headers().get(header::RETRY_AFTER).map(|v| v.to_str().unwrap().to_owned());
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    let mut body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if let Some(retry_after) = retry_after {
        body["retry_after_header"] = json!(retry_after);
    }
    (status, set_cookie, body)
}

fn session_of(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().trim().strip_prefix("rm_session=").unwrap().to_owned()
}

/// `GET path` with a session cookie; the status.
async fn get_with_session(app: &TestApp, path: &str, session: &str) -> StatusCode {
    let request =
        Request::get(path).header("cookie", format!("rm_session={session}")).body(Body::empty()).unwrap();
    send(&app.bare, request).await.0
}

fn audit(app: &TestApp, operation: &str) -> Vec<app::model::AuditEntry> {
    let query = AuditQuery { operation: Some(operation.to_owned()), limit: Some(1000), ..Default::default() };
    app.state.auth.db().list_audit(&query).unwrap()
}

#[tokio::test]
async fn login_sets_a_strict_http_only_cookie_with_a_new_id_each_time() {
    let app = router(&[]);
    let (status, cookie, me) = login(&app, ADMIN, ADMIN_PASSWORD, None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["role"], "admin");
    let cookie = cookie.expect("a session cookie");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    // Plain http: no Secure flag (the browser would drop the cookie).
    assert!(!cookie.contains("Secure"), "{cookie}");
    let first = session_of(&cookie);
    assert_eq!(get_with_session(&app, "/api/me", &first).await, StatusCode::OK);

    // Signing in again from the same browser rotates the id; the old one is dead.
    let (_, cookie, _) = login(&app, ADMIN, ADMIN_PASSWORD, Some(&first)).await;
    let second = session_of(&cookie.unwrap());
    assert_ne!(first, second);
    assert_eq!(get_with_session(&app, "/api/me", &first).await, StatusCode::UNAUTHORIZED);
    assert_eq!(get_with_session(&app, "/api/me", &second).await, StatusCode::OK);
}

#[tokio::test]
async fn the_cookie_is_secure_when_public_url_is_https() {
    let app = router(&["--public-url", "https://registry-ui.test"]);
    let (_, cookie, _) = login(&app, ADMIN, ADMIN_PASSWORD, None).await;
    assert!(cookie.unwrap().contains("Secure"));
}

#[tokio::test]
async fn a_stolen_session_dies_at_logout_and_at_a_password_change() {
    let app = router(&[]);
    let (_, cookie, _) = login(&app, ADMIN, ADMIN_PASSWORD, None).await;
    let stolen = session_of(&cookie.unwrap());
    let request = Request::post("/logout")
        .header("cookie", format!("rm_session={stolen}"))
        .header("accept", "application/json")
        .body(Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(app.bare.clone(), request).await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let cleared = response.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(get_with_session(&app, "/api/me", &stolen).await, StatusCode::UNAUTHORIZED);

    // Two sessions; a password change in one ends the other.
    let (_, cookie, _) = login(&app, ADMIN, ADMIN_PASSWORD, None).await;
    let stolen = session_of(&cookie.unwrap());
    let (_, cookie, _) = login(&app, ADMIN, ADMIN_PASSWORD, None).await;
    let mine = session_of(&cookie.unwrap());
    let form =
        serde_qs::to_string(&json!({"current": ADMIN_PASSWORD, "new": "a brand new password"})).unwrap();
    let request = Request::post("/rpc/change-password")
        .header("cookie", format!("rm_session={mine}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(Body::from(form))
        .unwrap();
    let (status, _, body) = send(&app.bare, request).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(get_with_session(&app, "/api/me", &stolen).await, StatusCode::UNAUTHORIZED);
    assert_eq!(get_with_session(&app, "/api/me", &mine).await, StatusCode::OK);
    let (status, _, _) = login(&app, ADMIN, "a brand new password", None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn failed_logins_are_throttled_with_retry_after() {
    let app = router(&[]);
    for attempt in 1..=5 {
        let (status, _, body) = login(&app, ADMIN, "wrong password!", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {attempt}: {body}");
    }
    // The sixth is refused before the password is even checked, the right one included.
    let (status, _, body) = login(&app, ADMIN, ADMIN_PASSWORD, None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let wait: u64 = body["retry_after_header"].as_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&wait), "Retry-After {wait}");
    assert!(body["detail"].as_str().unwrap().contains("wait"), "{body}");
    // Basic credentials on /api are the same door, throttled the same way.
    let request = Request::get("/api/me")
        .header("authorization", format!("Basic {}", base64_pair(ADMIN, ADMIN_PASSWORD)))
        .body(Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(app.bare.clone(), request).await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key(header::RETRY_AFTER));
    // Each failure is in the audit log; no password is.
    let entries = audit(&app, "login");
    assert_eq!(entries.iter().filter(|e| e.outcome == AuditOutcome::Failed).count(), 6, "{entries:#?}");
    assert!(entries.iter().all(|e| !format!("{e:?}").contains("wrong password!")));
}

fn base64_pair(user: &str, password: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
}

#[tokio::test]
async fn unknown_users_and_wrong_passwords_cannot_be_told_apart() {
    let app = router(&[]);
    let mut times = Vec::new();
    let mut answers = Vec::new();
    for username in ["nobody-here", ADMIN] {
        let started = Instant::now();
        let (status, cookie, body) = login(&app, username, "not the password", None).await;
        times.push(started.elapsed());
        answers.push((status, cookie, body));
    }
    assert_eq!(answers[0], answers[1], "the same status, no cookie, the same words");
    assert_eq!(answers[0].0, StatusCode::UNAUTHORIZED);
    // Both paths run one argon2id verification: the times are of the same order (a missing
    // user without one would answer in microseconds).
    let (fast, slow) = (times[0].min(times[1]), times[0].max(times[1]));
    assert!(fast * 4 > slow, "unknown {:?} vs wrong {:?}", times[0], times[1]);
    assert!(fast > Duration::from_millis(2), "{fast:?}: no password hash was computed");
}

#[tokio::test]
async fn stored_passwords_are_argon2id_phc_strings() {
    let app = router(&[]);
    let (_, hash) = app.state.auth.db().user_by_name(ADMIN).unwrap().unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
    assert!(!hash.contains(ADMIN_PASSWORD));
}

#[tokio::test]
async fn tokens_are_shown_once_stored_hashed_and_stop_at_revoke() {
    let app = router(&[]);
    let (status, created) = common::post_json(&app, "/api/tokens", json!({"name": "ci"})).await;
    // The test router's admin calls /api with a token, and tokens cannot make tokens.
    assert_eq!(status, StatusCode::FORBIDDEN, "{created}");
    // A signed-in admin can.
    let (_, cookie, _) = login(&app, ADMIN, ADMIN_PASSWORD, None).await;
    let session = session_of(&cookie.unwrap());
    let request = Request::post("/api/tokens")
        .header("cookie", format!("rm_session={session}"))
        .header("content-type", "application/json")
        .body(Body::from(json!({"name": "ci", "role": "viewer", "expires_in_days": 90}).to_string()))
        .unwrap();
    let (status, _, body) = send(&app.bare, request).await;
    let created: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, StatusCode::OK, "{created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("rmt_") && secret.len() > 40, "{secret}");
    assert_eq!(created["token"]["role"], "viewer");
    assert!(created["token"]["expires_at"].is_string());
    // Listing never shows it again, and the store holds only its hash.
    let (_, list) = common::get_json(&app.router, "/api/tokens?all=true").await;
    assert!(!list.to_string().contains(&secret), "{list}");
    let db_file = std::fs::read(app.data_dir.path().join("jobs.sqlite3")).unwrap();
    assert!(
        !db_file.windows(secret.len()).any(|w| w == secret.as_bytes()),
        "the secret is stored in the clear"
    );

    let bearer = |path: &str| {
        Request::get(path).header("authorization", format!("Bearer {secret}")).body(Body::empty()).unwrap()
    };
    let (status, _, body) = send(&app.bare, bearer("/api/me")).await;
    assert_eq!(status, StatusCode::OK);
    let me: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(me["role"], "viewer");
    // A viewer token may read, not change.
    let request = Request::delete("/api/repositories/a/tags/b")
        .header("authorization", format!("Bearer {secret}"))
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = send(&app.bare, request).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{}", String::from_utf8_lossy(&body));

    let id = created["token"]["id"].as_str().unwrap();
    let request = Request::delete(format!("/api/tokens/{id}"))
        .header("cookie", format!("rm_session={session}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app.bare, request).await.0, StatusCode::OK);
    let (status, _, body) = send(&app.bare, bearer("/api/me")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(String::from_utf8_lossy(&body).contains("API token is not valid"));
}

#[tokio::test]
async fn a_token_never_acts_above_its_owner() {
    let app = router(&[]);
    let db = app.state.auth.db();
    let hash = app::backend::auth::password::hash_password("operator password").unwrap();
    db.create_user("ops", &hash, Role::Operator, app::backend::store::now_ms()).unwrap();
    let (token, _) = common::credentials(&app.state, "ops");
    // Demoted after the token was made: the token drops to the owner's new role.
    let (ops, _) = db.user_by_name("ops").unwrap().unwrap();
    db.set_role(ops.id, Role::Viewer).unwrap();
    let request = Request::get("/api/me")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let (_, _, body) = send(&app.bare, request).await;
    let me: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(me["role"], "viewer", "{me}");
    // And it stops when the owner is disabled.
    db.set_disabled(ops.id, true).unwrap();
    let request = Request::get("/api/me")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app.bare, request).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn health_is_open_but_says_more_to_a_signed_in_caller() {
    let app = router(&["--registry-api-url", &format!("http://127.0.0.1:{}", common::dead_port())]);
    let (status, _, body) = send(&app.bare, Request::get("/api/health").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let anonymous: Value = serde_json::from_slice(&body).unwrap();
    let mut keys: Vec<&str> = anonymous.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["detected_arch", "docker_healthy", "registry_api_url", "registry_healthy", "registry_push_host"]
    );
    let (_, full) = common::get_json(&app.router, "/api/health").await;
    assert!(full["registry_error"].is_string(), "{full}");
    assert!(full["host_machine"].is_string(), "{full}");
}

#[tokio::test]
async fn pages_redirect_to_login_and_server_functions_refuse_without_a_session() {
    let app = router(&[]);
    let request = Request::get("/jobs?x=1").header("accept", "text/html").body(Body::empty()).unwrap();
    let response = tower::ServiceExt::oneshot(app.bare.clone(), request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[header::LOCATION], "/login?next=%2Fjobs%3Fx%3D1");
    // The login page itself renders, with a plain form that works without JavaScript.
    let request = Request::get("/login").header("accept", "text/html").body(Body::empty()).unwrap();
    let (status, _, body) = send(&app.bare, request).await;
    let html = String::from_utf8_lossy(&body);
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"action="/login""#) && html.contains(r#"method="post""#), "{html}");
    // A form login redirects to `next`, and only to a path of ours.
    // A tab or newline would be dropped by the browser, `/\t/evil.test` becoming `//evil.test`.
    for (next, location) in [
        ("/jobs", "/jobs"),
        ("//evil.test/x", "/"),
        ("https://evil.test", "/"),
        ("/\t/evil.test", "/"),
        ("/\\evil.test", "/"),
        ("/jobs\r\nx: y", "/"),
        ("/仓库", "/"),
    ] {
        let form =
            serde_urlencoded::to_string([("username", ADMIN), ("password", ADMIN_PASSWORD), ("next", next)])
                .unwrap();
        let request = Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap();
        let response = tower::ServiceExt::oneshot(app.bare.clone(), request).await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[header::LOCATION], location, "next={next}");
    }
    let request = Request::post("/rpc/me").header("accept", "application/json").body(Body::empty()).unwrap();
    let (status, _, body) = send(&app.bare, request).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{}", String::from_utf8_lossy(&body));
}

#[tokio::test]
async fn first_run_setup_creates_the_admin_once() {
    use app::backend::auth::authenticator::{Auth, AuthMode, AuthSettings};
    // A store with no account, started without ADMIN_PASSWORD, as a first run is.
    let data = tempfile::tempdir().unwrap();
    let db = app::backend::store::Db::open(data.path()).unwrap();
    let settings = AuthSettings {
        mode: AuthMode::On,
        session_idle: Duration::from_secs(600),
        session_max: Duration::from_secs(3600),
        trusted_proxies: Vec::new(),
        public_https: false,
    };
    let auth = Auth::new(db, settings);
    let Bootstrap::SetupToken(token) = auth.bootstrap(None).unwrap() else { panic!("no setup token") };
    assert!(auth.setup_token_valid(&token));
    assert!(!auth.setup_token_valid("a guess"));
    let session = auth.setup(&token, "first", "first admin password").await.unwrap();
    assert_eq!(session.account.info.role, Role::Admin);
    // The token dies at first use.
    assert!(!auth.setup_token_valid(&token));
    let again = auth.setup(&token, "second", "second admin password").await;
    assert!(matches!(again, Err(app::model::AppError::Unauthorized(_))), "{:?}", again.err());
    // Once an account exists, a restart makes no new link.
    assert_eq!(auth.bootstrap(None).unwrap(), Bootstrap::Ready);
}

#[tokio::test]
async fn every_change_leaves_exactly_one_audit_entry() {
    let registry = rm_harness::Registry::builder().delete_enabled(true).start().await.unwrap();
    registry.push_image("audit/app", "v1", &rm_harness::ImageSpec::docker()).await.unwrap();
    registry.push_image("audit/app", "v2", &rm_harness::ImageSpec::oci()).await.unwrap();
    let app = common::app_for(&registry, common::NO_DOCKER, &[]);
    let before = app
        .state
        .auth
        .db()
        .list_audit(&AuditQuery { limit: Some(1000), ..Default::default() })
        .unwrap()
        .len();

    let (status, body) = common::delete_json(&app, "/api/repositories/audit/app/tags/v1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let job =
        common::start(&app, "/api/repository-delete-jobs", json!({"repositories": ["audit/app"]})).await;
    let (status, body) = common::delete_json(&app, "/api/repositories/audit/none/tags/x").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    let entries =
        app.state.auth.db().list_audit(&AuditQuery { limit: Some(1000), ..Default::default() }).unwrap();
    assert_eq!(entries.len() - before, 3, "{entries:#?}");
    let actor = entries[0].actor.clone();
    assert!(actor.starts_with("token:") && actor.contains(ADMIN), "{actor}");
    let by_op = |op: &str| entries.iter().filter(|e| e.operation == op).collect::<Vec<_>>();
    let tag = by_op("delete-tag");
    assert_eq!(tag.len(), 2);
    assert_eq!((tag[1].target.as_str(), tag[1].outcome), ("audit/app:v1", AuditOutcome::Ok));
    assert_eq!((tag[0].target.as_str(), tag[0].outcome), ("audit/none:x", AuditOutcome::Failed));
    assert!(tag[0].error.as_deref().unwrap().contains("does not exist"));
    let started = by_op("start-repository-delete");
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].job_id.as_deref(), job["id"].as_str());
    // Reads are not audited, and the log is readable back through the API.
    let (status, list) = common::get_json(&app.router, "/api/audit?operation=delete-tag&limit=1").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["entries"].as_array().unwrap().len(), 1);
    assert_eq!(list["entries"][0]["target"], "audit/none:x");
}

#[tokio::test]
async fn auth_none_makes_every_caller_the_local_admin() {
    let app = router(&["--auth", "none"]);
    let (status, _, body) = send(&app.bare, Request::get("/api/me").body(Body::empty()).unwrap()).await;
    let me: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!((me["role"].as_str(), me["auth_enabled"].as_bool()), (Some("admin"), Some(false)));
    // Changes are still audited, as `local`.
    let (status, _, _) =
        send(&app.bare, Request::delete("/api/repositories/a/tags/b").body(Body::empty()).unwrap()).await;
    assert_ne!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(audit(&app, "delete-tag")[0].actor, "local");
}
