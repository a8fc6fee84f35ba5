//! `GET /api/storage` and `GET /api/storage/{repository}` (issue 15 point 1) against an oracle
//! computed independently from the registry's storage directory: the blob files and their sizes,
//! which repository links which blob (`_layers` and `_manifests/revisions` links), and which blobs
//! each tag reaches (its `current/link`, then the manifest files themselves), with layers shared
//! across repositories, an index with two children and a tag sharing a digest with another.
//!
//! The figures come from a `storage-scan` job: the first request answers at once with
//! `complete: false` and the job's id; the job's result is what later requests answer. Empty
//! repositories are listed, and removed for good where the server runs the registry.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use std::time::Duration;

use axum::http::StatusCode;
use common::{NO_DOCKER, app_for, delete_json, get_json, post_json, wait_job};
use rm_harness::registry::{Flavour, Registry};
use rm_harness::{ImageSpec, ManifestFormat};
use serde_json::Value;

/// What the storage directory says: every blob's size, and the blobs each repository links.
struct Oracle {
    sizes: BTreeMap<String, u64>,
    links: BTreeMap<String, BTreeSet<String>>,
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn oracle(storage: &Path) -> Oracle {
    let root = storage.join("docker/registry/v2");
    let mut all = Vec::new();
    files(&root.join("blobs"), &mut all);
    let sizes = all
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "data"))
        .map(|p| {
            let hex = p.parent().unwrap().file_name().unwrap().to_str().unwrap();
            (format!("sha256:{hex}"), std::fs::metadata(p).unwrap().len())
        })
        .collect();
    let mut links: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let repositories = root.join("repositories");
    let mut all = Vec::new();
    files(&repositories, &mut all);
    for link in all.iter().filter(|p| p.file_name().is_some_and(|n| n == "link")) {
        let relative = link.strip_prefix(&repositories).unwrap().to_str().unwrap();
        // <name>/_layers/sha256/<hex>/link and <name>/_manifests/revisions/sha256/<hex>/link
        let (name, kind) = match (relative.find("/_layers/"), relative.find("/_manifests/revisions/")) {
            (Some(at), _) | (None, Some(at)) => (&relative[..at], &relative[at..]),
            _ => continue, // tag links (_manifests/tags/…) name a revision already linked
        };
        let _ = kind;
        links
            .entry(name.to_owned())
            .or_default()
            .insert(std::fs::read_to_string(link).unwrap().trim().to_owned());
    }
    Oracle { sizes, links }
}

/// `(unique, shared)` bytes of each repository by the oracle, and the total.
fn expected(oracle: &Oracle) -> (u64, BTreeMap<String, (u64, u64)>) {
    let mut holders: BTreeMap<&str, usize> = BTreeMap::new();
    for digests in oracle.links.values() {
        for digest in digests {
            *holders.entry(digest).or_default() += 1;
        }
    }
    let per_repository = oracle
        .links
        .iter()
        .map(|(name, digests)| {
            let (mut unique, mut shared) = (0, 0);
            for digest in digests {
                let size = oracle.sizes[digest];
                if holders[digest.as_str()] > 1 { shared += size } else { unique += size }
            }
            (name.clone(), (unique, shared))
        })
        .collect();
    (oracle.sizes.values().sum(), per_repository)
}

/// The usage once a scan has finished: the first answer comes at once, naming the scan it
/// started; the job is waited for, and the figures asked again.
async fn scanned(app: &axum::Router) -> (Value, Value) {
    let (status, first) = tokio::time::timeout(Duration::from_secs(5), get_json(app, "/api/storage"))
        .await
        .expect("GET /api/storage answers at once");
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["complete"], false, "nothing scanned yet: {first}");
    assert_eq!(first["computed_at"], "", "{first}");
    let id = first["scan_job_id"].as_str().unwrap_or_else(|| panic!("a scan is started: {first}"));
    let job = wait_job(app, id).await;
    assert_eq!(job["job_type"], "storage-scan", "{job:#}");
    let (status, usage) = get_json(app, "/api/storage").await;
    assert_eq!(status, StatusCode::OK, "{usage}");
    assert!(usage.get("scan_job_id").is_none(), "no scan runs any more: {usage}");
    (usage, job)
}

fn figures(usage: &Value) -> BTreeMap<String, (u64, u64)> {
    usage["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let name = r["name"].as_str().unwrap().to_owned();
            (name, (r["unique_bytes"].as_u64().unwrap(), r["shared_bytes"].as_u64().unwrap()))
        })
        .collect()
}

#[tokio::test]
async fn usage_matches_the_storage_directory_and_follows_the_apps_deletes() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    // Layer 0 of both images is the same bytes (same seed): shared across two repositories.
    let a = registry
        .push_image("shared/a", "v1", &ImageSpec::docker().seed(41).layers(&[40_000, 20_000]).label("r", "a"))
        .await
        .unwrap();
    registry
        .push_image("shared/b", "v1", &ImageSpec::docker().seed(41).layers(&[40_000]).label("r", "b"))
        .await
        .unwrap();
    // A tag sharing a digest with another: counted once.
    registry.tag_manifest("shared/a", "latest", &a).await.unwrap();
    // An index with two children: each child and its blobs counted once, the index too.
    registry
        .push_index(
            "multi/app",
            "v1",
            &[ImageSpec::oci().layers(&[30_000]), ImageSpec::oci().arch("arm64").layers(&[10_000])],
            ManifestFormat::Oci,
        )
        .await
        .unwrap();

    let (total, per_repository) = expected(&oracle(registry.storage_dir()));
    let app = app_for(&registry, NO_DOCKER, &[]);
    let (usage, job) = scanned(&app).await;
    assert_eq!(usage["complete"], true, "{usage}");
    // The job's progress: one item per repository, its bytes the registry's unique total.
    assert_eq!(job["state"], "succeeded", "{job:#}");
    let items: BTreeSet<&str> =
        job["items"].as_array().unwrap().iter().map(|i| i["source"].as_str().unwrap()).collect();
    assert_eq!(items, BTreeSet::from(["multi/app", "shared/a", "shared/b"]), "{job:#}");
    assert_eq!(job["progress"]["bytes_done"], total, "{job:#}");
    assert_eq!(usage["total_unique_bytes"], total, "{usage}");
    assert_eq!(figures(&usage), per_repository, "{usage}");
    // The fixture is what the test says it is: a shared layer, and no bytes shared by the index.
    assert!(per_repository["shared/a"].1 >= 40_000 && per_repository["shared/b"].1 >= 40_000);
    assert_eq!(per_repository["multi/app"].1, 0);
    let tag_counts: BTreeMap<&str, u64> = usage["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), r["tag_count"].as_u64().unwrap()))
        .collect();
    assert_eq!(tag_counts, BTreeMap::from([("multi/app", 1), ("shared/a", 2), ("shared/b", 1)]));
    // Largest "freed if deleted" first.
    let uniques: Vec<u64> = figures(&usage).values().map(|(u, _)| *u).collect();
    let listed: Vec<u64> = usage["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["unique_bytes"].as_u64().unwrap())
        .collect();
    assert!(listed.windows(2).all(|w| w[0] >= w[1]) && listed.len() == uniques.len(), "{usage}");

    // Deleted through the app: the kept figures are updated on the next request (the blobs stay
    // on disk until a garbage collection, so the directory is no oracle for this part).
    let (status, body) = delete_json(&app, "/api/repositories/shared/b").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, after) = get_json(&app, "/api/storage").await;
    let after_figures = figures(&after);
    assert!(!after_figures.contains_key("shared/b"), "{after}");
    let (unique_a, shared_a) = per_repository["shared/a"];
    assert_eq!(after_figures["shared/a"], (unique_a + shared_a, 0), "the shared layer is a's alone now");
    assert_eq!(after_figures["multi/app"], per_repository["multi/app"]);
    assert_eq!(after["total_unique_bytes"], total - per_repository["shared/b"].0);
}

#[tokio::test]
async fn the_storage_page_is_rendered_with_the_chart_and_sortable_table() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    registry.push_image("big/one", "v1", &ImageSpec::docker().layers(&[50_000])).await.unwrap();
    registry.push_image("small/two", "v1", &ImageSpec::docker().layers(&[5_000])).await.unwrap();
    let app = app_for(&registry, NO_DOCKER, &[]);
    // Before any scan the page renders at once, with the scan it started under way.
    let (status, _, body) = tokio::time::timeout(Duration::from_secs(10), common::get(&app, "/storage"))
        .await
        .expect("the page renders without waiting for a scan");
    let html = String::from_utf8(body).unwrap();
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(r#"data-testid="storage-scan""#), "the scan's progress: {html}");
    scanned_again(&app).await;
    let (status, _, body) = common::get(&app, "/storage?sort=name").await;
    let html = String::from_utf8(body).unwrap();
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(r#"data-testid="storage-total""#) && html.contains("<svg"), "{html}");
    for name in ["big/one", "small/two"] {
        assert!(html.contains(&format!(r#"href="/repositories/{name}""#)), "{name}: {html}");
    }
    // Sorted by name as the link asked: big/one's row comes first in the table.
    let table = &html[html.find(r#"data-testid="storage""#).expect("the table")..];
    assert!(table.find("big/one") < table.find("small/two"), "{table}");
    assert!(html.contains(r#"href="/storage?sort=unique""#), "sort links: {html}");
}

/// Waits for the scan a request started (or starts one), until the figures are computed.
async fn scanned_again(app: &axum::Router) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let (status, usage) = get_json(app, "/api/storage").await;
        assert_eq!(status, StatusCode::OK, "{usage}");
        match usage["scan_job_id"].as_str() {
            Some(id) => {
                wait_job(app, id).await;
            }
            None if usage["computed_at"] != "" => return usage,
            None => panic!("no figures and no scan: {usage}"),
        }
        assert!(std::time::Instant::now() < deadline, "{usage}");
    }
}

/// Every blob a manifest reaches (itself, config, layers, index children and theirs), read from
/// the blob files.
fn reached(blobs: &Path, digest: &str, out: &mut BTreeSet<String>) {
    if !out.insert(digest.to_owned()) {
        return;
    }
    let hex = digest.strip_prefix("sha256:").unwrap();
    let body = std::fs::read(blobs.join("sha256").join(&hex[..2]).join(hex).join("data")).unwrap();
    let manifest: Value = serde_json::from_slice(&body).unwrap();
    if let Some(config) = manifest["config"]["digest"].as_str() {
        out.insert(config.to_owned());
    }
    for layer in manifest["layers"].as_array().into_iter().flatten() {
        out.insert(layer["digest"].as_str().unwrap().to_owned());
    }
    for child in manifest["manifests"].as_array().into_iter().flatten() {
        reached(blobs, child["digest"].as_str().unwrap(), out);
    }
}

/// `(repository, tag)` → the blobs the tag reaches, from the storage directory alone.
fn tag_oracle(storage: &Path) -> BTreeMap<(String, String), BTreeSet<String>> {
    let root = storage.join("docker/registry/v2");
    let mut links = Vec::new();
    files(&root.join("repositories"), &mut links);
    let mut out = BTreeMap::new();
    for link in links {
        let relative = link.strip_prefix(root.join("repositories")).unwrap().to_str().unwrap().to_owned();
        // <name>/_manifests/tags/<tag>/current/link
        let Some(at) = relative.find("/_manifests/tags/") else { continue };
        let Some(tag) = relative[at + "/_manifests/tags/".len()..].strip_suffix("/current/link") else {
            continue;
        };
        let digest = std::fs::read_to_string(&link).unwrap().trim().to_owned();
        let mut reach = BTreeSet::new();
        reached(&root.join("blobs"), &digest, &mut reach);
        out.insert((relative[..at].to_owned(), tag.to_owned()), reach);
    }
    out
}

#[tokio::test]
async fn each_tag_holds_alone_what_the_storage_directory_says_no_other_tag_reaches() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    // v1 and latest share a digest; v2 shares its base layer with v1 and with another repository.
    let v1 = registry
        .push_image("tags/app", "v1", &ImageSpec::docker().seed(5).layers(&[30_000, 9_000]).label("v", "1"))
        .await
        .unwrap();
    registry.tag_manifest("tags/app", "latest", &v1).await.unwrap();
    registry
        .push_image("tags/app", "v2", &ImageSpec::docker().seed(5).layers(&[30_000]).label("v", "2"))
        .await
        .unwrap();
    registry
        .push_image("tags/other", "x", &ImageSpec::docker().seed(5).layers(&[30_000]).label("v", "x"))
        .await
        .unwrap();
    // An index with two children next to a plain image in one repository.
    registry
        .push_index(
            "tags/multi",
            "v1",
            &[ImageSpec::oci().layers(&[20_000]), ImageSpec::oci().arch("arm64").layers(&[7_000])],
            ManifestFormat::Oci,
        )
        .await
        .unwrap();
    registry.push_image("tags/multi", "single", &ImageSpec::oci().layers(&[3_000])).await.unwrap();

    let storage = registry.storage_dir();
    let oracle = oracle(storage);
    let reach = tag_oracle(storage);
    let only = |repository: &str, tag: &str| -> u64 {
        let mine = &reach[&(repository.to_owned(), tag.to_owned())];
        mine.iter()
            .filter(|d| {
                reach
                    .iter()
                    .filter(|(key, _)| key.1 != tag || key.0 != repository)
                    .all(|(_, other)| !other.contains(*d))
            })
            .map(|d| oracle.sizes[d])
            .sum()
    };
    let app = app_for(&registry, NO_DOCKER, &[]);
    // Before a scan: at once, not complete, and no scan started by reading one repository.
    let (status, early) = get_json(&app, "/api/storage/tags/app").await;
    assert_eq!(status, StatusCode::OK, "{early}");
    assert_eq!(
        (early["complete"].as_bool(), early["computed_at"].as_str()),
        (Some(false), Some("")),
        "{early}"
    );
    assert!(early.get("scan_job_id").is_none(), "{early}");
    let (_, jobs) = get_json(&app, "/api/sync-jobs").await;
    assert_eq!(jobs["jobs"].as_array().map(Vec::len), Some(0), "{jobs}");
    scanned_again(&app).await;
    for repository in ["tags/app", "tags/multi", "tags/other"] {
        let (status, figures) = get_json(&app, &format!("/api/storage/{repository}")).await;
        assert_eq!(status, StatusCode::OK, "{figures}");
        assert_eq!(figures["complete"], true, "{figures}");
        let got: BTreeMap<String, (u64, u64)> = figures["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["tag"].as_str().unwrap().to_owned(),
                    (t["bytes"].as_u64().unwrap(), t["only_bytes"].as_u64().unwrap()),
                )
            })
            .collect();
        let want: BTreeMap<String, (u64, u64)> = reach
            .iter()
            .filter(|((name, _), _)| name == repository)
            .map(|((_, tag), blobs)| {
                (tag.clone(), (blobs.iter().map(|d| oracle.sizes[d]).sum(), only(repository, tag)))
            })
            .collect();
        assert_eq!(got, want, "{repository}: {figures:#}");
    }
    // The fixture is what the test says: two tags on one digest hold nothing alone; the index holds
    // both children alone.
    let (_, app_figures) = get_json(&app, "/api/storage/tags/app").await;
    let by_tag =
        |tag: &str| app_figures["tags"].as_array().unwrap().iter().find(|t| t["tag"] == tag).unwrap().clone();
    assert_eq!(
        (by_tag("v1")["only_bytes"].as_u64(), by_tag("latest")["only_bytes"].as_u64()),
        (Some(0), Some(0))
    );
    assert!(by_tag("v2")["only_bytes"].as_u64().unwrap() > 0, "its manifest and config are its own");
    assert!(only("tags/multi", "v1") > 27_000);
    // A repository the registry does not know: 404 with a keyed message.
    let (status, body) = get_json(&app, "/api/storage/tags/none").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    // The repository page shows its figures and the column, rendered on the server.
    let (status, _, body) =
        tokio::time::timeout(Duration::from_secs(10), common::get(&app, "/repositories/tags/app"))
            .await
            .expect("the repository page renders");
    let html = String::from_utf8(body).unwrap();
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(r#"data-testid="repository-storage""#) && html.contains("Only this tag"), "{html}");
    assert!(html.contains(r#"data-column="only-tag""#), "{html}");
}

#[tokio::test]
async fn a_rescan_is_one_job_audited_allowed_read_only_and_a_failed_scan_backs_off() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    registry.push_image("scan/app", "v1", &ImageSpec::docker().layers(&[4_000])).await.unwrap();
    // READ_ONLY: a scan only reads, so it is allowed.
    let app = app_for(&registry, NO_DOCKER, &["--read-only"]);
    let (status, job) = post_json(&app, "/api/storage-scan-jobs", Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{job}");
    assert_eq!(job["job_type"], "storage-scan", "{job}");
    let id = job["id"].as_str().unwrap().to_owned();
    // While it runs, a second request gets the same job; after, a new one.
    let (_, again) = post_json(&app, "/api/storage-scan-jobs", Value::Null).await;
    let finished = wait_job(&app, &id).await;
    assert_eq!(finished["state"], "succeeded", "{finished:#}");
    if again["id"] != id {
        assert_eq!(wait_job(&app, again["id"].as_str().unwrap()).await["state"], "succeeded");
    }
    let (_, usage) = get_json(&app, "/api/storage").await;
    assert_eq!(usage["complete"], true, "{usage}");
    assert_eq!(usage["repositories"][0]["name"], "scan/app", "{usage}");
    let (_, audit) = get_json(&app, "/api/audit?operation=start-storage-scan").await;
    assert!(audit.to_string().contains(&id), "the start is audited: {audit}");
    let (status, _) = post_json(&app, "/api/storage-scan-jobs", Value::Null).await;
    assert_eq!(status, StatusCode::OK);

    // A registry that does not answer: the scan fails, and for SCAN_BACKOFF no other starts.
    let dead = format!("http://127.0.0.1:{}", common::dead_port());
    let broken = common::router(&["--registry-api-url", dead.as_str(), "--docker-host", NO_DOCKER]);
    let (status, first) = get_json(&broken, "/api/storage").await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let failed = wait_job(&broken, first["scan_job_id"].as_str().expect("a scan starts")).await;
    assert_eq!(failed["state"], "failed", "{failed:#}");
    let (status, after) = get_json(&broken, "/api/storage").await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["complete"], false, "{after}");
    assert!(after.get("scan_job_id").is_none(), "no new scan within 30 s of a failure: {after}");
    // The page says so, and renders at once.
    let (status, _, body) = tokio::time::timeout(Duration::from_secs(10), common::get(&broken, "/storage"))
        .await
        .expect("the page renders");
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&body).contains("No figures yet"));
}

#[tokio::test]
async fn empty_repositories_are_listed_and_refused_removal_without_storage_access() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    registry.push_image("empty/gone", "v1", &ImageSpec::docker().layers(&[2_000])).await.unwrap();
    registry.push_image("empty/kept", "v1", &ImageSpec::docker().layers(&[2_000])).await.unwrap();
    let app = app_for(&registry, NO_DOCKER, &[]);
    scanned_again(&app).await;
    let (status, body) = delete_json(&app, "/api/repositories/empty/gone").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, usage) = get_json(&app, "/api/storage").await;
    assert_eq!(usage["empty_repositories"], serde_json::json!(["empty/gone"]), "{usage}");
    // The registry runs elsewhere: the answer says what to do there.
    let (status, body) = delete_json(&app, "/api/empty-repositories/empty/gone").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.to_string().contains("REGISTRY_MODE=embedded"), "{body}");
    // The repository list hides it by default here (the UI's server function), shows it on asking.
    let hidden: app::model::RepositoryPage =
        common::rpc(&app, "repositories", &serde_json::json!({})).await.unwrap();
    assert!(hidden.non_empty_only && !hidden.repositories.contains(&"empty/gone".to_owned()), "{hidden:?}");
    let all: app::model::RepositoryPage =
        common::rpc(&app, "repositories", &serde_json::json!({"non_empty_only": false})).await.unwrap();
    assert!(all.repositories.contains(&"empty/gone".to_owned()), "{all:?}");
    let (_, _, body) = common::get(&app, "/").await;
    assert!(String::from_utf8_lossy(&body).contains(r#"data-testid="empty-hidden""#));
}

#[tokio::test]
async fn an_empty_repository_is_removed_for_good_where_the_server_runs_the_registry() {
    use rm_harness::process::{free_port, temp_dir};
    let data = temp_dir().unwrap();
    let storage = data.path().join("registry/storage");
    let fixture = Registry::builder().storage_dir(&storage).start().await.unwrap();
    let empty = fixture.push_image("emb/empty", "v1", &ImageSpec::docker().layers(&[2_000])).await.unwrap();
    fixture.push_image("emb/full", "v1", &ImageSpec::docker().layers(&[2_000])).await.unwrap();
    // `emb/ns` is emptied too, but holds the repository `emb/ns/inner`, which must survive.
    let ns = fixture.push_image("emb/ns", "v1", &ImageSpec::docker().seed(3).layers(&[1_000])).await.unwrap();
    let inner = fixture
        .push_image("emb/ns/inner", "v1", &ImageSpec::docker().seed(4).layers(&[1_500]))
        .await
        .unwrap();
    fixture.delete_manifest("emb/empty", &empty.digest).await.unwrap();
    fixture.delete_manifest("emb/ns", &ns.digest).await.unwrap();
    drop(fixture);

    let addr = format!("127.0.0.1:{}", free_port().unwrap());
    let app = common::embedded_app(data.path(), &addr, &[]).await;
    let usage = scanned_again(&app).await;
    assert_eq!(usage["empty_repositories"], serde_json::json!(["emb/empty", "emb/ns"]), "{usage}");
    // The repository list shows empty repositories by default where they can be removed.
    let page: app::model::RepositoryPage =
        common::rpc(&app, "repositories", &serde_json::json!({})).await.unwrap();
    assert!(!page.non_empty_only && page.repositories.contains(&"emb/empty".to_owned()), "{page:?}");
    // The Storage page offers "Remove" to an admin.
    let (_, _, body) = common::get(&app, "/storage").await;
    let html = String::from_utf8_lossy(&body);
    assert!(
        html.contains(r#"data-testid="empty-repositories""#) && html.contains("Remove emb/empty"),
        "{html}"
    );

    // A repository with tags is refused, and left whole.
    let (status, body) = delete_json(&app, "/api/empty-repositories/emb/full").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.to_string().contains("still has 1 tags"), "{body}");
    let repositories = storage.join("docker/registry/v2/repositories");
    assert!(repositories.join("emb/full/_manifests").is_dir());

    let (status, body) = delete_json(&app, "/api/empty-repositories/emb/empty").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["repository"], "emb/empty");
    assert!(!repositories.join("emb/empty").exists(), "its directory is gone");
    let (status, body) = delete_json(&app, "/api/empty-repositories/emb/ns").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(repositories.join("emb/ns/inner/_manifests").is_dir(), "the nested repository stays");
    assert!(!repositories.join("emb/ns/_manifests").exists());
    // Gone from the registry's catalog and from the figures; the nested repository still pulls.
    let (_, catalog) = get_json(&app, "/api/repositories?n=100").await;
    let names: BTreeSet<&str> =
        catalog["repositories"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(names, BTreeSet::from(["emb/full", "emb/ns/inner"]), "{catalog}");
    let (_, usage) = get_json(&app, "/api/storage").await;
    assert_eq!(usage["empty_repositories"], serde_json::json!([]), "{usage}");
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let manifest = client
        .get(format!("http://{addr}/v2/emb/ns/inner/manifests/v1"))
        .header("accept", "application/vnd.docker.distribution.manifest.v2+json")
        .send()
        .await
        .unwrap();
    assert_eq!(manifest.status(), 200);
    assert_eq!(rm_harness::fixtures::sha256_digest(&manifest.bytes().await.unwrap()), inner.digest);
    // Removed again: nothing there any more.
    let (status, _) = delete_json(&app, "/api/empty-repositories/emb/empty").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, audit) = get_json(&app, "/api/audit?operation=remove-empty-repository").await;
    assert!(audit.to_string().contains("emb/ns"), "{audit}");
    if let Some(registry) = &app.state.embedded {
        registry.stop().await;
    }
}

#[tokio::test]
async fn a_cancelled_scan_keeps_the_figures_it_had() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    for i in 0..24 {
        let spec = ImageSpec::docker().seed(100 + i).layers(&[1_000]);
        registry.push_image(&format!("cancel/r{i:02}"), "v1", &spec).await.unwrap();
    }
    let app = app_for(&registry, NO_DOCKER, &[]);
    let before = scanned_again(&app).await;
    assert_eq!(before["repositories"].as_array().map(Vec::len), Some(24), "{before}");
    registry.push_image("cancel/late", "v1", &ImageSpec::docker().layers(&[500])).await.unwrap();

    let (status, job) = post_json(&app, "/api/storage-scan-jobs", Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{job}");
    let id = job["id"].as_str().unwrap().to_owned();
    let (status, body) = post_json(&app, &format!("/api/sync-jobs/{id}/cancel"), Value::Null).await;
    let done = wait_job(&app, &id).await;
    let (_, after) = get_json(&app, "/api/storage").await;
    if status == StatusCode::OK {
        // Cancelled before it finished: the figures are the earlier scan's, untouched.
        assert_eq!(done["state"], "cancelled", "{done:#}");
        assert_eq!(after["computed_at"], before["computed_at"], "{after}");
        assert_eq!(after["repositories"], before["repositories"], "{after}");
    } else {
        // It had finished already (a fast machine): its figures replaced the earlier ones.
        assert_eq!(done["state"], "succeeded", "{body} {done:#}");
        assert_eq!(after["repositories"].as_array().map(Vec::len), Some(25), "{after}");
    }
}
