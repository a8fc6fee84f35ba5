//! The jobs REST routes (`/api/sync-jobs…`, `/api/remote-prefix-jobs`, `/api/repository-delete-jobs`)
//! and the engine behind them, against real registries. Digests are always checked through the
//! harness's own registry client, never ours.

mod common;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{NO_DOCKER, TestApp, app_for, get_json, post_json, send, start, wait_job};
use rm_harness::registry::{Flavour, Registry, TEST_PASSWORD, TEST_USER};
use rm_harness::{ImageSpec, ManifestFormat};
use serde_json::{Value, json};

fn item_statuses(job: &Value) -> Vec<(String, String)> {
    job["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["source"].as_str().unwrap().to_owned(), i["status"].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn bad_job_requests_get_specific_errors_and_start_nothing() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let app = app_for(&registry, NO_DOCKER, &[]);
    let digest = format!("sha256:{}", "a".repeat(64));
    let cases = [
        ("/api/sync-jobs", json!({}), "source_image"),
        ("/api/sync-jobs", json!({"source_image": "  "}), "source_image is empty"),
        ("/api/sync-jobs", json!({"source_image": "Team/App:v1"}), "is not an image reference"),
        ("/api/sync-jobs", json!({"source_image": format!("127.0.0.1:1/app@{digest}")}), "give target_tag"),
        ("/api/sync-jobs", json!({"source_image": "127.0.0.1:1/app:v1", "platforms": ["amd64"]}), "os/arch"),
        (
            "/api/sync-jobs",
            json!({"source_image": "127.0.0.1:1/app:v1", "target_repository": "No Spaces"}),
            "target_repository",
        ),
        (
            "/api/remote-prefix-jobs",
            json!({"repositories": ["a"], "prefix_mode": "add", "prefix_value": ""}),
            "prefix_value is empty",
        ),
        ("/api/remote-prefix-jobs", json!({"repositories": ["a"], "prefix_mode": "sideways"}), "prefix_mode"),
        ("/api/repository-delete-jobs", json!({"repositories": []}), "repositories is empty"),
        ("/api/repository-delete-jobs", json!({"repositories": ["ok", "../etc"]}), "\"../etc\""),
    ];
    for (path, body, expected) in cases {
        let (status, answer) = post_json(&app, path, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path} {body}: {answer}");
        let detail = answer["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(expected), "{path} {body}: {detail:?} should mention {expected:?}");
    }
    // Bodies that are not JSON at all: the same 400 shape, naming what was wrong.
    for (content_type, body, expected) in [
        ("application/json", "{not json", "invalid request body"),
        ("application/x-www-form-urlencoded", "source_image=a", "Content-Type"),
    ] {
        let request = Request::post("/api/sync-jobs")
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap();
        let (status, _, answer) = send(&app, request).await;
        let answer: Value = serde_json::from_slice(&answer).unwrap();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{content_type}: {answer}");
        let detail = answer["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(expected), "{content_type}: {detail:?} should mention {expected:?}");
    }
    let (_, list) = get_json(&app, "/api/sync-jobs").await;
    assert_eq!(list["jobs"], json!([]), "no job was recorded");

    let (status, answer) = get_json(&app, "/api/sync-jobs/no-such-job").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    let (status, _) = post_json(&app, "/api/sync-jobs/no-such-job/cancel", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let read_only = app_for(&registry, NO_DOCKER, &["--read-only"]);
    let valid = [
        ("/api/sync-jobs", json!({"source_image": "127.0.0.1:1/a:v1"})),
        (
            "/api/remote-prefix-jobs",
            json!({"repositories": ["a"], "prefix_mode": "add", "prefix_value": "x", "cleanup_source_tag": false}),
        ),
        ("/api/repository-delete-jobs", json!({"repositories": ["a"]})),
    ];
    for (path, body) in valid {
        let (status, answer) = post_json(&read_only, path, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {answer}");
        assert_eq!(answer["code"], "read_only", "{answer}");
        assert!(answer["detail"].as_str().unwrap().contains("READ_ONLY"), "{answer}");
    }
}

#[tokio::test]
async fn batch_repository_delete_reports_each_repository_and_goes_on_past_failures() {
    let registry = Registry::builder().delete_enabled(true).start().await.unwrap();
    let a = registry.push_image("batch/a", "v1", &ImageSpec::docker()).await.unwrap();
    registry.tag_manifest("batch/a", "v2", &a).await.unwrap();
    registry.push_image("batch/b", "v1", &ImageSpec::oci()).await.unwrap();
    registry.push_image("batch/keep", "v1", &ImageSpec::oci()).await.unwrap();
    let app = app_for(&registry, NO_DOCKER, &[]);

    let job = start(
        &app,
        "/api/repository-delete-jobs",
        json!({"repositories": ["batch/a", "batch/missing", "batch/b"]}),
    )
    .await;
    assert_eq!((job["job_type"].as_str(), job["status"].as_str()), (Some("repo-delete"), Some("failed")));
    assert_eq!(job["state"], "partial", "{job:#}");
    assert_eq!(
        item_statuses(&job),
        [
            ("batch/a".to_owned(), "succeeded".to_owned()),
            ("batch/missing".to_owned(), "failed".to_owned()),
            ("batch/b".to_owned(), "succeeded".to_owned())
        ]
    );
    assert_eq!(job["items"][0]["detail"], "deleted 2 tags (1 images)");
    assert!(job["items"][1]["detail"].as_str().unwrap().contains("batch/missing"), "{job:#}");
    assert_eq!(job["progress"]["items_done"], 3);
    assert_eq!(job["failed_items"], 1);
    assert!(registry.tags("batch/a").await.unwrap().is_empty());
    assert!(registry.tags("batch/b").await.unwrap().is_empty());
    assert_eq!(registry.tags("batch/keep").await.unwrap(), ["v1"]);

    // Retry redoes only what failed, as a new job that points back.
    let (status, retried) =
        post_json(&app, &format!("/api/sync-jobs/{}/retry", job["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{retried}");
    assert_eq!(retried["retry_of"], job["id"]);
    assert_eq!(retried["request"]["repositories"], json!(["batch/missing"]));
    let retried = wait_job(&app, retried["id"].as_str().unwrap()).await;
    assert_eq!(retried["state"], "failed");
    assert!(retried["error"].as_str().unwrap().contains("batch/missing"), "{retried:#}");

    // The list has both, newest first, with the original's fields.
    let (_, list) = get_json(&app, "/api/sync-jobs?limit=10").await;
    let jobs = list["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 2);
    assert_eq!(jobs[0]["id"], retried["id"]);
    for field in [
        "id",
        "source_image",
        "target_image",
        "job_type",
        "total_items",
        "status",
        "error",
        "created_at",
        "updated_at",
    ] {
        assert!(jobs[1].get(field).is_some(), "list entries carry {field}: {}", jobs[1]);
    }
    // The log says what happened, from the start.
    let logs: Vec<&str> =
        job["log_entries"].as_array().unwrap().iter().map(|l| l["message"].as_str().unwrap()).collect();
    assert!(logs[0].starts_with("queued"), "{logs:?}");
    assert!(logs.iter().any(|l| l.starts_with("batch/a: deleted 2 tags")), "{logs:?}");
    assert!(logs.last().unwrap().starts_with("finished: partial"), "{logs:?}");
}

#[tokio::test]
async fn the_event_stream_starts_with_the_backlog_and_ends_with_the_outcome() {
    let registry = Registry::builder().delete_enabled(true).start().await.unwrap();
    registry.push_image("sse/a", "v1", &ImageSpec::docker()).await.unwrap();
    let app = app_for(&registry, NO_DOCKER, &[]);
    let job = start(&app, "/api/repository-delete-jobs", json!({"repositories": ["sse/a"]})).await;
    let id = job["id"].as_str().unwrap();
    let (status, content_type, body) = common::get(&app, &format!("/api/sync-jobs/{id}/events")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/event-stream"), "{content_type}");
    let body = String::from_utf8(body).unwrap();
    let events: Vec<(String, Value)> = body
        .split("\n\n")
        .filter_map(|block| {
            let name = block.lines().find_map(|l| l.strip_prefix("event: "))?;
            let data = block.lines().find_map(|l| l.strip_prefix("data: "))?;
            Some((name.to_owned(), serde_json::from_str(data).unwrap()))
        })
        .collect();
    // A finished job: the snapshot has everything, and the stream ends (EventSource clients close).
    assert_eq!(events.len(), 1, "{body}");
    assert_eq!(events[0].0, "snapshot");
    assert_eq!(events[0].1["job"]["status"], "succeeded");
    assert_eq!(
        events[0].1["job"]["logs"].as_array().unwrap().len(),
        job["log_entries"].as_array().unwrap().len()
    );

    let (status, _, _) = common::get(&app, "/api/sync-jobs/nope/events").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn sync_job_retention_keeps_the_newest_finished_jobs() {
    let registry = Registry::builder().delete_enabled(true).start().await.unwrap();
    let app = app_for(&registry, NO_DOCKER, &["--sync-job-retention", "2"]);
    let mut ids = Vec::new();
    for n in 0..3 {
        let job =
            start(&app, "/api/repository-delete-jobs", json!({"repositories": [format!("gone/{n}")]})).await;
        ids.push(job["id"].as_str().unwrap().to_owned());
    }
    let (_, list) = get_json(&app, "/api/sync-jobs").await;
    let listed: Vec<&str> =
        list["jobs"].as_array().unwrap().iter().map(|j| j["id"].as_str().unwrap()).collect();
    assert_eq!(listed, [ids[2].as_str(), ids[1].as_str()]);
    let (status, _) = get_json(&app, &format!("/api/sync-jobs/{}", ids[0])).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// A registry behind Bearer auth plays the external source; credentials come from a Docker
/// config.json, as users have them.
fn auth_file(dir: &std::path::Path, registry: &Registry) -> String {
    use base64::Engine as _;
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{TEST_USER}:{TEST_PASSWORD}"));
    let path = dir.join("source-auth.json");
    std::fs::write(&path, json!({"auths": {registry.host(): {"auth": auth}}}).to_string()).unwrap();
    path.to_string_lossy().into_owned()
}

#[tokio::test]
async fn sync_over_rest_overwrites_unless_told_not_to_and_logs_the_replaced_digest() {
    let (source, target) =
        tokio::try_join!(Registry::start(Flavour::Plain), Registry::start(Flavour::Plain)).unwrap();
    let old = target.push_image("team/app", "v1", &ImageSpec::docker()).await.unwrap();
    let new = source.push_image("team/app", "v1", &ImageSpec::oci().layers(&[200])).await.unwrap();
    let app = app_for(&target, NO_DOCKER, &["--source-registries", &source.host()]);
    let source_image = format!("{}/team/app:v1", source.host());

    // overwrite: false makes the conflict a failed item naming both digests; nothing changes.
    let job = start(&app, "/api/sync-jobs", json!({"source_image": source_image, "overwrite": false})).await;
    assert_eq!(job["state"], "failed", "{job:#}");
    let detail = job["items"][0]["detail"].as_str().unwrap();
    assert!(detail.contains(&old.digest) && detail.contains(&new.digest), "{detail}");
    assert!(detail.contains("overwrite: true"), "the fix is named: {detail}");
    assert_eq!(target.manifest_digest("team/app", "v1").await.unwrap(), Some(old.digest.clone()));

    // Absent, the original's behaviour: the moving tag is re-mirrored, and the log keeps the
    // digest it replaced so it can be restored.
    let job = start(&app, "/api/sync-jobs", json!({"source_image": source_image})).await;
    assert_eq!(job["state"], "succeeded", "{job:#}");
    assert_eq!(target.manifest_digest("team/app", "v1").await.unwrap(), Some(new.digest.clone()));
    let held = format!("it held {}", old.digest);
    let logged =
        job["log_entries"].as_array().unwrap().iter().any(|l| l["message"].as_str().unwrap().contains(&held));
    assert!(logged, "{:#}", job["log_entries"]);
}

#[tokio::test]
async fn a_docker_engine_sync_is_not_sent_to_a_source_the_outbound_policy_refuses() {
    let target = Registry::start(Flavour::Plain).await.unwrap();
    let app = app_for(&target, NO_DOCKER, &[]);
    let source_image = format!("127.0.0.1:{}/team/app:v1", common::dead_port());
    let job = start(&app, "/api/sync-jobs", json!({"source_image": source_image, "engine": "docker"})).await;
    assert_eq!(job["state"], "failed", "{job:#}");
    let detail = job["items"][0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("refused to have the Docker daemon pull") && detail.contains("SOURCE_REGISTRIES"),
        "{detail}"
    );
}

#[tokio::test]
async fn rename_follows_the_original_prefix_rules_name_by_name() {
    let registry = Registry::builder().delete_enabled(true).start().await.unwrap();
    let a = registry.push_image("x86/pre/a", "v1", &ImageSpec::docker()).await.unwrap();
    registry.push_image("pre/b", "v1", &ImageSpec::docker()).await.unwrap();
    let app = app_for(&registry, NO_DOCKER, &[]);
    // `pre/b` lacks the prefix: unchanged. `x86` is the prefix itself: that name alone fails.
    let body = json!({"repositories": ["x86/pre/a", "pre/b", "x86"], "prefix_mode": "remove", "prefix_value": "x86"});

    let (status, preview) = post_json(&app, "/api/remote-prefix-jobs/preview", body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{preview:#}");
    assert_eq!(preview["errors"], json!([]), "{preview:#}");
    let rows: Vec<&Value> = preview["repositories"].as_array().unwrap().iter().collect();
    let row = |name: &str| {
        *rows.iter().find(|r| r["source"] == name).unwrap_or_else(|| panic!("{name}: {preview:#}"))
    };
    assert_eq!(row("x86/pre/a")["target"], format!("{}/pre/a", registry.host()));
    assert_eq!(row("pre/b")["unchanged"], true);
    assert!(row("x86")["error"].as_str().unwrap().contains("the prefix itself"), "{preview:#}");

    let job = start(&app, "/api/remote-prefix-jobs", body).await;
    assert_eq!((job["status"].as_str(), job["state"].as_str()), (Some("failed"), Some("partial")), "{job:#}");
    let statuses = item_statuses(&job);
    assert!(statuses.contains(&("x86/pre/a:v1".to_owned(), "succeeded".to_owned())), "{statuses:?}");
    assert!(statuses.contains(&("pre/b".to_owned(), "skipped".to_owned())), "{statuses:?}");
    assert!(statuses.contains(&("x86".to_owned(), "failed".to_owned())), "{statuses:?}");
    assert_eq!(registry.manifest_digest("pre/a", "v1").await.unwrap(), Some(a.digest));
    assert_eq!(registry.tags("pre/b").await.unwrap(), ["v1"], "an unchanged name is left alone");
}

#[tokio::test]
async fn sync_copies_single_and_multi_arch_images_with_identical_digests() {
    let source = Registry::start(Flavour::Bearer).await.unwrap();
    let target = Registry::start(Flavour::Plain).await.unwrap();
    let single = source
        .push_image("vendor/tool", "1.0", &ImageSpec::docker().layers(&[300_000, 40_000]))
        .await
        .unwrap();
    let index = source
        .push_index(
            "vendor/multi",
            "2.0",
            &[ImageSpec::oci(), ImageSpec::oci().arch("arm64").variant(Some("v8"))],
            ManifestFormat::Oci,
        )
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let auth = auth_file(dir.path(), &source);
    let app = app_for(
        &target,
        NO_DOCKER,
        &["--source-registry-auth-file", &auth, "--source-registries", &source.host()],
    );

    let job =
        start(&app, "/api/sync-jobs", json!({"source_image": format!("{}/vendor/tool:1.0", source.host())}))
            .await;
    assert_eq!(job["state"], "succeeded", "{job:#}");
    assert_eq!(job["target_image"], format!("{}/vendor/tool:1.0", target.host()));
    assert_eq!(
        target.manifest_digest("vendor/tool", "1.0").await.unwrap().as_deref(),
        Some(single.digest.as_str())
    );
    assert_eq!(job["items"][0]["digest"], single.digest.as_str());
    assert_eq!(job["progress"]["bytes_done"], job["progress"]["bytes_total"]);
    assert!(job["progress"]["bytes_total"].as_u64().unwrap() >= 340_000, "{job:#}");

    let job = start(
        &app,
        "/api/sync-jobs",
        json!({"source_image": format!("{}/vendor/multi:2.0", source.host()), "target_repository": "mirror/multi", "target_tag": "2"}),
    )
    .await;
    assert_eq!(job["state"], "succeeded", "{job:#}");
    assert_eq!(
        target.manifest_digest("mirror/multi", "2").await.unwrap().as_deref(),
        Some(index.digest.as_str())
    );
    let (_, copied) = target.get_manifest("mirror/multi", "2").await.unwrap();
    assert_eq!(copied, index.manifest_bytes, "the index is copied byte for byte");
    for child in &index.children {
        assert_eq!(
            target.manifest_digest("mirror/multi", &child.digest).await.unwrap().as_deref(),
            Some(child.digest.as_str())
        );
    }
}

#[tokio::test]
async fn prefix_rename_keeps_digests_deletes_old_tags_only_when_asked_and_reports_conflicts() {
    let registry = Registry::builder().delete_enabled(true).start().await.unwrap();
    let mut digests = std::collections::BTreeMap::new();
    for repo in ["ren/a", "ren/b"] {
        for tag in ["v1", "v2", "v3"] {
            let image = registry.push_image(repo, tag, &ImageSpec::docker().layers(&[20_000])).await.unwrap();
            digests.insert(format!("{repo}:{tag}"), image.digest);
        }
    }
    for tag in ["v1", "v2", "v3"] {
        let index = registry
            .push_index(
                "ren/multi",
                tag,
                &[ImageSpec::oci(), ImageSpec::oci().arch("arm64")],
                ManifestFormat::Oci,
            )
            .await
            .unwrap();
        digests.insert(format!("ren/multi:{tag}"), index.digest);
    }
    let app = app_for(&registry, NO_DOCKER, &[]);
    let repositories = json!(["ren/a", "ren/b", "ren/multi"]);

    // Preview: old → new per tag, nothing changed.
    let (status, preview) = post_json(
        &app,
        "/api/remote-prefix-jobs/preview",
        json!({"repositories": repositories, "prefix_mode": "add", "prefix_value": "x86"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(preview["repositories"][2]["target"], format!("{}/x86/ren/multi", registry.host()));
    assert_eq!(preview["repositories"][0]["tags"].as_array().unwrap().len(), 3);
    assert!(registry.tags("x86/ren/a").await.unwrap_or_default().is_empty());

    // Without cleanup: new names with identical digests; old tags untouched.
    let job = start(
        &app,
        "/api/remote-prefix-jobs",
        json!({"repositories": repositories, "prefix_mode": "add", "prefix_value": "x86", "cleanup_source_tag": false}),
    )
    .await;
    assert_eq!(job["state"], "succeeded", "{job:#}");
    assert_eq!(job["items"].as_array().unwrap().len(), 9);
    for (name, digest) in &digests {
        let (repo, tag) = name.split_once(':').unwrap();
        assert_eq!(
            registry.manifest_digest(&format!("x86/{repo}"), tag).await.unwrap().as_ref(),
            Some(digest),
            "{name}"
        );
        assert_eq!(registry.manifest_digest(repo, tag).await.unwrap().as_ref(), Some(digest), "{name} kept");
    }

    // A conflict: the target tag exists with another digest. Skipped, reported, and the old tag
    // sharing its digest with a renamed one is kept (deleting the digest would take it too).
    let other = registry.push_image("x86/ren/c", "alias", &ImageSpec::oci().layers(&[100])).await.unwrap();
    let c1 = registry.push_image("ren/c", "v1", &ImageSpec::docker()).await.unwrap();
    registry.tag_manifest("ren/c", "alias", &c1).await.unwrap();
    let c2 = registry.push_image("ren/c", "solo", &ImageSpec::docker().layers(&[500])).await.unwrap();
    // The preview marks it: only the tag the target already has carries a target digest.
    let (status, preview) = post_json(
        &app,
        "/api/remote-prefix-jobs/preview",
        json!({"repositories": ["ren/c"], "prefix_mode": "add", "prefix_value": "x86"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    let mut tags: Vec<(&str, &str, &Value)> = preview["repositories"][0]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["tag"].as_str().unwrap(), t["digest"].as_str().unwrap(), &t["target_digest"]))
        .collect();
    tags.sort_by_key(|t| t.0);
    assert_eq!(
        tags,
        [
            ("alias", c1.digest.as_str(), &json!(other.digest)),
            ("solo", c2.digest.as_str(), &Value::Null),
            ("v1", c1.digest.as_str(), &Value::Null)
        ]
    );
    let job = start(
        &app,
        "/api/remote-prefix-jobs",
        json!({"repositories": ["ren/a", "ren/c"], "prefix_mode": "add", "prefix_value": "x86", "cleanup_source_tag": true}),
    )
    .await;
    assert_eq!(job["state"], "partial", "{job:#}");
    let items: std::collections::BTreeMap<String, Value> = job["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["source"].as_str().unwrap().to_owned(), i.clone()))
        .collect();
    assert_eq!(items["ren/c:alias"]["status"], "skipped");
    assert!(items["ren/c:alias"]["detail"].as_str().unwrap().contains("conflict"), "{job:#}");
    assert_eq!(items["ren/c:v1"]["status"], "succeeded");
    assert!(items["ren/c:v1"]["detail"].as_str().unwrap().contains("old tag kept"), "{job:#}");
    assert!(items["ren/a:v1"]["detail"].as_str().unwrap().contains("already present"), "{job:#}");
    assert!(items["ren/a:v1"]["detail"].as_str().unwrap().contains("old tag deleted"), "{job:#}");
    assert_eq!(registry.manifest_digest("x86/ren/c", "alias").await.unwrap(), Some(other.digest.clone()));
    assert_eq!(registry.manifest_digest("ren/c", "v1").await.unwrap(), Some(c1.digest.clone()));
    assert_eq!(registry.manifest_digest("ren/c", "alias").await.unwrap(), Some(c1.digest.clone()));
    assert_eq!(registry.manifest_digest("ren/c", "solo").await.unwrap(), None, "renamed and cleaned up");
    assert_eq!(registry.manifest_digest("x86/ren/c", "solo").await.unwrap(), Some(c2.digest.clone()));
    assert!(
        registry.tags("ren/a").await.unwrap_or_default().is_empty(),
        "every ren/a tag renamed, so all deleted"
    );

    // Overwrite replaces the conflicting tag.
    let job = start(
        &app,
        "/api/remote-prefix-jobs",
        json!({"repositories": ["ren/c"], "prefix_mode": "add", "prefix_value": "x86", "overwrite": true}),
    )
    .await;
    assert_eq!(job["state"], "succeeded", "{job:#}");
    assert_eq!(registry.manifest_digest("x86/ren/c", "alias").await.unwrap(), Some(c1.digest.clone()));
}

/// A loopback port that accepts connections and never answers: a source that hangs.
fn black_hole() -> std::net::TcpListener {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap()
}

async fn wait_status(app: &TestApp, id: &str, wanted: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, job) = get_json(app, &format!("/api/sync-jobs/{id}")).await;
        if job["state"] == wanted {
            return;
        }
        assert!(Instant::now() < deadline, "job {id} never became {wanted}: {job:#}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn cancel_stops_running_and_queued_jobs_within_seconds() {
    let registry = Registry::builder().delete_enabled(true).start().await.unwrap();
    registry.push_image("cancel/keep", "v1", &ImageSpec::docker()).await.unwrap();
    let hole = black_hole();
    let source_host = hole.local_addr().unwrap().to_string();
    let app = app_for(
        &registry,
        NO_DOCKER,
        &["--job-workers", "1", "--request-timeout-sec", "120", "--source-registries", &source_host],
    );
    let source = format!("{source_host}/slow/app:v1");
    let (_, running) = post_json(&app, "/api/sync-jobs", json!({"source_image": source})).await;
    let running = running["id"].as_str().unwrap().to_owned();
    let (_, queued) =
        post_json(&app, "/api/repository-delete-jobs", json!({"repositories": ["cancel/keep"]})).await;
    let queued = queued["id"].as_str().unwrap().to_owned();
    wait_status(&app, &running, "running").await;
    let (_, job) = get_json(&app, &format!("/api/sync-jobs/{queued}")).await;
    assert_eq!(job["state"], "queued", "one worker: the delete waits");

    let (status, _) = post_json(&app, &format!("/api/sync-jobs/{queued}/cancel"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let job = wait_job(&app, &queued).await;
    assert_eq!(job["state"], "cancelled", "{job:#}");
    assert_eq!(job["items"][0]["status"], "cancelled");
    assert_eq!(registry.tags("cancel/keep").await.unwrap(), ["v1"], "a cancelled queued job changed nothing");

    let asked = Instant::now();
    let (status, _) = post_json(&app, &format!("/api/sync-jobs/{running}/cancel"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let job = wait_job(&app, &running).await;
    assert!(asked.elapsed() < Duration::from_secs(10), "cancel took {:?}", asked.elapsed());
    assert_eq!(job["state"], "cancelled", "{job:#}");
    assert_eq!(job["items"][0]["status"], "cancelled");
    assert!(registry.tags("slow/app").await.unwrap_or_default().is_empty(), "no tag was written");

    let (status, answer) = post_json(&app, &format!("/api/sync-jobs/{running}/cancel"), json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["code"], "job_already_finished", "{answer}");
}

#[tokio::test]
async fn a_restart_marks_unfinished_jobs_interrupted_and_keeps_the_history() {
    use rm_harness::app::{ADMIN_PASSWORD, ADMIN_USERNAME, AppConfig, AppServer};
    let registry = Registry::builder().delete_enabled(true).start().await.unwrap();
    let hole = black_hole();
    let data = tempfile::tempdir().unwrap();
    let config = AppConfig {
        name: "restart".to_owned(),
        bin: env!("CARGO_BIN_EXE_registry-manager").into(),
        site_root: data.path().to_path_buf(),
        registry_url: registry.url(),
        docker_host: "unix:///tmp/rmh-none/docker.sock".to_owned(),
        admin_password: Some(rm_harness::app::ADMIN_PASSWORD.to_owned()),
        extra_env: vec![
            ("DATA_DIR".to_owned(), data.path().to_string_lossy().into_owned()),
            ("REQUEST_TIMEOUT_SEC".to_owned(), "300".to_owned()),
            ("SOURCE_REGISTRIES".to_owned(), hole.local_addr().unwrap().to_string()),
        ],
    };
    let http = reqwest::Client::new();
    let server = AppServer::start(config.clone()).await.unwrap();
    let post = |url: String, body: Value| {
        let http = http.clone();
        async move {
            let request = http.post(url).basic_auth(ADMIN_USERNAME, Some(ADMIN_PASSWORD)).json(&body);
            request.send().await.unwrap().json::<Value>().await.unwrap()
        }
    };
    let get = |url: String| {
        let http = http.clone();
        async move {
            let request = http.get(url).basic_auth(ADMIN_USERNAME, Some(ADMIN_PASSWORD));
            request.send().await.unwrap().json::<Value>().await.unwrap()
        }
    };
    let done =
        post(format!("{}/api/repository-delete-jobs", server.url()), json!({"repositories": ["gone/x"]}))
            .await;
    let done_id = done["id"].as_str().unwrap().to_owned();
    let hung = post(
        format!("{}/api/sync-jobs", server.url()),
        json!({"source_image": format!("{}/slow/app:v1", hole.local_addr().unwrap())}),
    )
    .await;
    let hung_id = hung["id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let a = get(format!("{}/api/sync-jobs/{done_id}", server.url())).await;
        let b = get(format!("{}/api/sync-jobs/{hung_id}", server.url())).await;
        if b["state"] == "running" && !matches!(a["state"].as_str(), Some("queued" | "running")) {
            break;
        }
        assert!(Instant::now() < deadline, "{a:#} {b:#}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let before = get(format!("{}/api/sync-jobs/{done_id}", server.url())).await;
    drop(server);

    let server = AppServer::start(config).await.unwrap();
    let list = get(format!("{}/api/sync-jobs", server.url())).await;
    assert_eq!(list["jobs"].as_array().unwrap().len(), 2, "{list:#}");
    let hung = get(format!("{}/api/sync-jobs/{hung_id}", server.url())).await;
    assert_eq!(hung["state"], "interrupted", "{hung:#}");
    assert_eq!(hung["items"][0]["status"], "cancelled");
    assert!(hung["finished_at"].is_string());
    let last =
        hung["log_entries"].as_array().unwrap().last().unwrap()["message"].as_str().unwrap().to_owned();
    assert!(last.contains("the server stopped while this job was running"), "{last}");
    let after = get(format!("{}/api/sync-jobs/{done_id}", server.url())).await;
    assert_eq!(after, before, "a finished job reads back exactly as before the restart");
}

#[tokio::test]
async fn the_list_stream_catches_up_with_recent_jobs_then_follows_changes() {
    use futures::StreamExt as _;
    use tower::ServiceExt as _;
    let registry = Registry::builder().delete_enabled(true).start().await.unwrap();
    registry.push_image("live/a", "v1", &ImageSpec::docker()).await.unwrap();
    let app = app_for(&registry, NO_DOCKER, &[]);
    let first = start(&app, "/api/repository-delete-jobs", json!({"repositories": ["live/none"]})).await;
    let second = start(&app, "/api/repository-delete-jobs", json!({"repositories": ["live/none2"]})).await;

    let response = app
        .router
        .clone()
        .oneshot(Request::get("/api/sync-jobs/events?limit=10").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body().into_data_stream();
    let mut text = String::new();
    let mut summaries = Vec::new();
    let mut next_summary = async || -> Value {
        loop {
            if let Some(end) = text.find("\n\n") {
                let block: String = text.drain(..end + 2).collect();
                if block.contains("event: summary") {
                    let data = block.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
                    return serde_json::from_str(data).unwrap();
                }
                continue;
            }
            let chunk =
                tokio::time::timeout(Duration::from_secs(20), body.next()).await.expect("an event in time");
            text.push_str(std::str::from_utf8(&chunk.unwrap().unwrap()).unwrap());
        }
    };
    // The backlog, oldest first …
    for _ in 0..2 {
        summaries.push(next_summary().await);
    }
    assert_eq!(summaries[0]["summary"]["id"], first["id"]);
    assert_eq!(summaries[1]["summary"]["id"], second["id"]);
    // … then live changes of a job started now.
    let (_, third) =
        post_json(&app, "/api/repository-delete-jobs", json!({"repositories": ["live/a"]})).await;
    loop {
        let event = next_summary().await;
        if event["summary"]["id"] == third["id"] && event["summary"]["status"] == "succeeded" {
            break;
        }
    }
}

/// Faults from a source registry reach the job as per-item outcomes and log lines, and a failed
/// copy leaves no tag behind.
#[tokio::test]
async fn source_faults_become_retries_in_the_log_or_failed_items_without_a_tag() {
    use rm_harness::proxy::{Fault, FaultProxy};
    let source = Registry::start(Flavour::Plain).await.unwrap();
    let target = Registry::start(Flavour::Plain).await.unwrap();
    let image = source.push_image("flaky/app", "v1", &ImageSpec::docker().layers(&[400_000])).await.unwrap();
    let layer = image.layers[0].0.clone();
    let proxy = FaultProxy::start(&source.url()).unwrap();
    let host = proxy.url().trim_start_matches("http://").trim_end_matches('/').to_owned();
    let app = app_for(&target, NO_DOCKER, &["--source-registries", &host]);

    proxy.inject(Fault::status("GET", "/blobs/", 429).retry_after(1));
    proxy.inject(Fault::status("GET", "/manifests/", 503).times(2));
    let job = start(
        &app,
        "/api/sync-jobs",
        json!({"source_image": format!("{host}/flaky/app:v1"), "target_tag": "ok"}),
    )
    .await;
    assert_eq!(job["state"], "succeeded", "{job:#}");
    let logs: Vec<&str> =
        job["log_entries"].as_array().unwrap().iter().map(|l| l["message"].as_str().unwrap()).collect();
    assert!(logs.iter().any(|l| l.contains("429") && l.contains("retrying in 1s")), "{logs:#?}");
    assert!(logs.iter().filter(|l| l.contains("503") && l.contains("retrying")).count() >= 2, "{logs:#?}");
    assert_eq!(target.manifest_digest("flaky/app", "ok").await.unwrap(), Some(image.digest.clone()));

    proxy.inject(Fault::corrupt_body("GET", &format!("/blobs/{layer}"), 1_000));
    let job = start(
        &app,
        "/api/sync-jobs",
        json!({"source_image": format!("{host}/flaky/app:v1"), "target_repository": "flaky/bad"}),
    )
    .await;
    assert_eq!(job["state"], "failed", "{job:#}");
    assert_eq!(job["items"][0]["status"], "failed");
    assert!(job["error"].as_str().unwrap().contains("does not match its digest"), "{job:#}");
    assert_eq!(target.manifest_digest("flaky/bad", "v1").await.unwrap(), None, "nothing tagged");
    assert!(!target.blob_exists("flaky/bad", &layer).await.unwrap(), "the corrupt upload was not committed");
}

/// A `429` as the API sends it: the JSON error and a `Retry-After` in whole seconds.
fn assert_too_many(response: &axum::http::Response<Body>, what: &str) {
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "{what}");
    let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok());
    assert!(
        retry_after.and_then(|v| v.parse::<u64>().ok()).is_some_and(|s| s >= 1),
        "{what}: {retry_after:?}"
    );
}

async fn json_body(response: axum::http::Response<Body>) -> Value {
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

// Issue 11: jobs waiting for a worker were unbounded.
#[tokio::test]
async fn a_full_queue_refuses_more_jobs_with_429_and_retry_after_until_a_place_frees() {
    use tower::ServiceExt as _;
    let registry = Registry::builder().delete_enabled(true).start().await.unwrap();
    let hole = black_hole();
    let source_host = hole.local_addr().unwrap().to_string();
    let app = app_for(
        &registry,
        NO_DOCKER,
        &[
            "--job-workers",
            "1",
            "--max-queued-jobs",
            "1",
            "--request-timeout-sec",
            "120",
            "--source-registries",
            &source_host,
        ],
    );
    let sync = json!({"source_image": format!("{source_host}/slow/app:v1")});
    // The one worker hangs on a source that never answers; the next job waits.
    let (_, running) = post_json(&app, "/api/sync-jobs", sync.clone()).await;
    let running = running["id"].as_str().unwrap().to_owned();
    wait_status(&app, &running, "running").await;
    let (status, queued) =
        post_json(&app, "/api/repository-delete-jobs", json!({"repositories": ["q/a"]})).await;
    assert_eq!(status, StatusCode::OK, "{queued}");
    let queued = queued["id"].as_str().unwrap().to_owned();

    let post = |path: &str, body: Value| {
        Request::post(path)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let response = app.router.clone().oneshot(post("/api/sync-jobs", sync.clone())).await.unwrap();
    assert_too_many(&response, "REST start with a full queue");
    let error = json_body(response).await;
    assert_eq!(error["error"], "too_many_requests", "{error}");
    assert_eq!(error["code"], "queue_full", "{error}");
    assert!(error["detail"].as_str().unwrap().contains("MAX_QUEUED_JOBS=1"), "{error}");
    // The UI's server functions and retries go through the same queue.
    let form = serde_qs::to_string(&app::api::jobs::StartRepositoryDelete {
        repositories: vec!["q/b".into()],
        confirmation: app::naming::batch_delete_phrase(1),
    })
    .unwrap();
    let request = Request::post("/rpc/start-repository-delete")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(Body::from(form))
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_too_many(&response, "server function start with a full queue");
    assert_eq!(json_body(response).await["error"], "too_many_requests");
    let (_, jobs) = get_json(&app, "/api/sync-jobs").await;
    assert_eq!(jobs["jobs"].as_array().unwrap().len(), 2, "a refused job is not recorded: {jobs:#}");

    // Cancelling the waiting job frees its place.
    let (status, _) = post_json(&app, &format!("/api/sync-jobs/{queued}/cancel"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(wait_job(&app, &queued).await["state"], "cancelled");
    let (status, next) =
        post_json(&app, "/api/repository-delete-jobs", json!({"repositories": ["q/c"]})).await;
    assert_eq!(status, StatusCode::OK, "{next}");
    for id in [running.as_str(), next["id"].as_str().unwrap()] {
        post_json(&app, &format!("/api/sync-jobs/{id}/cancel"), json!({})).await;
        wait_job(&app, id).await;
    }
}

// Issue 11: live job streams (SSE) per user were unbounded.
#[tokio::test]
async fn live_streams_per_user_are_bounded_and_a_closed_stream_frees_its_place() {
    use tower::ServiceExt as _;
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let app = app_for(&registry, NO_DOCKER, &["--max-streams-per-user", "2"]);
    let job = start(&app, "/api/repository-delete-jobs", json!({"repositories": ["none/here"]})).await;
    let job_events = format!("/api/sync-jobs/{}/events", job["id"].as_str().unwrap());
    let open = |path: &str, credential: Option<(&str, String)>| {
        let mut request = Request::get(path);
        if let Some((name, value)) = credential {
            request = request.header(name, value);
        }
        app.router.clone().oneshot(request.body(Body::empty()).unwrap())
    };
    // The admin's API token and session share one allowance.
    let by_token = open("/api/sync-jobs/events", None).await.unwrap();
    assert_eq!(by_token.status(), StatusCode::OK);
    let session = Some(("cookie", format!("rm_session={}", app.admin_session)));
    let by_session = open("/api/sync-jobs/events", session.clone()).await.unwrap();
    assert_eq!(by_session.status(), StatusCode::OK);
    for path in ["/api/sync-jobs/events", job_events.as_str()] {
        let refused = open(path, session.clone()).await.unwrap();
        assert_too_many(&refused, path);
        let error = json_body(refused).await;
        assert_eq!(error["code"], "too_many_streams", "{error}");
        assert!(error["detail"].as_str().unwrap().contains("MAX_STREAMS_PER_USER=2"), "{error}");
    }
    // Another user has their own.
    let hash = app::backend::auth::password::hash_password("viewer password").unwrap();
    app.state
        .auth
        .db()
        .create_user("watcher", &hash, app::model::Role::Viewer, app::backend::store::now_ms())
        .unwrap();
    let (token, _) = common::credentials(&app.state, "watcher");
    let other =
        open("/api/sync-jobs/events", Some(("authorization", format!("Bearer {token}")))).await.unwrap();
    assert_eq!(other.status(), StatusCode::OK);
    // A client that goes away (its response dropped) frees its place; so does a stream that ends
    // (a finished job's stream ends after its snapshot).
    drop(by_token);
    let again = open(job_events.as_str(), None).await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    let body = axum::body::to_bytes(again.into_body(), usize::MAX).await.unwrap();
    assert!(String::from_utf8_lossy(&body).contains("event: snapshot"));
    let last = open("/api/sync-jobs/events", None).await.unwrap();
    assert_eq!(last.status(), StatusCode::OK, "the ended stream gave its place back");
    drop((by_session, other, last));
}
