//! A client of the original tool, replayed request by request against the real router with access
//! control on and an API token added (as `common::router` signs every `/api` request): the bodies
//! it sends (with its `null`s) and the fields it reads back.

mod common;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::{NO_DOCKER, app_for, delete_json, get_json, post_json};
use rm_harness::ImageSpec;
use rm_harness::registry::Registry;
use serde_json::{Value, json};

/// Polls `GET /api/sync-jobs/{id}` as the original's front-end did, until `status` leaves
/// `running`; answers the job.
async fn poll(app: &axum::Router, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, job) = get_json(app, &format!("/api/sync-jobs/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{job}");
        match job["status"].as_str() {
            Some("running") => {}
            Some("success" | "failed") => return job,
            other => panic!("status {other:?} is not one of the original's: {job:#}"),
        }
        assert!(Instant::now() < deadline, "job {id} still running: {job:#}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The original's job fields, as its clients read them.
fn assert_original_job(job: &Value, job_type: &str) {
    assert_eq!(job["job_type"], job_type, "{job:#}");
    assert!(matches!(job["status"].as_str(), Some("running" | "success" | "failed")), "{job:#}");
    let logs = job["logs"].as_array().expect("logs is a list");
    for line in logs {
        let line = line.as_str().expect("each log line is a string");
        let (time, _) = line.split_at(8);
        assert!(time.len() == 8 && time.as_bytes()[2] == b':' && time.as_bytes()[5] == b':', "{line}");
    }
    for field in ["id", "source_image", "target_image", "created_at"] {
        assert!(job[field].is_string(), "{field}: {job:#}");
    }
}

#[tokio::test]
async fn a_client_of_the_original_works_unchanged_apart_from_its_token() {
    let registry = Registry::builder().delete_enabled(true).start().await.unwrap();
    let app = app_for(&registry, NO_DOCKER, &[]);
    let app_v1 = registry.push_image("team/app", "v1", &ImageSpec::docker()).await.unwrap();
    registry.push_image("team/app", "v2", &ImageSpec::docker().layers(&[300])).await.unwrap();
    registry.push_image("old/one", "v1", &ImageSpec::docker()).await.unwrap();

    // Health: the original's four fields.
    let (status, health) = get_json(&app, "/api/health").await;
    assert_eq!(status, StatusCode::OK);
    for field in ["registry_api_url", "registry_push_host", "registry_healthy", "detected_arch"] {
        assert!(!health[field].is_null(), "{field}: {health:#}");
    }
    assert_eq!(health["registry_healthy"], true);

    // Repositories, as its front-end asked for them.
    let (status, page) = get_json(&app, "/api/repositories?n=100&non_empty_only=true").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["repositories"], json!(["old/one", "team/app"]));

    // Tags of a nested repository addressed with %2F: details without asking, as it always had.
    let (status, tags) = get_json(&app, "/api/repositories/team%2Fapp/tags").await;
    assert_eq!(status, StatusCode::OK, "{tags}");
    let v1 = tags["tags"].as_array().unwrap().iter().find(|t| t["tag"] == "v1").expect("v1 listed");
    assert_eq!(v1["digest"], app_v1.digest.as_str());
    assert!(v1["size_bytes"].as_u64().unwrap() > 0 && v1["created_at"].is_string(), "{v1:#}");

    // Tag delete: only that tag.
    let (status, deleted) = delete_json(&app, "/api/repositories/team%2Fapp/tags/v2").await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    assert_eq!(registry.tags("team/app").await.unwrap(), ["v1"]);

    // Each kind of job, with the original's bodies and their nulls, polled to its end.
    let host = registry.host();
    let cases = [
        (
            "/api/sync-jobs",
            json!({"source_image": format!("{host}/team/app:v1"), "target_repository": "mirror/app",
                   "target_tag": null, "platforms": null, "cleanup_local_images": null}),
            "mirror",
            "success",
        ),
        (
            // No prefix_mode: the original's default is add.
            "/api/remote-prefix-jobs",
            json!({"repositories": ["mirror/app"], "prefix_value": "x86", "cleanup_source_tag": null,
                   "target_registry_host": null}),
            "remote-prefix",
            "success",
        ),
        ("/api/repository-delete-jobs", json!({"repositories": ["old/one"]}), "repo-delete", "success"),
        (
            // No Docker daemon here: the job is recorded and fails, in the original's terms.
            "/api/local-push-jobs",
            json!({"image_refs": ["app:v1"], "prefix_mode": "add", "prefix_value": "x86", "arch_mode": null,
                   "arch_value": null, "cleanup_local_tag": null, "target_registry_host": null}),
            "local-push",
            "failed",
        ),
        ("/api/local-delete-jobs", json!({"image_refs": ["app:v1"]}), "local-delete", "failed"),
    ];
    for (path, body, job_type, ending) in cases {
        let (status, started) = post_json(&app, path, body.clone()).await;
        assert_eq!(status, StatusCode::OK, "{path} {body}: {started:#}");
        assert_original_job(&started, job_type);
        let job = poll(&app, started["id"].as_str().unwrap()).await;
        assert_original_job(&job, job_type);
        assert_eq!(job["status"], ending, "{path}: {job:#}");
        assert!(!job["logs"].as_array().unwrap().is_empty(), "{path}: a job logs what it did");
    }
    assert_eq!(registry.manifest_digest("x86/mirror/app", "v1").await.unwrap(), Some(app_v1.digest.clone()));
    assert!(registry.tags("old/one").await.unwrap().is_empty());

    // The job list labels each job with the original's job_type and carries its logs.
    let (status, list) = get_json(&app, "/api/sync-jobs").await;
    assert_eq!(status, StatusCode::OK);
    let types: Vec<&str> =
        list["jobs"].as_array().unwrap().iter().map(|j| j["job_type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        ["local-delete", "local-push", "repo-delete", "remote-prefix", "mirror"],
        "newest first"
    );
    for job in list["jobs"].as_array().unwrap() {
        assert!(matches!(job["status"].as_str(), Some("success" | "failed")), "{job:#}");
        assert!(!job["logs"].as_array().unwrap().is_empty(), "{job:#}");
        assert!(job["state"].is_string(), "our detail stays: {job:#}");
    }
}
