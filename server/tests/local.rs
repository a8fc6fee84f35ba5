//! Local Docker images through the REST routes (`/api/local-images`, `/api/local-push-jobs`,
//! `/api/local-delete-jobs`, sync with `engine: docker`), against the harness's private dockerd
//! and real registries. What lands in the registry is checked through the harness's own client,
//! what stays in the daemon through the harness's `docker` CLI, never through ours.

mod common;

use axum::http::StatusCode;
use common::{NO_DOCKER, app_for, get_json, post_json, start};
use rm_harness::registry::{Flavour, Registry, TEST_PASSWORD, TEST_USER};
use rm_harness::{Dockerd, ImageSpec, dockerd};
use serde_json::{Value, json};

/// The image ID a local name points to, asked of the daemon through the harness's CLI.
async fn local_id(docker: &Dockerd, reference: &str) -> Option<String> {
    let out = docker.cli(&["image", "inspect", "--format", "{{.Id}}", reference]).await.unwrap();
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn items(job: &Value) -> Vec<(String, String, String)> {
    job["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["source"].as_str().unwrap().to_owned(),
                i["target"].as_str().unwrap().to_owned(),
                i["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_scan_lists_each_tag_with_its_image_architecture() {
    let docker = dockerd::shared().await.unwrap();
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let amd = docker.load_image("scan/amd:v1", &ImageSpec::docker().arch("amd64")).await.unwrap();
    docker.cli_ok(&["tag", "scan/amd:v1", "scan/amd:v2"]).await.unwrap();
    let arm = docker.load_image("scan/arm:v1", &ImageSpec::docker().arch("arm64")).await.unwrap();
    // Loading another image under the same name leaves the first one dangling.
    let dangling = docker.load_image("scan/dangling:v1", &ImageSpec::docker()).await.unwrap();
    docker.load_image("scan/dangling:v1", &ImageSpec::docker()).await.unwrap();
    let app = app_for(&registry, docker.host(), &[]);

    let (status, list) = get_json(&app, "/api/local-images").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let expected_arch = match std::env::consts::ARCH {
        "x86_64" => "x86",
        "aarch64" => "arm",
        other => other,
    };
    assert_eq!(list["detected_arch"], expected_arch);
    let images = list["images"].as_array().unwrap();
    let row = |reference: &str| images.iter().find(|i| i["reference"] == reference).cloned();
    let v1 = row("scan/amd:v1").expect("scan/amd:v1 is listed");
    assert_eq!((v1["repository"].as_str(), v1["tag"].as_str()), (Some("scan/amd"), Some("v1")));
    assert_eq!(v1["image_id"], amd);
    assert_eq!((v1["architecture"].as_str(), v1["os"].as_str()), (Some("amd64"), Some("linux")));
    assert!(v1["size_bytes"].as_u64().unwrap() > 1000, "{v1}");
    assert!(v1["size"].as_str().unwrap().ends_with('B'), "{v1}");
    assert_eq!(v1["dangling"], false);
    assert_eq!(row("scan/amd:v2").expect("each tag is a row")["image_id"], amd);
    let arm_row = row("scan/arm:v1").unwrap();
    assert_eq!(
        (arm_row["image_id"].as_str(), arm_row["architecture"].as_str()),
        (Some(arm.as_str()), Some("arm64"))
    );
    assert!(!images.iter().any(|i| i["image_id"] == dangling), "dangling images are hidden by default");

    let (_, all) = get_json(&app, "/api/local-images?all=true").await;
    let shown = all["images"].as_array().unwrap().iter().find(|i| i["image_id"] == dangling).cloned();
    let shown = shown.expect("all=true lists dangling images");
    assert_eq!(
        (shown["reference"].as_str(), shown["dangling"].as_bool()),
        (Some("<none>:<none>"), Some(true))
    );

    let (_, one) = get_json(&app, "/api/local-images?limit=1").await;
    assert_eq!(one["images"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn push_names_follow_every_prefix_and_arch_mode() {
    let docker = dockerd::shared().await.unwrap();
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let host = registry.host();
    docker.load_image("combo/app:v1", &ImageSpec::docker().arch("amd64")).await.unwrap();
    docker.load_image("combo/arm:v1", &ImageSpec::docker().arch("arm64")).await.unwrap();
    let app = app_for(&registry, docker.host(), &[]);

    // (prefix_mode, prefix_value, arch_mode, arch_value) → the two targets (repository, tag).
    let cases = [
        ("add", "add-auto", "auto", "", [("add-auto/combo/app", "v1-x86"), ("add-auto/combo/arm", "v1-arm")]),
        (
            "add",
            "add-custom",
            "custom",
            "ac",
            [("add-custom/combo/app", "v1-ac"), ("add-custom/combo/arm", "v1-ac")],
        ),
        ("add", "add-none", "none", "", [("add-none/combo/app", "v1"), ("add-none/combo/arm", "v1")]),
        ("remove", "combo", "auto", "", [("app", "v1-x86"), ("arm", "v1-arm")]),
        ("remove", "combo", "custom", "rc", [("app", "v1-rc"), ("arm", "v1-rc")]),
        ("remove", "combo", "none", "", [("app", "v1"), ("arm", "v1")]),
        ("none", "", "auto", "", [("combo/app", "v1-x86"), ("combo/arm", "v1-arm")]),
        ("none", "", "custom", "nc", [("combo/app", "v1-nc"), ("combo/arm", "v1-nc")]),
        ("none", "", "none", "", [("combo/app", "v1"), ("combo/arm", "v1")]),
    ];
    for (prefix_mode, prefix_value, arch_mode, arch_value, expected) in cases {
        let request = json!({
            "image_refs": ["combo/app:v1", "combo/arm:v1"],
            "prefix_mode": prefix_mode,
            "prefix_value": prefix_value,
            "arch_mode": arch_mode,
            "arch_value": arch_value,
        });
        let case = format!("{prefix_mode}/{arch_mode}");
        let targets: Vec<String> = expected.iter().map(|(r, t)| format!("{host}/{r}:{t}")).collect();
        // The preview says exactly what the job then does.
        let (status, preview) = post_json(&app, "/api/local-push-jobs/preview", request.clone()).await;
        assert_eq!(status, StatusCode::OK, "{case}: {preview}");
        let previewed: Vec<&str> =
            preview["items"].as_array().unwrap().iter().map(|i| i["target"].as_str().unwrap()).collect();
        assert_eq!(previewed, targets, "{case}: {preview}");

        let job = start(&app, "/api/local-push-jobs", request).await;
        assert_eq!(job["job_type"], "local-push");
        assert_eq!(job["state"], "succeeded", "{case}: {job:#}");
        let got: Vec<String> = items(&job).into_iter().map(|(_, target, _)| target).collect();
        assert_eq!(got, targets, "{case}");
        if case == "add/auto" {
            // The first push uploads the layers; later ones find them in the registry.
            assert!(job["progress"]["bytes_total"].as_u64().unwrap() > 0, "{job:#}");
        }
        for ((repository, tag), item) in expected.iter().zip(job["items"].as_array().unwrap()) {
            let digest = registry.manifest_digest(repository, tag).await.unwrap();
            assert!(digest.is_some(), "{case}: {repository}:{tag} is in the registry");
            assert_eq!(
                item["digest"].as_str(),
                digest.as_deref(),
                "{case}: the item names the verified digest"
            );
        }
    }
    // Without cleanup, the tags the jobs created stay; the sources are untouched.
    assert!(local_id(docker, &format!("{host}/combo/app:v1")).await.is_some());
    assert!(local_id(docker, "combo/app:v1").await.is_some());
}

#[tokio::test]
async fn cleanups_remove_only_what_the_job_made_or_was_told_to() {
    let docker = dockerd::shared().await.unwrap();
    let registry = Registry::builder().delete_enabled(true).start().await.unwrap();
    let host = registry.host();
    let app = app_for(&registry, docker.host(), &[]);

    // cleanup_local_tag, as the original: the source's local tag goes once the push is verified,
    // and the image stays under its new name (a local rename).
    let id = docker.load_image("clean/app:v1", &ImageSpec::docker()).await.unwrap();
    let job = start(
        &app,
        "/api/local-push-jobs",
        json!({"image_refs": ["clean/app:v1"], "prefix_mode": "add", "prefix_value": "moved",
               "arch_mode": "none", "cleanup_local_tag": true}),
    )
    .await;
    assert_eq!(job["state"], "succeeded", "{job:#}");
    assert!(
        job["items"][0]["detail"].as_str().unwrap().contains("local tag clean/app:v1 removed"),
        "{job:#}"
    );
    assert!(registry.manifest_digest("moved/clean/app", "v1").await.unwrap().is_some());
    assert_eq!(local_id(docker, &format!("{host}/moved/clean/app:v1")).await, Some(id.clone()));
    assert_eq!(local_id(docker, "clean/app:v1").await, None);
    // Put the source name back for the cases below.
    docker.cli_ok(&["tag", &id, "clean/app:v1"]).await.unwrap();

    // cleanup_registry_source_tag: an image pulled from our registry under an old name; its old
    // tag is deleted once the new one is verified, and a sibling tag on the same digest survives.
    let old = format!("{host}/old/app:v1");
    let old_id = docker.load_image(&old, &ImageSpec::docker()).await.unwrap();
    docker.cli_ok(&["push", &old]).await.unwrap();
    let (media_type, manifest) = registry.get_manifest("old/app", "v1").await.unwrap();
    let digest = registry.put_manifest("old/app", "sibling", &media_type, &manifest).await.unwrap();
    let job = start(
        &app,
        "/api/local-push-jobs",
        json!({"image_refs": [old], "prefix_mode": "remove", "prefix_value": "old", "arch_mode": "none",
               "cleanup_local_tag": true, "cleanup_registry_source_tag": true}),
    )
    .await;
    assert_eq!(job["state"], "succeeded", "{job:#}");
    assert_eq!(items(&job)[0].1, format!("{host}/app:v1"));
    let detail = job["items"][0]["detail"].as_str().unwrap();
    assert!(detail.contains(&format!("old registry tag {old} deleted")), "{detail}");
    assert_eq!(registry.manifest_digest("app", "v1").await.unwrap(), Some(digest.clone()));
    assert_eq!(registry.tags("old/app").await.unwrap(), ["sibling"]);
    assert_eq!(registry.manifest_digest("old/app", "sibling").await.unwrap(), Some(digest));
    // Locally: renamed, the same image under its new name.
    assert_eq!(local_id(docker, &old).await, None);
    assert_eq!(local_id(docker, &format!("{host}/app:v1")).await, Some(old_id));

    // A local-only source has no registry tag to delete, and says so.
    let job = start(
        &app,
        "/api/local-push-jobs",
        json!({"image_refs": ["clean/app:v1"], "prefix_mode": "add", "prefix_value": "again",
               "arch_mode": "none", "cleanup_registry_source_tag": true}),
    )
    .await;
    assert_eq!(job["state"], "succeeded", "{job:#}");
    assert!(job["items"][0]["detail"].as_str().unwrap().contains("not from our registry"), "{job:#}");
    // Without cleanup_local_tag both names stay.
    assert_eq!(local_id(docker, "clean/app:v1").await, Some(id.clone()));
    assert_eq!(local_id(docker, &format!("{host}/again/clean/app:v1")).await, Some(id));
}

#[tokio::test]
async fn a_missing_image_fails_alone_and_pushes_carry_the_registry_credentials() {
    let docker = dockerd::shared().await.unwrap();
    let registry = Registry::start(Flavour::Basic).await.unwrap();
    let host = registry.host();
    docker.load_image("part/a:v1", &ImageSpec::docker()).await.unwrap();
    docker.load_image("part/b:v1", &ImageSpec::docker().layers(&[4096, 300_000])).await.unwrap();
    let app = app_for(
        &registry,
        docker.host(),
        &[
            "--registry-username",
            TEST_USER,
            "--registry-password",
            TEST_PASSWORD,
            "--local-push-concurrency",
            "1",
        ],
    );
    let job = start(
        &app,
        "/api/local-push-jobs",
        json!({"image_refs": ["part/a:v1", "part/missing:v1", "part/b:v1"], "prefix_mode": "none", "arch_mode": "none"}),
    )
    .await;
    assert_eq!(job["state"], "partial", "{job:#}");
    let statuses: Vec<(String, String)> = items(&job).into_iter().map(|(s, _, st)| (s, st)).collect();
    assert_eq!(
        statuses,
        [
            ("part/a:v1".to_owned(), "succeeded".to_owned()),
            ("part/missing:v1".to_owned(), "failed".to_owned()),
            ("part/b:v1".to_owned(), "succeeded".to_owned()),
        ]
    );
    assert!(job["items"][1]["detail"].as_str().unwrap().contains("no local image named part/missing:v1"));
    assert!(registry.manifest_digest("part/a", "v1").await.unwrap().is_some());
    assert!(registry.manifest_digest("part/b", "v1").await.unwrap().is_some());
    // Per-layer bytes reached the job's progress.
    let progress = &job["progress"];
    assert!(progress["bytes_total"].as_u64().unwrap() >= 300_000, "{progress}");
    assert_eq!(progress["bytes_done"], progress["bytes_total"], "{progress}");
    assert!(local_id(docker, &format!("{host}/part/a:v1")).await.is_some());

    // Retry takes only the failed item's reference.
    let (status, retried) =
        post_json(&app, &format!("/api/sync-jobs/{}/retry", job["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{retried}");
    assert_eq!(retried["request"]["image_refs"], json!(["part/missing:v1"]));
    assert_eq!(retried["request"]["kind"], "local_push");

    // Bad requests list every problem and start nothing.
    let (status, answer) = post_json(
        &app,
        "/api/local-push-jobs",
        json!({"image_refs": ["x86/a:v1", "b:v1", "c@sha256:00"], "prefix_mode": "remove", "prefix_value": "x86",
               "arch_mode": "custom", "arch_value": ""}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let detail = answer["detail"].as_str().unwrap();
    for expected in ["arch_value is empty", "digest"] {
        assert!(detail.contains(expected), "{detail:?} should mention {expected:?}");
    }
    let read_only = app_for(&registry, docker.host(), &["--read-only"]);
    for path in ["/api/local-push-jobs", "/api/local-delete-jobs"] {
        let (status, answer) = post_json(&read_only, path, json!({"image_refs": ["part/a:v1"]})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {answer}");
    }
}

#[tokio::test]
async fn delete_removes_whole_images_and_the_preview_names_their_other_tags() {
    let docker = dockerd::shared().await.unwrap();
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let one = docker.load_image("del/one:v1", &ImageSpec::docker()).await.unwrap();
    docker.cli_ok(&["tag", "del/one:v1", "del/one:v2"]).await.unwrap();
    let two = docker.load_image("del/two:v1", &ImageSpec::docker()).await.unwrap();
    let keep = docker.load_image("del/keep:v1", &ImageSpec::docker()).await.unwrap();
    let app = app_for(&registry, docker.host(), &[]);

    let (status, preview) = post_json(
        &app,
        "/api/local-delete-jobs/preview",
        json!({"image_refs": ["del/one:v1", "del/two", "del/nothing:v1"]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(
        preview["images"],
        json!([
            {"image_id": one, "selected": ["del/one:v1"], "also_removed": ["del/one:v2"]},
        ]),
        "del/two has no `latest` tag, so only del/one resolves: {preview:#}"
    );
    assert_eq!(preview["errors"].as_array().unwrap().len(), 2, "{preview:#}");

    let job = start(
        &app,
        "/api/local-delete-jobs",
        json!({"image_refs": ["del/one:v1", "del/one:v2", "del/two:v1", "del/nothing:v1"]}),
    )
    .await;
    assert_eq!(job["job_type"], "local-delete");
    assert_eq!(job["state"], "partial", "{job:#}");
    let statuses: Vec<(String, String)> = items(&job).into_iter().map(|(s, _, st)| (s, st)).collect();
    assert_eq!(
        statuses,
        [
            (one.clone(), "succeeded".to_owned()),
            (two.clone(), "succeeded".to_owned()),
            ("del/nothing:v1".to_owned(), "failed".to_owned()),
        ]
    );
    let detail = job["items"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("del/one:v1") && detail.contains("del/one:v2"), "{detail}");
    let logs: Vec<&str> =
        job["log_entries"].as_array().unwrap().iter().map(|l| l["message"].as_str().unwrap()).collect();
    assert!(logs.iter().any(|l| l.starts_with("not removed: del/nothing:v1")), "{logs:?}");
    for gone in ["del/one:v1", "del/one:v2", "del/two:v1"] {
        assert_eq!(local_id(docker, gone).await, None, "{gone}");
    }
    assert_eq!(local_id(docker, "del/keep:v1").await, Some(keep), "unrelated images stay");
}

#[tokio::test]
async fn an_absent_daemon_is_a_clear_502_and_registry_features_still_work() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    registry.push_image("still/here", "v1", &ImageSpec::docker()).await.unwrap();
    let app = app_for(&registry, NO_DOCKER, &[]);

    let (status, answer) = get_json(&app, "/api/local-images").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{answer}");
    let detail = answer["detail"].as_str().unwrap();
    assert!(detail.starts_with(&format!("cannot reach the Docker daemon at {NO_DOCKER}")), "{detail}");
    let (status, answer) =
        post_json(&app, "/api/local-push-jobs/preview", json!({"image_refs": ["a:v1"], "arch_mode": "none"}))
            .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{answer}");
    let (status, answer) =
        post_json(&app, "/api/local-delete-jobs/preview", json!({"image_refs": ["a:v1"]})).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{answer}");

    let (status, health) = get_json(&app, "/api/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (health["registry_healthy"].as_bool(), health["docker_healthy"].as_bool()),
        (Some(true), Some(false))
    );
    let (status, repositories) = get_json(&app, "/api/repositories").await;
    assert_eq!(status, StatusCode::OK, "{repositories}");
    assert!(repositories.to_string().contains("still/here"), "{repositories}");

    // A job started anyway fails on its item with the same reason.
    let job = start(&app, "/api/local-push-jobs", json!({"image_refs": ["a:v1"], "arch_mode": "none"})).await;
    assert_eq!(job["state"], "failed", "{job:#}");
    assert!(job["error"].as_str().unwrap().contains("cannot reach the Docker daemon"), "{job:#}");
}

#[tokio::test]
async fn sync_through_the_daemon_copies_from_a_second_registry_and_cleans_up_after_itself() {
    let docker = dockerd::shared().await.unwrap();
    let source = Registry::start(Flavour::Plain).await.unwrap();
    let ours = Registry::start(Flavour::Plain).await.unwrap();
    source.push_image("upstream/app", "v1", &ImageSpec::docker().layers(&[2048, 70_000])).await.unwrap();
    let app = app_for(&ours, docker.host(), &["--source-registries", &source.host()]);
    let source_ref = format!("{}/upstream/app:v1", source.host());

    let job = start(
        &app,
        "/api/sync-jobs",
        json!({"source_image": source_ref, "target_repository": "mirror/app", "engine": "docker"}),
    )
    .await;
    assert_eq!(job["state"], "succeeded", "{job:#}");
    assert_eq!(job["request"]["engine"], "docker");
    let digest = ours.manifest_digest("mirror/app", "v1").await.unwrap().expect("the tag is in our registry");
    assert_eq!(job["items"][0]["digest"], digest);
    assert!(job["progress"]["bytes_total"].as_u64().unwrap() > 0, "{job:#}");
    // Only what the job created is gone: the pulled image (absent before) and the target tag.
    assert_eq!(local_id(docker, &source_ref).await, None);
    assert_eq!(local_id(docker, &format!("{}/mirror/app:v1", ours.host())).await, None);

    // An image that was there before the job stays.
    let kept =
        docker.load_image(&format!("{}/upstream/app:v2", source.host()), &ImageSpec::docker()).await.unwrap();
    docker.cli_ok(&["push", &format!("{}/upstream/app:v2", source.host())]).await.unwrap();
    let job = start(
        &app,
        "/api/sync-jobs",
        json!({"source_image": format!("{}/upstream/app:v2", source.host()), "engine": "docker"}),
    )
    .await;
    assert_eq!(job["state"], "succeeded", "{job:#}");
    assert!(ours.manifest_digest("upstream/app", "v2").await.unwrap().is_some());
    assert_eq!(local_id(docker, &format!("{}/upstream/app:v2", source.host())).await, Some(kept));

    let (status, answer) = post_json(
        &app,
        "/api/sync-jobs",
        json!({"source_image": source_ref, "engine": "docker", "platforms": ["linux/amd64", "linux/arm64"]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(answer["detail"].as_str().unwrap().contains("engine docker pulls one platform"), "{answer}");
}

#[tokio::test]
async fn a_push_also_writes_the_multi_arch_tag_once_another_architecture_is_in_the_registry() {
    let docker = dockerd::shared().await.unwrap();
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let app = app_for(&registry, docker.host(), &[]);
    let request = json!({"image_refs": ["mtag/app:1.0"], "prefix_mode": "none", "arch_mode": "auto", "multi_arch_tag": true});
    // The amd64 build first: one architecture, so no multi-arch tag yet.
    docker.load_image("mtag/app:1.0", &ImageSpec::docker().arch("amd64")).await.unwrap();
    let job = start(&app, "/api/local-push-jobs", request.clone()).await;
    assert_eq!(job["state"], "succeeded", "{job:#}");
    assert!(
        job["items"][0]["detail"].as_str().unwrap().contains("waits for another architecture"),
        "{job:#}"
    );
    assert_eq!(registry.manifest_digest("mtag/app", "1.0").await.unwrap(), None);
    // Then the arm64 build under the same local name: `1.0` becomes an index over both pushes.
    docker.load_image("mtag/app:1.0", &ImageSpec::docker().arch("arm64")).await.unwrap();
    let job = start(&app, "/api/local-push-jobs", request).await;
    assert_eq!(job["state"], "succeeded", "{job:#}");
    let detail = job["items"][0]["detail"].as_str().unwrap();
    assert!(detail.contains(&format!("multi-arch tag {}/mtag/app:1.0: wrote", registry.host())), "{detail}");
    let x86 = registry.manifest_digest("mtag/app", "1.0-x86").await.unwrap().unwrap();
    let arm = registry.manifest_digest("mtag/app", "1.0-arm").await.unwrap().unwrap();
    let (media_type, bytes) = registry.get_manifest("mtag/app", "1.0").await.unwrap();
    assert_eq!(media_type, "application/vnd.docker.distribution.manifest.list.v2+json");
    let index: Value = serde_json::from_slice(&bytes).unwrap();
    let children: Vec<(&str, &str)> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["digest"].as_str().unwrap(), m["platform"]["architecture"].as_str().unwrap()))
        .collect();
    assert_eq!(children, [(x86.as_str(), "amd64"), (arm.as_str(), "arm64")]);
}
