//! `GET /api/storage` (issue 15 point 1) against an oracle computed independently from the
//! registry's storage directory: the blob files and their sizes, and which repository links which
//! blob (`_layers` and `_manifests/revisions` links), with layers shared across repositories, an
//! index with two children and a tag sharing a digest with another.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use axum::http::StatusCode;
use common::{NO_DOCKER, app_for, delete_json, get_json};
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
    let (status, usage) = get_json(&app, "/api/storage").await;
    assert_eq!(status, StatusCode::OK, "{usage}");
    assert_eq!(usage["complete"], true, "{usage}");
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
