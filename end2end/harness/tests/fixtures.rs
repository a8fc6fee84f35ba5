//! Synthetic images pushed to a real registry read back identically through its HTTP API.

use rm_harness::fixtures::{DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST, sha256_digest};
use rm_harness::{Flavour, ImageSpec, ManifestFormat, Registry};
use serde_json::Value;

async fn plain() -> Registry {
    Registry::start(Flavour::Plain).await.unwrap()
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

async fn blob_json(r: &Registry, repo: &str, digest: &str) -> Value {
    let resp = r
        .request(
            reqwest::Method::GET,
            &format!("/v2/{repo}/blobs/{digest}"),
            &rm_harness::registry::repo_scope(repo),
        )
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    resp.json().await.unwrap()
}

#[tokio::test]
async fn schema2_and_oci_read_back_with_identical_digest() {
    let r = plain().await;
    for (repo, spec, mt) in [
        (
            "fx/docker",
            ImageSpec::docker()
                .layers(&[1000, 3000])
                .label("org.opencontainers.image.title", "docker one")
                .created("2024-05-01T12:00:00Z")
                .expose("8080/tcp"),
            DOCKER_MANIFEST,
        ),
        (
            "fx/oci",
            ImageSpec::oci().layers(&[500]).annotation("org.opencontainers.image.version", "1.2.3"),
            OCI_MANIFEST,
        ),
    ] {
        let img = r.push_image(repo, "v1", &spec).await.unwrap();
        assert_eq!(img.media_type, mt);
        assert_eq!(img.digest, sha256_digest(&img.manifest_bytes));
        assert_eq!(r.manifest_digest(repo, "v1").await.unwrap().as_deref(), Some(img.digest.as_str()));
        let (ct, bytes) = r.get_manifest(repo, "v1").await.unwrap();
        assert_eq!(ct, mt);
        assert_eq!(bytes, img.manifest_bytes, "exact bytes round-trip");
        let (_, by_digest) = r.get_manifest(repo, &img.digest).await.unwrap();
        assert_eq!(by_digest, img.manifest_bytes);
        for (d, size) in &img.layers {
            assert!(r.blob_exists(repo, d).await.unwrap());
            assert!(*size > 0);
        }
        assert_eq!(img.layers.len(), spec.layer_sizes.len());
        let config = blob_json(&r, repo, &img.config_digest).await;
        assert_eq!(config["architecture"], "amd64");
        assert_eq!(config["os"], "linux");
        assert_eq!(config["rootfs"]["diff_ids"].as_array().unwrap().len(), spec.layer_sizes.len());
        assert!(config["history"].as_array().unwrap().len() >= spec.layer_sizes.len());
        let m = json(&bytes);
        assert_eq!(m["config"]["digest"], img.config_digest.as_str());
    }
    assert!(!r.blob_exists("fx/oci", &sha256_digest(b"nope")).await.unwrap());
    assert_eq!(r.manifest_digest("fx/oci", "missing").await.unwrap(), None);
    let docker_cfg = {
        let img = r.get_manifest("fx/docker", "v1").await.unwrap();
        let d = json(&img.1)["config"]["digest"].as_str().unwrap().to_string();
        blob_json(&r, "fx/docker", &d).await
    };
    assert_eq!(docker_cfg["created"], "2024-05-01T12:00:00Z");
    assert_eq!(docker_cfg["config"]["Labels"]["org.opencontainers.image.title"], "docker one");
    assert!(docker_cfg["config"]["ExposedPorts"]["8080/tcp"].is_object());
}

#[tokio::test]
async fn multi_arch_index_children_reachable_by_digest() {
    let r = plain().await;
    let specs = [ImageSpec::default(), ImageSpec::default().arch("arm64")];
    for (repo, format, mt) in [
        ("multi/docker", ManifestFormat::Docker, DOCKER_MANIFEST_LIST),
        ("multi/oci", ManifestFormat::Oci, OCI_INDEX),
    ] {
        let idx = r.push_index(repo, "latest", &specs, format).await.unwrap();
        assert_eq!(idx.media_type, mt);
        let (ct, bytes) = r.get_manifest(repo, "latest").await.unwrap();
        assert_eq!(ct, mt);
        assert_eq!(bytes, idx.manifest_bytes);
        assert_eq!(sha256_digest(&bytes), idx.digest);
        let list = json(&bytes);
        let entries = list["manifests"].as_array().unwrap();
        let archs: Vec<&str> =
            entries.iter().map(|m| m["platform"]["architecture"].as_str().unwrap()).collect();
        assert_eq!(archs, ["amd64", "arm64"]);
        assert_eq!(entries[1]["platform"]["variant"], "v8");
        for (entry, child) in entries.iter().zip(&idx.children) {
            assert_eq!(entry["digest"], child.digest.as_str());
            assert!(child.tag.is_empty());
            assert_eq!(child.media_type, format.manifest_media_type());
            let (cct, cbytes) = r.get_manifest(repo, &child.digest).await.unwrap();
            assert_eq!(cct, format.manifest_media_type());
            assert_eq!(cbytes, child.manifest_bytes);
            let cfg = blob_json(&r, repo, &child.config_digest).await;
            assert_eq!(cfg["architecture"], entry["platform"]["architecture"]);
        }
        // Only the index is tagged.
        assert_eq!(r.tags(repo).await.unwrap(), vec!["latest"]);
    }
}

#[tokio::test]
async fn artifact_with_non_image_config() {
    let r = plain().await;
    let cfg_type = "application/vnd.example.config.v1+json";
    let art = r.push_artifact("art/facts", "sig", cfg_type, b"payload bytes").await.unwrap();
    let (ct, bytes) = r.get_manifest("art/facts", "sig").await.unwrap();
    assert_eq!(ct, OCI_MANIFEST);
    assert_eq!(bytes, art.manifest_bytes);
    let m = json(&bytes);
    assert_eq!(m["config"]["mediaType"], cfg_type);
    assert_eq!(art.config_media_type, cfg_type);
    assert!(art.platform.is_none());
    assert!(r.blob_exists("art/facts", &art.layers[0].0).await.unwrap());
    assert_eq!(art.layers[0].1, b"payload bytes".len() as u64);
}

#[tokio::test]
async fn tags_sharing_a_digest_and_nested_names() {
    let r = plain().await;
    let img = r.push_image("a/b/c", "1.0", &ImageSpec::default()).await.unwrap();
    let latest = r.tag_manifest("a/b/c", "latest", &img).await.unwrap();
    assert_eq!(latest.digest, img.digest);
    assert_eq!(latest.tag, "latest");
    let mut tags = r.tags("a/b/c").await.unwrap();
    tags.sort();
    assert_eq!(tags, vec!["1.0", "latest"]);
    assert_eq!(
        r.manifest_digest("a/b/c", "latest").await.unwrap(),
        r.manifest_digest("a/b/c", "1.0").await.unwrap()
    );
    // Same manifest into another (nested) repository: blobs are mounted across.
    let copy = r.tag_manifest("x/y", "copied", &img).await.unwrap();
    assert_eq!(copy.digest, img.digest);
    assert_eq!(copy.repository, "x/y");
    assert!(r.blob_exists("x/y", &img.config_digest).await.unwrap());
    let mut cat = r.catalog().await.unwrap();
    cat.sort();
    assert_eq!(cat, vec!["a/b/c", "x/y"]);
    // Deleting by digest removes every tag on it (distribution 2.8.2 semantics).
    assert_eq!(r.delete_manifest("a/b/c", &img.digest).await.unwrap(), reqwest::StatusCode::ACCEPTED);
    assert_eq!(r.tags("a/b/c").await.unwrap_or_default(), Vec::<String>::new());
}

#[tokio::test]
async fn many_tags_listed_through_pagination() {
    let r = plain().await;
    let spec = ImageSpec::default().layers(&[256]);
    let t = std::time::Instant::now();
    let pushed = r.push_many_tags("many/tags", 120, &spec).await.unwrap();
    eprintln!("120 tags pushed in {:?}", t.elapsed());
    assert_eq!(pushed.len(), 120);
    assert_eq!(pushed[0].tag, "tag-0000");
    assert_eq!(pushed[119].tag, "tag-0119");
    let digests: std::collections::HashSet<&str> = pushed.iter().map(|p| p.digest.as_str()).collect();
    assert_eq!(digests.len(), 120, "distinct images");
    assert!(pushed.iter().all(|p| p.layers == pushed[0].layers), "layers shared");

    // distribution 2.8.2 ignores `n`/`last` on tags/list (one page, readdir order, no
    // Link); newer registries paginate. Walk by hand with n=50 following Link either way.
    let pages = r.pages("/v2/many/tags/tags/list?n=50", "tags", "").await.unwrap();
    assert!(pages.len() <= 3, "more pages than 120/50 allows: {}", pages.len());
    eprintln!("tags/list?n=50 took {} page(s)", pages.len());
    let mut all = pages.concat();
    all.sort();
    let expected: Vec<String> = pushed.iter().map(|p| p.tag.clone()).collect();
    assert_eq!(all, expected);
    assert_eq!(r.tags_paged("many/tags", 50).await.unwrap(), expected);
    assert_eq!(r.tags("many/tags").await.unwrap(), expected);
}

#[tokio::test]
async fn catalog_paginates_with_link() {
    let r = plain().await;
    let first = r.push_image("cat/r000", "v", &ImageSpec::default()).await.unwrap();
    let mut expected = vec!["cat/r000".to_string()];
    for i in 1..60 {
        let repo = format!("cat/r{i:03}");
        r.tag_manifest(&repo, "v", &first).await.unwrap();
        expected.push(repo);
    }
    let pages = r.pages("/v2/_catalog?n=25", "repositories", "registry:catalog:*").await.unwrap();
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [25, 25, 10]);
    assert_eq!(pages.concat(), expected);
    assert_eq!(r.catalog().await.unwrap(), expected);
}

#[tokio::test]
async fn seeded_specs_are_reproducible() {
    let r = plain().await;
    let spec = ImageSpec::oci().layers(&[2048]).seed(42);
    let a = r.push_image("seed/a", "v", &spec).await.unwrap();
    let b = r.push_image("seed/b", "v", &spec).await.unwrap();
    assert_eq!(a.digest, b.digest);
    let c = r.push_image("seed/c", "v", &ImageSpec::oci().layers(&[2048])).await.unwrap();
    let d = r.push_image("seed/c", "w", &ImageSpec::oci().layers(&[2048])).await.unwrap();
    assert_ne!(c.layers[0].0, d.layers[0].0, "unseeded layers are unique");
}
