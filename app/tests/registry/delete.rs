//! Deleting: only this tag (siblings survive, checked through the registry API), the image with
//! all its tags, a whole repository, deletion disabled, and no stale view afterwards.

use app::backend::browse::TagQuery;
use app::model::{AppError, DeleteScope};
use rm_harness::{Flavour, ImageSpec, ManifestFormat, Registry};

use crate::common::{client, delta, named};

#[tokio::test]
async fn deleting_only_this_tag_keeps_its_siblings() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let repo = "del/only";
    let client = client(&registry);
    for format in [ManifestFormat::Docker, ManifestFormat::Oci] {
        let tag = |t: &str| format!("{format:?}-{t}").to_lowercase();
        let image =
            registry.push_image(repo, &tag("v1"), &ImageSpec::default().format(format)).await.unwrap();
        registry.tag_manifest(repo, &tag("alias"), &image).await.unwrap();
        registry.tag_manifest(repo, &tag("latest"), &image).await.unwrap();

        let result = named::delete_tag(&client, repo, &tag("alias"), DeleteScope::Tag).await.unwrap();
        assert_eq!(
            (result.deleted, result.scope, result.digest.as_str()),
            (true, DeleteScope::Tag, image.digest.as_str())
        );
        assert_eq!(result.removed_tags, [tag("alias")]);
        assert_eq!(registry.manifest_digest(repo, &tag("alias")).await.unwrap(), None);
        for sibling in [tag("v1"), tag("latest")] {
            assert_eq!(
                registry.manifest_digest(repo, &sibling).await.unwrap(),
                Some(image.digest.clone()),
                "{sibling}"
            );
        }
        // The throwaway manifest is gone too: nothing of ours is left behind.
        assert!(!registry.tags(repo).await.unwrap().iter().any(|t| t.contains("alias")));

        // The last sibling but one, then the last tag: that one deletes the digest itself.
        named::delete_tag(&client, repo, &tag("v1"), DeleteScope::Tag).await.unwrap();
        assert_eq!(registry.manifest_digest(repo, &tag("latest")).await.unwrap(), Some(image.digest.clone()));
        let before = client.stats();
        let result = named::delete_tag(&client, repo, &tag("latest"), DeleteScope::Tag).await.unwrap();
        assert_eq!(result.removed_tags, [tag("latest")]);
        assert_eq!(delta(client.stats(), before).manifest_puts, 0, "no throwaway without siblings");
        assert_eq!(
            registry.manifest_digest(repo, &image.digest).await.unwrap(),
            None,
            "the manifest is deleted"
        );
    }

    // An index with a sibling tag: only the alias goes; the index and its platforms stay.
    for format in [ManifestFormat::Docker, ManifestFormat::Oci] {
        let specs = [ImageSpec::default(), ImageSpec::default().arch("arm64")];
        let index = registry
            .push_index(repo, &format!("multi-{format:?}").to_lowercase(), &specs, format)
            .await
            .unwrap();
        let alias = format!("multi-{format:?}-alias").to_lowercase();
        registry.put_manifest(repo, &alias, &index.media_type, &index.manifest_bytes).await.unwrap();
        named::delete_tag(&client, repo, &alias, DeleteScope::Tag).await.unwrap();
        assert_eq!(registry.manifest_digest(repo, &alias).await.unwrap(), None);
        assert_eq!(registry.manifest_digest(repo, &index.tag).await.unwrap(), Some(index.digest.clone()));
        let detail = named::tag_detail(&client, repo, &index.tag).await.unwrap();
        assert_eq!(detail.images.len(), 2);
        assert!(detail.images.iter().all(|i| i.error.is_none() && i.config.is_some()));
    }
}

#[tokio::test]
async fn deleting_the_image_removes_every_tag_on_it() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let repo = "del/image";
    let image = registry.push_image(repo, "a", &ImageSpec::oci()).await.unwrap();
    registry.tag_manifest(repo, "b", &image).await.unwrap();
    registry.tag_manifest(repo, "c", &image).await.unwrap();
    let other = registry.push_image(repo, "other", &ImageSpec::oci()).await.unwrap();
    let client = client(&registry);

    let result = named::delete_tag(&client, repo, "b", DeleteScope::Image).await.unwrap();
    assert_eq!(result.removed_tags, ["a", "b", "c"]);
    assert_eq!(result.digest, image.digest);
    assert_eq!(registry.tags(repo).await.unwrap(), ["other"]);
    assert_eq!(registry.manifest_digest(repo, &image.digest).await.unwrap(), None);
    assert_eq!(registry.manifest_digest(repo, "other").await.unwrap(), Some(other.digest.clone()));

    // By digest, too.
    let result = named::delete_tag(&client, repo, &other.digest, DeleteScope::Image).await.unwrap();
    assert_eq!(result.removed_tags, ["other"]);
    assert!(registry.tags(repo).await.unwrap().is_empty());

    // What is gone is reported as missing.
    let missing = named::delete_tag(&client, repo, "a", DeleteScope::Image).await;
    assert!(matches!(&missing, Err(AppError::NotFound(m)) if m.contains("`a`")), "{missing:?}");
}

#[tokio::test]
async fn deleting_a_repository_deletes_each_digest_once() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let repo = "del/repo/nested";
    let one = registry.push_image(repo, "one", &ImageSpec::default()).await.unwrap();
    registry.tag_manifest(repo, "one-alias", &one).await.unwrap();
    let two = registry.push_image(repo, "two", &ImageSpec::oci()).await.unwrap();
    let index = registry
        .push_index(
            repo,
            "multi",
            &[ImageSpec::default(), ImageSpec::default().arch("arm64")],
            ManifestFormat::Oci,
        )
        .await
        .unwrap();
    let client = client(&registry);
    let result = named::delete_repository(&client, repo).await.unwrap();
    assert_eq!(result.removed_tags, ["multi", "one", "one-alias", "two"]);
    let mut expected = vec![one.digest.clone(), two.digest.clone(), index.digest.clone()];
    expected.sort();
    assert_eq!(result.deleted_digests, expected);
    assert!(registry.tags(repo).await.unwrap().is_empty());
    let list = named::tags(&client, repo, true, &TagQuery::default()).await.unwrap();
    assert_eq!(list.total, 0);
}

#[tokio::test]
async fn deletion_disabled_is_reported_and_changes_nothing() {
    let registry = Registry::builder().delete_enabled(false).start().await.unwrap();
    let repo = "del/disabled";
    let image = registry.push_image(repo, "v1", &ImageSpec::default()).await.unwrap();
    registry.tag_manifest(repo, "alias", &image).await.unwrap();
    let lonely = registry.push_image(repo, "lonely", &ImageSpec::oci()).await.unwrap();
    let client = client(&registry);

    let attempts = [
        named::delete_tag(&client, repo, "alias", DeleteScope::Tag).await.map(|_| ()),
        named::delete_tag(&client, repo, "lonely", DeleteScope::Tag).await.map(|_| ()),
        named::delete_tag(&client, repo, "v1", DeleteScope::Image).await.map(|_| ()),
        named::delete_repository(&client, repo).await.map(|_| ()),
    ];
    for attempt in attempts {
        match attempt {
            Err(AppError::Forbidden(message)) => {
                assert!(message.contains("REGISTRY_STORAGE_DELETE_ENABLED=true"), "{message}");
                assert!(message.contains("deletion disabled"), "{message}");
            }
            other => panic!("expected Forbidden, got {other:?}"),
        }
    }
    assert_eq!(client.stats().manifest_puts, 0, "no throwaway manifest was pushed");
    assert_eq!(registry.tags(repo).await.unwrap(), ["alias", "lonely", "v1"]);
    for (tag, digest) in [("alias", &image.digest), ("v1", &image.digest), ("lonely", &lonely.digest)] {
        assert_eq!(registry.manifest_digest(repo, tag).await.unwrap().as_ref(), Some(digest), "{tag}");
    }
}

// Guards against serving a cached tag → digest mapping after a delete made through the app.
#[tokio::test]
async fn a_delete_through_the_client_is_never_shown_stale() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let repo = "del/stale";
    let old = registry.push_image(repo, "a", &ImageSpec::default()).await.unwrap();
    registry.tag_manifest(repo, "b", &old).await.unwrap();
    registry.push_image(repo, "keep", &ImageSpec::default()).await.unwrap();
    let client = client(&registry);
    // Warm every cache (the mappings are now trusted for the TTL).
    named::tags(&client, repo, true, &TagQuery::default()).await.unwrap();
    let before = client.stats();
    named::tags(&client, repo, true, &TagQuery::default()).await.unwrap();
    assert_eq!(delta(client.stats(), before).requests, 1, "warm");

    // Delete `b` alone, then the image under `a`; then someone pushes a new image as `a`.
    named::delete_tag(&client, repo, "b", DeleteScope::Tag).await.unwrap();
    let list = named::tags(&client, repo, true, &TagQuery::default()).await.unwrap();
    assert_eq!(list.tags.iter().map(|t| t.tag.as_str()).collect::<Vec<_>>(), ["a", "keep"]);
    assert_eq!(named::tag_detail(&client, repo, "a").await.unwrap().sibling_tags, Vec::<String>::new());
    named::delete_tag(&client, repo, "a", DeleteScope::Image).await.unwrap();
    let new = registry.push_image(repo, "a", &ImageSpec::oci()).await.unwrap();

    let list = named::tags(&client, repo, true, &TagQuery::default()).await.unwrap();
    let a = list.tags.iter().find(|t| t.tag == "a").unwrap();
    assert_eq!(a.digest.as_deref(), Some(new.digest.as_str()), "not the deleted {}", old.digest);
    assert_eq!(a.media_type.as_deref(), Some(rm_harness::fixtures::OCI_MANIFEST));
}
