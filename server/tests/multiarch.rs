//! Multi-arch merge and split jobs (`/api/merge-jobs`, `/api/merge-jobs/preview`,
//! `/api/split-jobs`) against a real registry, with skopeo and the real Docker daemon as the
//! oracles of what was written, and the harness proxy counting what went over the wire.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use axum::http::StatusCode;
use common::{NO_DOCKER, app_for, post_json, router, start};
use rm_harness::registry::Registry;
use rm_harness::{FaultProxy, ImageSpec, ManifestFormat, dockerd, process};
use serde_json::{Value, json};

const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

async fn skopeo_json(args: &[&str]) -> Value {
    let mut command = Command::new("skopeo");
    command.args(args);
    let out = process::run_ok(command).await.unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `(digest, "os/arch[/variant]")` of each entry of an index.
fn entries(index: &Value) -> Vec<(String, String)> {
    index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let p = &m["platform"];
            let mut platform =
                format!("{}/{}", p["os"].as_str().unwrap(), p["architecture"].as_str().unwrap());
            if let Some(variant) = p["variant"].as_str() {
                platform.push('/');
                platform.push_str(variant);
            }
            (m["digest"].as_str().unwrap().to_owned(), platform)
        })
        .collect()
}

/// The app against `registry` through a counting proxy.
fn proxied(proxy: &FaultProxy) -> common::TestApp {
    let url = proxy.url();
    router(&["--registry-api-url", url.as_str(), "--docker-host", NO_DOCKER])
}

#[tokio::test]
async fn merging_arch_suffixed_tags_writes_a_manifest_list_of_the_unchanged_images_docker_pulls() {
    let registry = Registry::builder().delete_enabled(true).start().await.unwrap();
    let x86 = registry.push_image("app", "1.0-x86", &ImageSpec::docker().layers(&[30_000])).await.unwrap();
    let arm = registry
        .push_image("app", "1.0-arm", &ImageSpec::docker().arch("arm64").layers(&[20_000]))
        .await
        .unwrap();
    registry.push_image("app", "2.0-x86", &ImageSpec::docker()).await.unwrap();
    let proxy = FaultProxy::start(&registry.url()).unwrap();
    let app = proxied(&proxy);
    let rule = json!({"repository": "app", "suffixes": ["-x86", "-arm"]});

    // The job, cold: one tag list, then per pair two manifest GETs, two config GETs, one PUT.
    let job = start(&app, "/api/merge-jobs", rule.clone()).await;
    assert_eq!(
        (job["state"].as_str(), job["job_type"].as_str()),
        (Some("succeeded"), Some("merge")),
        "{job:#}"
    );
    assert_eq!(job["status"], "success");
    assert_eq!(job["items"].as_array().unwrap().len(), 1, "2.0 has one architecture: left alone");
    assert_eq!(job["items"][0]["source"], "app:1.0-x86, app:1.0-arm");
    assert_eq!(
        job["items"][0]["target"],
        format!("{}/app:1.0", proxy.url().trim_start_matches("http://").trim_end_matches('/'))
    );
    let registry_requests: Vec<(String, String)> = proxy
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/v2/app/"))
        .map(|r| (r.method, r.path))
        .collect();
    let count = |method: &str, part: &str| {
        registry_requests.iter().filter(|(m, p)| m == method && p.contains(part)).count()
    };
    assert_eq!(count("GET", "/tags/list"), 1, "{registry_requests:#?}");
    assert_eq!(count("GET", "/manifests/"), 2, "{registry_requests:#?}");
    assert_eq!(count("GET", "/blobs/"), 2, "only the two configs: {registry_requests:#?}");
    assert_eq!(count("PUT", "/manifests/1.0"), 1, "{registry_requests:#?}");
    assert_eq!(registry_requests.len(), 6, "nothing else: {registry_requests:#?}");

    // skopeo reads a manifest list over both images, digests unchanged, platforms from configs.
    let reference = format!("docker://{}/app:1.0", registry.host());
    let raw = skopeo_json(&["inspect", "--raw", "--tls-verify=false", &reference]).await;
    assert_eq!(raw["mediaType"], DOCKER_LIST);
    assert_eq!(
        entries(&raw),
        [(x86.digest.clone(), "linux/amd64".to_owned()), (arm.digest.clone(), "linux/arm64/v8".to_owned())]
    );
    assert_eq!(job["items"][0]["digest"], registry.manifest_digest("app", "1.0").await.unwrap().unwrap());
    let resolved =
        skopeo_json(&["inspect", "--tls-verify=false", "--override-arch", "arm64", &reference]).await;
    assert_eq!(resolved["Architecture"], "arm64");
    let arm_layers: Vec<&str> = arm.layers.iter().map(|(d, _)| d.as_str()).collect();
    assert_eq!(resolved["Layers"], json!(arm_layers), "the arm child is the arm image");

    // The amd64 daemon pulls the amd64 image: its ID is the -x86 image's.
    let docker = dockerd::shared().await.unwrap();
    let pull = format!("{}/app:1.0", registry.host());
    docker.cli_ok(&["pull", &pull]).await.unwrap();
    let id = docker.cli_ok(&["image", "inspect", "--format", "{{.Id}}", &pull]).await.unwrap();
    assert_eq!(id.trim(), x86.config_digest);

    // The preview now finds the index in place; a rerun writes nothing.
    let (status, preview) = post_json(&app, "/api/merge-jobs/preview", rule.clone()).await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    let group = &preview["groups"][0];
    assert_eq!(group["target"], "app:1.0");
    assert_eq!(group["media_type"], DOCKER_LIST);
    assert_eq!(group["target_digest"], group["digest"]);
    assert_eq!(group["conflicts"], json!([]));
    let children: Vec<(&str, &str, &str, u64)> = group["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["source"].as_str().unwrap(),
                c["digest"].as_str().unwrap(),
                c["platform"].as_str().unwrap(),
                c["size_bytes"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        children,
        [
            ("app:1.0-x86", x86.digest.as_str(), "linux/amd64", x86.size),
            ("app:1.0-arm", arm.digest.as_str(), "linux/arm64/v8", arm.size)
        ]
    );
    assert_eq!(preview["singles"], json!(["app:2.0-x86"]));
    let again = start(&app, "/api/merge-jobs", rule).await;
    assert_eq!(again["state"], "succeeded", "{again:#}");
    assert!(again["items"][0]["detail"].as_str().unwrap().contains("nothing written"), "{again:#}");
}

#[tokio::test]
async fn conflicts_are_shown_first_and_only_overwrite_replaces_a_target() {
    let registry = Registry::builder().delete_enabled(true).start().await.unwrap();
    let x86 = registry.push_image("svc", "2-x86", &ImageSpec::oci()).await.unwrap();
    let arm = registry.push_image("svc", "2-arm", &ImageSpec::oci().arch("arm64")).await.unwrap();
    registry.push_image("svc", "2-amd", &ImageSpec::oci()).await.unwrap();
    let old = registry.push_image("svc", "3", &ImageSpec::oci().layers(&[100])).await.unwrap();
    registry.push_image("svc", "docker-arm", &ImageSpec::docker().arch("arm64")).await.unwrap();
    registry
        .push_index("svc", "multi", &[ImageSpec::oci(), ImageSpec::oci().arch("arm64")], ManifestFormat::Oci)
        .await
        .unwrap();
    let app = app_for(&registry, NO_DOCKER, &[]);
    let preview = |body: Value| {
        let app = &app;
        async move {
            let (status, preview) = post_json(app, "/api/merge-jobs/preview", body).await;
            assert_eq!(status, StatusCode::OK, "{preview}");
            preview["groups"][0].clone()
        }
    };

    // Two images of one platform: shown, and the job refuses the group.
    let same = json!({"sources": ["svc:2-x86", "svc:2-amd"], "target": "svc:2"});
    let group = preview(same.clone()).await;
    assert_eq!(
        group["conflicts"],
        json!([{"kind": "same_platform", "platform": "linux/amd64", "sources": ["svc:2-x86", "svc:2-amd"]}])
    );
    let job = start(&app, "/api/merge-jobs", same).await;
    assert_eq!(job["state"], "failed", "{job:#}");
    assert!(job["items"][0]["detail"].as_str().unwrap().contains("linux/amd64"), "{job:#}");
    assert_eq!(registry.manifest_digest("svc", "2").await.unwrap(), None);

    // A target that holds another digest: shown, skipped without overwrite, replaced with it.
    let onto = json!({"sources": ["svc:2-x86", "svc:2-arm"], "target": "svc:3"});
    let group = preview(onto.clone()).await;
    assert_eq!(group["conflicts"], json!([{"kind": "target_exists", "digest": old.digest}]));
    assert_eq!(group["media_type"], OCI_INDEX, "OCI children give an OCI index");
    let job = start(&app, "/api/merge-jobs", onto.clone()).await;
    assert_eq!((job["state"].as_str(), job["status"].as_str()), (Some("partial"), Some("failed")), "{job:#}");
    assert_eq!(job["items"][0]["status"], "skipped");
    assert!(job["items"][0]["detail"].as_str().unwrap().contains("conflict"), "{job:#}");
    assert_eq!(registry.manifest_digest("svc", "3").await.unwrap(), Some(old.digest.clone()));
    let mut overwrite = onto;
    overwrite["overwrite"] = json!(true);
    let job = start(&app, "/api/merge-jobs", overwrite).await;
    assert_eq!(job["state"], "succeeded", "{job:#}");
    assert_eq!(
        registry.manifest_digest("svc", "3").await.unwrap().as_ref(),
        group["digest"].as_str().map(str::to_owned).as_ref()
    );
    let (media_type, bytes) = registry.get_manifest("svc", "3").await.unwrap();
    assert_eq!(media_type, OCI_INDEX);
    let index: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        entries(&index),
        [(x86.digest.clone(), "linux/amd64".to_owned()), (arm.digest.clone(), "linux/arm64/v8".to_owned())]
    );
    let logs = job["logs"].as_array().unwrap();
    assert!(
        logs.iter().any(|l| l.as_str().unwrap().contains(&format!("it held {}", old.digest))),
        "the replaced digest is logged: {logs:#?}"
    );
    // Each start is audited, with what it combined and the job it started.
    let (status, audit) = common::get_json(&app, "/api/audit?operation=start-merge&limit=10").await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    let entry = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["job_id"] == job["id"])
        .unwrap_or_else(|| panic!("no audit entry for {}: {audit:#}", job["id"]));
    assert_eq!(entry["outcome"], "ok");
    assert!(entry["actor"].as_str().unwrap().ends_with("(admin)"), "the admin's API token: {entry}");
    assert_eq!(entry["target"], "svc:2-x86, svc:2-arm → svc:3");

    // Children that cannot share an index: a clear error per group.
    let group = preview(json!({"sources": ["svc:2-x86", "svc:docker-arm"], "target": "svc:mixed"})).await;
    assert!(group["error"].as_str().unwrap().contains("mix Docker"), "{group:#}");
    let group = preview(json!({"sources": ["svc:multi", "svc:2-arm"], "target": "svc:nested"})).await;
    assert!(group["error"].as_str().unwrap().contains("already a multi-arch index"), "{group:#}");
    let group = preview(json!({"sources": ["svc:2-x86", "svc:absent"], "target": "svc:gone"})).await;
    assert!(group["error"].as_str().unwrap().contains("svc:absent does not exist"), "{group:#}");

    // Requests that say nothing usable are refused whole.
    let cases = [
        (json!({}), "name what to combine"),
        (json!({"sources": ["svc:2-x86"], "target": "svc:x"}), "at least two"),
        (json!({"sources": ["svc:2-x86", "svc:2-arm"]}), "target is missing"),
        (json!({"sources": ["svc:2-x86", "svc:2-arm"], "target": "svc:2-x86"}), "is one of the sources"),
        (json!({"sources": ["svc:2-x86", "svc:2-arm"], "target": "x", "repository": "svc"}), "not both"),
        (json!({"repository": "svc", "suffixes": []}), "suffixes is empty"),
        (json!({"repository": "svc", "suffixes": ["-x86"]}), "nothing to combine"),
        (json!({"repository": "Bad Name", "suffixes": ["-x86"]}), "repository"),
    ];
    for (body, expected) in cases {
        let (status, answer) = post_json(&app, "/api/merge-jobs/preview", body.clone()).await;
        let text = answer.to_string();
        if expected == "nothing to combine" {
            // The preview answers it as its error; starting the job fails the job.
            assert_eq!(status, StatusCode::OK, "{body}: {answer}");
            assert!(text.contains(expected), "{body}: {text}");
            let job = start(&app, "/api/merge-jobs", body).await;
            assert_eq!(job["state"], "failed");
            assert!(job["error"].as_str().unwrap().contains(expected), "{job:#}");
            continue;
        }
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert!(text.contains(expected), "{body}: {text} should mention {expected:?}");
        let (status, _) = post_json(&app, "/api/merge-jobs", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn a_cross_repository_merge_mounts_blobs_moves_no_layer_and_deletes_only_the_source_tags() {
    let registry = Registry::builder().delete_enabled(true).start().await.unwrap();
    let x86 =
        registry.push_image("x86/app", "1.0-x86", &ImageSpec::docker().layers(&[200_000])).await.unwrap();
    let arm = registry
        .push_image("arm/app", "1.0-arm", &ImageSpec::docker().arch("arm64").layers(&[150_000]))
        .await
        .unwrap();
    registry.tag_manifest("x86/app", "keep", &x86).await.unwrap();
    let proxy = FaultProxy::start(&registry.url()).unwrap();
    let app = proxied(&proxy);
    let job = start(
        &app,
        "/api/merge-jobs",
        json!({"sources": ["x86/app:1.0-x86", "arm/app:1.0-arm"], "target": "app:1.0", "delete_sources": true}),
    )
    .await;
    assert_eq!(job["state"], "succeeded", "{job:#}");
    let detail = job["items"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("blobs mounted"), "{detail}");
    assert!(detail.contains("deleted the source tags x86/app:1.0-x86, arm/app:1.0-arm"), "{detail}");

    // No layer byte moved: layers were mounted, never downloaded or uploaded.
    let requests = proxy.requests();
    for (digest, _) in x86.layers.iter().chain(&arm.layers) {
        let downloads =
            requests.iter().filter(|r| r.method == "GET" && r.path.contains(digest.as_str())).count();
        assert_eq!(downloads, 0, "{digest} was downloaded");
        let mounts = requests
            .iter()
            .filter(|r| {
                r.method == "POST" && r.path.contains(&format!("mount={}", digest.replace(':', "%3A")))
            })
            .count();
        assert_eq!(mounts, 1, "{digest} mounted once: {requests:#?}");
    }
    assert_eq!(
        requests.iter().filter(|r| r.method == "PUT" && r.path.contains("/blobs/uploads/")).count(),
        0
    );

    // The index in `app` names both images by their digests, and both are there.
    let (media_type, bytes) = registry.get_manifest("app", "1.0").await.unwrap();
    assert_eq!(media_type, DOCKER_LIST);
    let index: Value = serde_json::from_slice(&bytes).unwrap();
    let digests: Vec<String> = entries(&index).into_iter().map(|(d, _)| d).collect();
    assert_eq!(digests, [x86.digest.clone(), arm.digest.clone()]);
    for digest in &digests {
        assert_eq!(registry.manifest_digest("app", digest).await.unwrap().as_ref(), Some(digest));
    }
    // Only the source tags went: the images, and another tag of one, stay.
    assert_eq!(registry.tags("x86/app").await.unwrap(), ["keep"]);
    assert!(registry.tags("arm/app").await.unwrap().is_empty());
    assert_eq!(registry.manifest_digest("x86/app", "keep").await.unwrap(), Some(x86.digest.clone()));
    assert_eq!(registry.manifest_digest("arm/app", &arm.digest).await.unwrap(), Some(arm.digest.clone()));
}

#[tokio::test]
async fn split_gives_back_the_children_by_digest_and_a_merge_in_place_keeps_them_when_tags_go() {
    let registry = Registry::builder().delete_enabled(true).start().await.unwrap();
    let index = registry
        .push_index(
            "multi/app",
            "1.0",
            &[ImageSpec::docker(), ImageSpec::docker().arch("arm64"), ImageSpec::docker().arch("s390x")],
            ManifestFormat::Docker,
        )
        .await
        .unwrap();
    let app = app_for(&registry, NO_DOCKER, &[]);
    let job = start(
        &app,
        "/api/split-jobs",
        json!({"source": "multi/app:1.0", "suffixes": {"linux/amd64": "-x86", "linux/arm64": "-arm"}}),
    )
    .await;
    assert_eq!(
        (job["job_type"].as_str(), job["state"].as_str()),
        (Some("split"), Some("partial")),
        "{job:#}"
    );
    let statuses: Vec<&str> =
        job["items"].as_array().unwrap().iter().map(|i| i["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["succeeded", "succeeded", "skipped"], "s390x has no suffix: {job:#}");
    let x86 = &index.children[0].digest;
    let arm = &index.children[1].digest;
    assert_eq!(registry.manifest_digest("multi/app", "1.0-x86").await.unwrap().as_ref(), Some(x86));
    assert_eq!(registry.manifest_digest("multi/app", "1.0-arm").await.unwrap().as_ref(), Some(arm));

    // Splitting a single image is refused with why.
    let job = start(
        &app,
        "/api/split-jobs",
        json!({"source": "multi/app:1.0-x86", "suffixes": {"linux/amd64": "-a"}}),
    )
    .await;
    assert_eq!(job["state"], "failed");
    assert!(job["error"].as_str().unwrap().contains("not a multi-arch index"), "{job:#}");
    let (status, answer) =
        post_json(&app, "/api/split-jobs", json!({"source": "multi/app:1.0", "suffixes": {}})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");

    // Merged back in place with delete_sources: the tags go, the children the index names stay.
    let job = start(
        &app,
        "/api/merge-jobs",
        json!({"repository": "multi/app", "suffixes": ["-x86", "-arm"], "target_repository": "multi/again", "delete_sources": false}),
    )
    .await;
    assert_eq!(job["state"], "succeeded", "{job:#}");
    let job = start(
        &app,
        "/api/merge-jobs",
        json!({"sources": ["multi/app:1.0-x86", "multi/app:1.0-arm"], "target": "multi/app:two", "delete_sources": true}),
    )
    .await;
    assert_eq!(job["state"], "succeeded", "{job:#}");
    let mut tags = registry.tags("multi/app").await.unwrap();
    tags.sort();
    assert_eq!(tags, ["1.0", "two"]);
    for digest in [x86, arm] {
        assert_eq!(registry.manifest_digest("multi/app", digest).await.unwrap().as_ref(), Some(digest));
        assert_eq!(registry.manifest_digest("multi/again", digest).await.unwrap().as_ref(), Some(digest));
    }
    let (_, bytes) = registry.get_manifest("multi/app", "two").await.unwrap();
    let children: BTreeMap<String, String> =
        entries(&serde_json::from_slice(&bytes).unwrap()).into_iter().map(|(d, p)| (p, d)).collect();
    assert_eq!(children["linux/amd64"], *x86);
    assert_eq!(children["linux/arm64/v8"], *arm);
}
