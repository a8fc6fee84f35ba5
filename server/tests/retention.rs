//! Retention policies (issue 15 point 3) against the real registry: the policies over REST with
//! their validation errors, a dry run that lists exactly what the run then deletes (with the bytes
//! it frees), tag-safe deletion (a kept tag sharing a digest with a deleted one still resolves),
//! the GC seam, and the schedule firing as the `scheduler` principal.

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use app::backend::jobs::StartGc;
use app::backend::service::retention::{SchedulePlan, tick};
use axum::http::StatusCode;
use common::{NO_DOCKER, app_for, delete_json, get_json, post_json, send, start, wait_job};
use rm_harness::ImageSpec;
use rm_harness::registry::Registry;
use serde_json::{Value, json};

async fn put_json(app: &axum::Router, path: &str, body: Value) -> (StatusCode, Value) {
    let request = axum::http::Request::put(path)
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    let (status, _, bytes) = send(app, request).await;
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn sources(job: &Value) -> BTreeSet<String> {
    job["items"].as_array().unwrap().iter().map(|i| i["source"].as_str().unwrap().to_owned()).collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn policies_are_stored_checked_and_audited_over_rest() {
    let registry = Registry::builder().delete_enabled(true).start().await.unwrap();
    let app = app_for(&registry, NO_DOCKER, &[]);
    let policy = json!({
        "name": " nightly ", "repositories": "team/**", "keep_last": 5, "keep_regex": "^v\\d+",
        "older_than_days": 30, "protect_regex": "^latest$", "schedule": "0  3 * * *", "gc_after": true
    });
    let (status, created) = post_json(&app, "/api/retention-policies", policy).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    // Stored as run: trimmed, the schedule's spaces normalised.
    assert_eq!(created["name"], "nightly");
    assert_eq!(created["schedule"], "0 3 * * *");
    assert_eq!(created["gc_after"], true);
    let (status, read) = get_json(&app, &format!("/api/retention-policies/{id}")).await;
    assert_eq!((status, &read), (StatusCode::OK, &created));

    // Each bad rule is refused with what was wrong, and nothing is stored.
    let bad = [
        (json!({"name": "b", "repositories": "team/*"}), "deletes nothing"),
        (json!({"name": "b", "repositories": "team/[", "keep_last": 1}), "not a valid glob"),
        (json!({"name": "b", "repositories": "*", "keep_last": -1}), "keep_last is -1"),
        (
            json!({"name": "b", "repositories": "*", "keep_last": 1, "keep_regex": "(v"}),
            "keep_regex `(v` is not a valid regular expression",
        ),
        (
            json!({"name": "b", "repositories": "*", "keep_last": 1, "protect_regex": "[z-a]"}),
            "protect_regex",
        ),
        (
            json!({"name": "b", "repositories": "*", "keep_last": 1, "schedule": "0 0 3 * * *"}),
            "needs 5 fields",
        ),
        (
            json!({"name": "b", "repositories": "*", "keep_last": 1, "schedule": "0 25 * * *"}),
            "not a valid cron expression",
        ),
        (json!({"name": "", "repositories": "*", "keep_last": 1}), "name is empty"),
        (json!({"name": "nightly", "repositories": "*", "keep_last": 1}), "already exists"),
    ];
    for (body, expected) in bad {
        let (status, error) = post_json(&app, "/api/retention-policies", body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {error}");
        assert!(error.to_string().contains(expected), "{body}: expected {expected:?} in {error}");
    }
    let (_, list) = get_json(&app, "/api/retention-policies").await;
    assert_eq!(list["policies"].as_array().unwrap().len(), 1, "{list}");

    // Change, then delete.
    let changed = json!({"name": "nightly", "repositories": "team/*", "older_than_days": 7});
    let (status, updated) = put_json(&app, &format!("/api/retention-policies/{id}"), changed).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!((updated["keep_last"].clone(), updated["schedule"].clone()), (Value::Null, Value::Null));
    let (status, _) = put_json(
        &app,
        "/api/retention-policies/999",
        json!({"name": "x", "repositories": "*", "keep_last": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, error) = get_json(&app, "/api/retention-policies/abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    let (status, _) = delete_json(&app, &format!("/api/retention-policies/{id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = get_json(&app, &format!("/api/retention-policies/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Every write is audited, the refused ones as failed.
    let (_, audit) = get_json(&app, "/api/audit?operation=manage-retention-policies&limit=50").await;
    let outcomes: Vec<&str> =
        audit["entries"].as_array().unwrap().iter().map(|e| e["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes.iter().filter(|o| **o == "ok").count(), 3, "{audit:#}");
    assert_eq!(outcomes.iter().filter(|o| **o == "failed").count(), 10, "{audit:#}");
}

/// Records what the GC seam was asked.
#[derive(Default)]
struct FakeGc(Mutex<Vec<String>>);

impl StartGc for FakeGc {
    fn start_gc(&self, reason: &str) -> Result<String, app::model::Message> {
        self.0.lock().unwrap().push(reason.to_owned());
        Ok("gc-test".to_owned())
    }
}

#[tokio::test]
async fn the_run_deletes_exactly_what_the_dry_run_listed_and_kept_tags_survive() {
    let registry = Registry::builder().delete_enabled(true).start().await.unwrap();
    let old = |seed: u64, created: &str| ImageSpec::docker().seed(seed).layers(&[20_000]).created(created);
    // old1 and its alias both go: the image goes.
    let old1 = registry.push_image("ret/app", "old1", &old(11, "2020-01-01T00:00:00Z")).await.unwrap();
    registry.tag_manifest("ret/app", "old1-alias", &old1).await.unwrap();
    // old2 goes, but `release` (kept by the keep regex) points at the same image: only the tag goes.
    let old2 = registry.push_image("ret/app", "old2", &old(12, "2020-02-01T00:00:00Z")).await.unwrap();
    registry.tag_manifest("ret/app", "release", &old2).await.unwrap();
    // Protected however old; young enough to stay.
    registry.push_image("ret/app", "v1.0.0", &old(13, "2019-01-01T00:00:00Z")).await.unwrap();
    let now = rm_harness::fixtures::rfc3339(std::time::SystemTime::now());
    registry.push_image("ret/app", "fresh", &old(15, &now)).await.unwrap();
    // Outside the glob: untouched.
    registry.push_image("other/app", "old", &old(16, "2020-01-01T00:00:00Z")).await.unwrap();

    let app = app_for(&registry, NO_DOCKER, &[]);
    let gc = Arc::new(FakeGc::default());
    assert!(app.state.jobs.deps().gc.set(gc.clone()));
    let policy = json!({
        "name": "cleanup", "repositories": "ret/*", "older_than_days": 30,
        "keep_regex": "^release$", "protect_regex": "^v", "gc_after": true
    });
    let (status, created) = post_json(&app, "/api/retention-policies", policy).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let expected = set(&["ret/app:old1", "ret/app:old1-alias", "ret/app:old2"]);

    let dry = start(&app, "/api/retention-jobs", json!({"policy_id": id, "dry_run": true})).await;
    assert_eq!(
        (dry["state"].as_str(), dry["job_type"].as_str()),
        (Some("succeeded"), Some("retention")),
        "{dry:#}"
    );
    assert_eq!(sources(&dry), expected, "{dry:#}");
    let details: Vec<&str> =
        dry["items"].as_array().unwrap().iter().map(|i| i["detail"].as_str().unwrap()).collect();
    assert!(details.iter().all(|d| d.starts_with("would delete: created")), "{details:?}");
    assert!(details.iter().any(|d| d.contains("only the tag: release still point")), "{details:?}");
    // The bytes freed: old1's manifest, config and layer; old2's stay for `release`.
    let freed = old1.size + old1.manifest_bytes.len() as u64;
    assert_eq!(dry["progress"]["bytes_total"], freed, "{dry:#}");
    assert_eq!(registry.tags("ret/app").await.unwrap().len(), 6, "a dry run deletes nothing");
    assert!(gc.0.lock().unwrap().is_empty(), "a dry run starts no GC");

    let run = start(&app, "/api/retention-jobs", json!({"policy_id": id, "dry_run": false})).await;
    assert_eq!(run["state"], "succeeded", "{run:#}");
    assert_eq!(sources(&run), sources(&dry), "the run deletes what the dry run listed");
    let left: BTreeSet<String> = registry.tags("ret/app").await.unwrap().into_iter().collect();
    assert_eq!(left, set(&["fresh", "release", "v1.0.0"]));
    // The kept tag on a deleted tag's image still resolves to it; the image that went is gone.
    assert_eq!(registry.manifest_digest("ret/app", "release").await.unwrap(), Some(old2.digest.clone()));
    assert_eq!(registry.manifest_digest("ret/app", &old1.digest).await.unwrap(), None);
    assert_eq!(registry.tags("other/app").await.unwrap(), ["old"]);
    // gc_after: the seam was called once, after the real run.
    assert_eq!(gc.0.lock().unwrap().as_slice(), ["after retention policy \"cleanup\""]);
    assert!(
        run["logs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l.as_str().unwrap().contains("started garbage collection job gc-test"))
    );

    // A second run finds nothing more to delete.
    let again = start(&app, "/api/retention-jobs", json!({"policy": created, "dry_run": true})).await;
    assert_eq!(sources(&again), BTreeSet::new(), "{again:#}");
}

#[tokio::test]
async fn a_schedule_starts_a_real_run_as_the_scheduler() {
    let registry = Registry::builder().delete_enabled(true).start().await.unwrap();
    registry
        .push_image("sched/app", "old", &ImageSpec::docker().seed(21).created("2020-01-01T00:00:00Z"))
        .await
        .unwrap();
    let app = app_for(&registry, NO_DOCKER, &[]);
    let policy = json!({"name": "every minute", "repositories": "sched/*", "older_than_days": 1, "schedule": "* * * * *"});
    let (status, created) = post_json(&app, "/api/retention-policies", policy).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");

    // A test clock: 2026-12-02T10:04:30Z, then past 10:05:00.
    let t0 = 1_796_205_870;
    let mut plan = SchedulePlan::new();
    assert!(tick(&app.state, &mut plan, t0).await.is_empty(), "a new schedule fires from its next time on");
    assert!(tick(&app.state, &mut plan, t0 + 20).await.is_empty(), "10:04:50 is before the fire time");
    let started = tick(&app.state, &mut plan, t0 + 31).await;
    assert_eq!(started.len(), 1);
    assert!(tick(&app.state, &mut plan, t0 + 40).await.is_empty(), "fires once per fire time");
    let job = wait_job(&app, &started[0].id).await;
    assert_eq!(
        (job["state"].as_str(), job["request"]["dry_run"].as_bool()),
        (Some("succeeded"), Some(false)),
        "{job:#}"
    );
    assert_eq!(sources(&job), set(&["sched/app:old"]));
    assert!(registry.tags("sched/app").await.unwrap_or_default().is_empty());

    let (_, audit) = get_json(&app, "/api/audit?operation=start-retention&limit=10").await;
    let entry = &audit["entries"][0];
    assert_eq!(
        (entry["actor"].as_str(), entry["job_id"].as_str()),
        (Some("scheduler"), started[0].id.as_str().into()),
        "{audit:#}"
    );

    // A policy deleted is no longer scheduled.
    let (status, _) = delete_json(&app, &format!("/api/retention-policies/{}", created["id"])).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(tick(&app.state, &mut plan, t0 + 95).await.is_empty());
    assert!(plan.is_empty());
}
