//! The permission matrix, as the spec of who may do what: one row per REST route, per server
//! function and per preference switch (`/lang/`, `/theme/`), one column per kind of caller. Each cell is asserted over HTTP against the real
//! router, registry and dockerd: `401` without valid credentials, `403` naming the role a caller
//! lacks, and the row's success status for callers who may.
//!
//! Routes come from the router itself (`server::rest::api().routes()`,
//! `server::routes::preference_paths()`) and server functions from the server-function registry, so a route or server function added without a row here fails.

mod common;

use std::collections::BTreeSet;

use app::backend::auth::secret;
use app::backend::store::{NewToken, now_ms};
use app::model::Role;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{ADMIN, TestApp, app_for, credentials};
use rm_harness::dockerd;
use rm_harness::registry::{Flavour, Registry};
use serde_json::{Value, json};

/// Who a row is open to.
#[derive(Clone, Copy, Debug)]
enum Needs {
    /// Anyone, signed in or not (`/api/health`, the language and theme switches).
    Anyone,
    /// At least this role.
    Role(Role),
    /// At least this role, and a signed-in user: API tokens cannot manage tokens (403).
    UserWith(Role),
}

/// The kinds of caller, the matrix's columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    Anonymous,
    User(Role),
    Token(Role),
    ExpiredToken,
    RevokedToken,
    DisabledUser,
}

/// One row: a request, who may make it, and what a caller who may gets.
struct Row {
    method: &'static str,
    /// The route's pattern as the router declares it (`/api/...`), or `/rpc/<endpoint>`.
    pattern: &'static str,
    /// The concrete path requested.
    path: String,
    /// JSON body (REST) or server-function arguments (form-encoded, as the browser sends them).
    body: Option<Value>,
    needs: Needs,
    /// The status of a permitted call. Deletes of names that do not exist answer 404: only a
    /// caller past the permission check reaches the registry to learn that.
    ok: u16,
}

fn rest(
    method: &'static str,
    pattern: &'static str,
    path: &str,
    body: Option<Value>,
    needs: Needs,
    ok: u16,
) -> Row {
    Row { method, pattern, path: path.to_owned(), body, needs, ok }
}

fn rpc(endpoint: &'static str, args: Value, needs: Needs, ok: u16) -> Row {
    let pattern: &'static str = Box::leak(format!("/rpc/{endpoint}").into_boxed_str());
    Row { method: "POST", pattern, path: pattern.to_owned(), body: Some(args), needs, ok }
}

use Needs::{Anyone, Role as R, UserWith};
const V: Role = Role::Viewer;
const O: Role = Role::Operator;
const A: Role = Role::Admin;

fn rows(fixture: &Fixture) -> Vec<Row> {
    let job = &fixture.job_id;
    let image = &fixture.local_image;
    let sync = json!({"source_image": format!("{}/matrix/app:v1", fixture.registry_host), "target_repository": "copies/app"});
    let rename = json!({"repositories": ["matrix/app"], "prefix_mode": "add", "prefix_value": "x86", "cleanup_source_tag": false});
    let push = json!({"image_refs": [image], "prefix_mode": "add", "prefix_value": "m", "arch_mode": "none", "arch_value": "", "cleanup_local_tag": true, "cleanup_registry_source_tag": false});
    let gone = json!({"image_refs": ["matrix/absent:1"]});
    let merge = json!({"sources": ["matrix/app:v1", "matrix/app:v1-arm"], "target": "matrix/app:multi"});
    let split = json!({"source": "matrix/app:multi", "suffixes": {"linux/amd64": "-x86"}});
    let policy = &fixture.policy_id;
    // Matches no repository: a run deletes nothing.
    let rules = json!({"name": "matrix", "repositories": "matrix/none-*", "keep_last": 1});
    // Past the permission check, a policy that deletes nothing is refused (400): creating the
    // same name twice would fail the second permitted caller otherwise.
    let idle = json!({"name": "matrix-idle", "repositories": "matrix/*"});
    vec![
        // REST, in the router's order.
        rest("GET", "/api/health", "/api/health", None, Anyone, 200),
        rest("GET", "/api/repositories", "/api/repositories", None, R(V), 200),
        rest("GET", "/api/storage", "/api/storage", None, R(V), 200),
        rest("GET", "/api/storage/{*repository}", "/api/storage/matrix/app", None, R(V), 200),
        // Answers the running scan when one runs: every permitted caller gets 200.
        rest("POST", "/api/storage-scan-jobs", "/api/storage-scan-jobs", None, R(O), 200),
        // The matrix's registry is external: an admin gets past the check to learn that (400).
        rest(
            "DELETE",
            "/api/empty-repositories/{*repository}",
            "/api/empty-repositories/matrix/none",
            None,
            R(A),
            400,
        ),
        rest("GET", "/api/repositories/{*path}", "/api/repositories/matrix/app/tags", None, R(V), 200),
        rest("DELETE", "/api/repositories/{*path}", "/api/repositories/matrix/none/tags/v1", None, R(O), 404),
        rest("GET", "/api/sync-jobs", "/api/sync-jobs", None, R(V), 200),
        rest("POST", "/api/sync-jobs", "/api/sync-jobs", Some(sync.clone()), R(O), 200),
        rest("GET", "/api/sync-jobs/events", "/api/sync-jobs/events", None, R(V), 200),
        rest("GET", "/api/sync-jobs/{id}", &format!("/api/sync-jobs/{job}"), None, R(V), 200),
        rest("GET", "/api/sync-jobs/{id}/events", &format!("/api/sync-jobs/{job}/events"), None, R(V), 200),
        rest("POST", "/api/sync-jobs/{id}/cancel", "/api/sync-jobs/unknown/cancel", None, R(O), 404),
        rest("POST", "/api/sync-jobs/{id}/retry", &format!("/api/sync-jobs/{job}/retry"), None, R(O), 200),
        rest("POST", "/api/remote-prefix-jobs", "/api/remote-prefix-jobs", Some(rename.clone()), R(O), 200),
        rest(
            "POST",
            "/api/remote-prefix-jobs/preview",
            "/api/remote-prefix-jobs/preview",
            Some(rename.clone()),
            R(V),
            200,
        ),
        rest(
            "POST",
            "/api/repository-delete-jobs",
            "/api/repository-delete-jobs",
            Some(json!({"repositories": ["matrix/none"]})),
            R(A),
            200,
        ),
        rest("POST", "/api/merge-jobs", "/api/merge-jobs", Some(merge.clone()), R(O), 200),
        rest("POST", "/api/merge-jobs/preview", "/api/merge-jobs/preview", Some(merge.clone()), R(V), 200),
        rest("POST", "/api/split-jobs", "/api/split-jobs", Some(split.clone()), R(O), 200),
        rest("GET", "/api/retention-policies", "/api/retention-policies", None, R(V), 200),
        rest("POST", "/api/retention-policies", "/api/retention-policies", Some(idle.clone()), R(A), 400),
        rest(
            "GET",
            "/api/retention-policies/{id}",
            &format!("/api/retention-policies/{policy}"),
            None,
            R(V),
            200,
        ),
        rest(
            "PUT",
            "/api/retention-policies/{id}",
            &format!("/api/retention-policies/{policy}"),
            Some(rules.clone()),
            R(A),
            200,
        ),
        rest("DELETE", "/api/retention-policies/{id}", "/api/retention-policies/999999", None, R(A), 404),
        rest(
            "POST",
            "/api/retention-jobs",
            "/api/retention-jobs",
            Some(json!({"policy_id": policy, "dry_run": false})),
            R(A),
            200,
        ),
        // The matrix's registry is external: an admin gets past the check to learn that (400).
        rest("POST", "/api/gc-jobs", "/api/gc-jobs", Some(json!({"dry_run": true})), R(A), 400),
        rest("GET", "/api/local-images", "/api/local-images", None, R(V), 200),
        rest("POST", "/api/local-push-jobs", "/api/local-push-jobs", Some(push.clone()), R(O), 200),
        rest(
            "POST",
            "/api/local-push-jobs/preview",
            "/api/local-push-jobs/preview",
            Some(push.clone()),
            R(V),
            200,
        ),
        rest("POST", "/api/local-delete-jobs", "/api/local-delete-jobs", Some(gone.clone()), R(O), 200),
        rest(
            "POST",
            "/api/local-delete-jobs/preview",
            "/api/local-delete-jobs/preview",
            Some(gone.clone()),
            R(V),
            200,
        ),
        rest("GET", "/api/me", "/api/me", None, R(V), 200),
        rest("GET", "/api/tokens", "/api/tokens", None, UserWith(V), 200),
        rest("POST", "/api/tokens", "/api/tokens", Some(json!({"name": "matrix"})), UserWith(V), 200),
        rest("DELETE", "/api/tokens/{id}", "/api/tokens/unknown", None, R(A), 404),
        rest("GET", "/api/audit", "/api/audit", None, R(A), 200),
        // Server functions (session only: tokens get 401 here).
        rpc("repositories", json!({"non_empty_only": false}), R(V), 200),
        rpc("storage", json!({}), R(V), 200),
        rpc("repository-storage", json!({"repository": "matrix/app"}), R(V), 200),
        rpc("start-storage-scan", json!({}), R(O), 200),
        rpc("remove-empty-repository", json!({"repository": "matrix/none"}), R(A), 400),
        rpc(
            "tags",
            json!({"repository": "matrix/app", "sort": "name", "descending": false, "offset": 0, "limit": 10}),
            R(V),
            200,
        ),
        rpc("tag-detail", json!({"repository": "matrix/app", "tag": "v1"}), R(V), 200),
        rpc("delete-tag", json!({"repository": "matrix/none", "tag": "v1", "scope": "tag"}), R(O), 404),
        rpc(
            "delete-repository",
            json!({"repository": "matrix/none", "confirmation": "matrix/none"}),
            R(A),
            404,
        ),
        rpc("list-jobs", json!({}), R(V), 200),
        rpc("get-job", json!({"id": job}), R(V), 200),
        rpc("cancel-job", json!({"id": "unknown"}), R(O), 404),
        rpc("retry-job", json!({"id": job}), R(O), 200),
        rpc("preview-sync", json!({"request": sync}), R(V), 200),
        rpc("preview-remote-prefix", json!({"request": rename}), R(V), 200),
        rpc("start-sync", json!({"request": sync}), R(O), 200),
        rpc("start-remote-prefix", json!({"request": rename}), R(O), 200),
        rpc(
            "start-repository-delete",
            json!({"repositories": ["matrix/none"], "confirmation": "delete 1 repository"}),
            R(A),
            200,
        ),
        rpc("preview-merge", json!({"request": merge}), R(V), 200),
        rpc("start-merge", json!({"request": merge}), R(O), 200),
        rpc("start-split", json!({"request": split}), R(O), 200),
        rpc("list-retention-policies", json!({}), R(V), 200),
        rpc("save-retention-policy", json!({"id": policy, "spec": rules}), R(A), 200),
        rpc("delete-retention-policy", json!({"id": 999999}), R(A), 404),
        rpc("start-retention", json!({"request": {"policy": rules, "dry_run": true}}), R(O), 200),
        rpc("start-gc", json!({"request": {"dry_run": true, "delete_untagged": false}}), R(A), 400),
        rpc("list-local-images", json!({"include_dangling": false}), R(V), 200),
        rpc("preview-local-push", json!({"request": push}), R(V), 200),
        rpc("preview-local-delete", gone.clone(), R(V), 200),
        rpc("start-local-push", json!({"request": push}), R(O), 200),
        rpc("start-local-delete", gone, R(O), 200),
        rpc("status", json!({}), R(V), 200),
        rpc("ui-config", json!({}), R(V), 200),
        rpc("me", json!({}), R(V), 200),
        rpc("list-users", json!({}), R(A), 200),
        rpc(
            "add-user",
            json!({"username": "new-user", "password": "long enough password", "role": "viewer"}),
            R(A),
            200,
        ),
        rpc("update-user", json!({"username": "matrix-operator", "role": "operator"}), R(A), 200),
        rpc(
            "change-password",
            json!({"current": "wrong password here", "new": "another long password"}),
            UserWith(V),
            400,
        ),
        rpc("list-tokens", json!({"all": false}), UserWith(V), 200),
        rpc("create-token", json!({"name": "matrix-rpc"}), UserWith(V), 200),
        rpc("revoke-token", json!({"id": "unknown"}), R(A), 404),
        rpc("list-audit", json!({"query": {"limit": 5}}), R(A), 200),
        // The preference switches: they set a cookie and return to the page (303), for anyone.
        rest("GET", "/lang/{code}", "/lang/zh-CN?next=%2Fjobs", None, Anyone, 303),
        rest("GET", "/theme/{mode}", "/theme/dark?next=%2Fjobs", None, Anyone, 303),
    ]
}

/// What a caller gets on a row.
fn expected(row: &Row, caller: Caller) -> u16 {
    let is_rpc = row.pattern.starts_with("/rpc/");
    let role = match caller {
        Caller::User(role) => Some(role),
        // Server functions take the session only.
        Caller::Token(role) if !is_rpc => Some(role),
        _ => None,
    };
    match (row.needs, role) {
        (Anyone, _) => row.ok,
        (_, None) => 401,
        (Needs::Role(needed), Some(role)) => {
            if role >= needed {
                row.ok
            } else {
                403
            }
        }
        (UserWith(needed), Some(role)) => {
            if matches!(caller, Caller::Token(_)) || role < needed {
                403
            } else {
                row.ok
            }
        }
    }
}

struct Fixture {
    policy_id: i64,
    registry_host: String,
    job_id: String,
    local_image: String,
}

/// The credentials of each column: a header to add.
struct Columns {
    headers: Vec<(Caller, Option<(&'static str, String)>)>,
}

fn cookie(session: &str) -> Option<(&'static str, String)> {
    Some(("cookie", format!("rm_session={session}")))
}

fn bearer(token: &str) -> Option<(&'static str, String)> {
    Some(("authorization", format!("Bearer {token}")))
}

async fn columns(app: &TestApp) -> Columns {
    let auth = &app.state.auth;
    let db = auth.db();
    let mut headers = vec![(Caller::Anonymous, None)];
    let mut tokens = Vec::new();
    for (role, name) in
        [(Role::Viewer, "matrix-viewer"), (Role::Operator, "matrix-operator"), (Role::Admin, ADMIN)]
    {
        if name != ADMIN {
            let hash = app::backend::auth::password::hash_password("a long test password").unwrap();
            db.create_user(name, &hash, role, now_ms()).unwrap();
        }
        let (token, session) = credentials(&app.state, name);
        headers.push((Caller::User(role), cookie(&session)));
        tokens.push((Caller::Token(role), bearer(&token)));
    }
    headers.extend(tokens);
    // A token past its expiry, and one revoked, both of the admin.
    let (admin, _) = db.user_by_name(ADMIN).unwrap().unwrap();
    let expired = secret::new_token_secret();
    db.create_token(&NewToken {
        public_id: &secret::new_public_id(),
        name: "expired",
        secret_hash: &secret::hash_secret(&expired),
        prefix: &secret::token_prefix(&expired),
        role: Role::Admin,
        owner_id: admin.id,
        now_ms: now_ms() - 10_000,
        expires_ms: Some(now_ms() - 1_000),
    })
    .unwrap();
    headers.push((Caller::ExpiredToken, bearer(&expired)));
    let (revoked, _) = credentials(&app.state, ADMIN);
    let id = db.token_by_hash(&secret::hash_secret(&revoked)).unwrap().unwrap().info.id;
    assert!(db.revoke_token(&id, now_ms()).unwrap());
    headers.push((Caller::RevokedToken, bearer(&revoked)));
    // An admin whose account was disabled after signing in: the session no longer works.
    let hash = app::backend::auth::password::hash_password("a long test password").unwrap();
    let disabled = db.create_user("matrix-disabled", &hash, Role::Admin, now_ms()).unwrap();
    let (_, session) = credentials(&app.state, "matrix-disabled");
    db.set_disabled(disabled.id, true).unwrap();
    headers.push((Caller::DisabledUser, cookie(&session)));
    Columns { headers }
}

async fn call(app: &TestApp, row: &Row, header: &Option<(&'static str, String)>) -> (StatusCode, String) {
    let mut request = Request::builder().method(row.method).uri(&row.path);
    if let Some((name, value)) = header {
        request = request.header(*name, value);
    }
    let body = match (&row.body, row.pattern.starts_with("/rpc/")) {
        (Some(args), true) => {
            request = request
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", "application/json");
            Body::from(serde_qs::to_string(args).unwrap())
        }
        (Some(json), false) => {
            request = request.header("content-type", "application/json");
            Body::from(json.to_string())
        }
        (None, _) => Body::empty(),
    };
    let response = tower::ServiceExt::oneshot(app.bare.clone(), request.body(body).unwrap()).await.unwrap();
    let status = response.status();
    // SSE streams never end: read nothing from a 200 event stream.
    let is_stream = response
        .headers()
        .get("content-type")
        .is_some_and(|v| v.to_str().unwrap_or_default().starts_with("text/event-stream"));
    let text = if is_stream {
        String::new()
    } else {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    (status, text)
}

#[tokio::test]
async fn every_route_and_server_function_has_a_row_and_each_cell_holds() {
    let registry = Registry::builder().delete_enabled(true).flavour(Flavour::Plain).start().await.unwrap();
    registry.push_image("matrix/app", "v1", &rm_harness::ImageSpec::docker()).await.unwrap();
    let docker = dockerd::shared().await.unwrap();
    let local_image = "matrix/local:1".to_owned();
    docker.load_image(&local_image, &rm_harness::ImageSpec::docker()).await.unwrap();
    let app = app_for(&registry, docker.host(), &[]);

    // A finished job an operator may retry: a local delete of an image that does not exist.
    let (status, job) =
        common::post_json(&app, "/api/local-delete-jobs", json!({"image_refs": ["matrix/absent:0"]})).await;
    assert_eq!(status, StatusCode::OK, "{job}");
    let job_id = job["id"].as_str().unwrap().to_owned();
    let done = common::wait_job(&app, &job_id).await;
    assert_eq!(done["state"], "failed", "{done:#}");

    let spec = app::model::RetentionPolicySpec {
        name: "matrix".into(),
        repositories: "matrix/none-*".into(),
        keep_last: Some(1),
        ..Default::default()
    };
    let policy_id = app.state.auth.db().insert_retention_policy(&spec, now_ms()).unwrap().id;
    let fixture = Fixture { policy_id, registry_host: registry.host(), job_id, local_image };
    let rows = rows(&fixture);

    // Every route the router serves and every registered server function has a row, and every
    // row names one that exists.
    let served: BTreeSet<(String, String)> = server::rest::api()
        .routes()
        .iter()
        .map(|(method, path)| (method.to_string(), format!("/api{path}")))
        .chain(
            leptos::server_fn::axum::server_fn_paths()
                .map(|(path, method)| (method.to_string(), path.to_owned())),
        )
        .chain(server::routes::preference_paths().into_iter().map(|path| ("GET".to_owned(), path.to_owned())))
        .collect();
    let listed: BTreeSet<(String, String)> =
        rows.iter().map(|row| (row.method.to_owned(), row.pattern.to_owned())).collect();
    let missing: Vec<_> = served.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&served).collect();
    assert!(
        missing.is_empty(),
        "routes or server functions without a row in the permission matrix: {missing:?}"
    );
    assert!(stale.is_empty(), "rows for routes that do not exist: {stale:?}");

    let columns = columns(&app).await;
    let mut failures = Vec::new();
    for row in &rows {
        for (caller, header) in &columns.headers {
            let want = expected(row, *caller);
            let (status, body) = call(&app, row, header).await;
            if status.as_u16() != want {
                failures.push(format!(
                    "{} {} as {caller:?}: {status}, expected {want}: {body}",
                    row.method, row.path
                ));
                continue;
            }
            // A refusal says why: 401 how to sign in, 403 the role needed.
            if want == 403 && matches!(row.needs, Needs::Role(_)) {
                let needed = match row.needs {
                    Needs::Role(role) => role.to_string(),
                    _ => unreachable!(),
                };
                if !body.contains(&format!("{needed} role")) {
                    failures.push(format!(
                        "{} {} as {caller:?}: 403 without naming the {needed} role: {body}",
                        row.method, row.path
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} cells do not hold:\n{}", failures.len(), failures.join("\n"));
}
