//! Tag listing: ~120 tags, details, filter, sort and paging over all tags, and the caches.

use std::time::Duration;

use app::backend::browse::TagQuery;
use app::model::{ManifestKind, TagSort};
use rm_harness::registry::repo_scope;
use rm_harness::{Flavour, ImageSpec, Registry};

use crate::common::{client, delta, named};

#[tokio::test]
async fn listing_120_tags_with_details_sorting_and_caches() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let spec = ImageSpec::default().layers(&[512, 2048]).created("2024-01-01T00:00:00Z");
    let pushed = registry.push_many_tags("big/repo", 120, &spec).await.unwrap();
    let client = client(&registry);

    // Names only: one request, every tag, sorted by name.
    let before = client.stats();
    let list = named::tags(&client, "big/repo", false, &TagQuery::default()).await.unwrap();
    assert_eq!(delta(client.stats(), before).requests, 1);
    assert_eq!(list.total, 120);
    let names: Vec<&str> = list.tags.iter().map(|t| t.tag.as_str()).collect();
    assert_eq!(names, registry.tags("big/repo").await.unwrap());
    assert!(list.tags.iter().all(|t| t.digest.is_none() && t.error.is_none()));

    // Cold details: one manifest GET per tag, one config GET per distinct config, no HEADs.
    let before = client.stats();
    let list = named::tags(&client, "big/repo", true, &TagQuery::default()).await.unwrap();
    let cold = delta(client.stats(), before);
    assert_eq!((cold.tag_lists, cold.manifest_gets, cold.blob_gets, cold.manifest_heads), (1, 120, 120, 0));
    for (row, image) in list.tags.iter().zip(&pushed) {
        assert_eq!(row.tag, image.tag);
        assert_eq!(row.digest.as_deref(), Some(image.digest.as_str()));
        assert_eq!(row.size_bytes, Some(image.size), "{}", row.tag);
        assert_eq!(row.kind, Some(ManifestKind::Image));
        assert_eq!(row.media_type.as_deref(), Some(rm_harness::fixtures::DOCKER_MANIFEST));
        assert_eq!(row.created_at.as_deref(), Some("2024-01-01T00:00:00Z"));
        assert_eq!(row.platforms, ["linux/amd64"]);
        assert_eq!(row.platform_sizes.len(), 1);
        assert_eq!(row.platform_sizes[0].size_bytes, image.size);
        assert_eq!(row.error, None);
    }

    // Warm: only the tag list is asked for again.
    let before = client.stats();
    let warm = named::tags(&client, "big/repo", true, &TagQuery::default()).await.unwrap();
    assert_eq!(delta(client.stats(), before).requests, 1);
    assert_eq!(warm, list);

    // Past the tag TTL (within the maximum staleness) the cached details are served at once, the
    // answer says they are being refreshed, and each digest is confirmed with a HEAD in the
    // background; manifests and configs stay cached.
    client.set_tag_cache_ttl(Duration::ZERO);
    let before = client.stats();
    let stale = named::tags(&client, "big/repo", true, &TagQuery::default()).await.unwrap();
    assert_eq!(delta(client.stats(), before).requests, 1, "only the tag list before answering");
    assert!(stale.refreshing);
    assert_eq!(stale.tags, list.tags);
    revalidated(&client).await;
    let d = delta(client.stats(), before);
    assert_eq!((d.tag_lists, d.manifest_heads, d.manifest_gets, d.blob_gets), (1, 120, 0, 0));
    // Past the maximum staleness, digests are confirmed with HEAD before they are shown.
    client.set_tag_cache_max_stale(Duration::ZERO);
    let before = client.stats();
    let rechecked = named::tags(&client, "big/repo", true, &TagQuery::default()).await.unwrap();
    let d = delta(client.stats(), before);
    assert_eq!((d.manifest_heads, d.manifest_gets, d.blob_gets), (120, 0, 0));
    assert_eq!(rechecked, list);
    client.set_tag_cache_max_stale(app::backend::registry::DEFAULT_TAG_MAX_STALE);
    client.set_tag_cache_ttl(app::backend::registry::DEFAULT_TAG_TTL);

    // Filter (case-insensitive substring) before paging; total counts the matches.
    let query = TagQuery { filter: Some("TAG-011".into()), ..TagQuery::default() };
    let filtered = named::tags(&client, "big/repo", true, &query).await.unwrap();
    assert_eq!(filtered.total, 10);
    assert_eq!(filtered.tags.first().map(|t| t.tag.as_str()), Some("tag-0110"));

    // Sort by size over all tags, then page. Configs differ only by the `rmh.index` label, so
    // tags 0–9 are smallest; ties are broken by name.
    let mut expected: Vec<(u64, String)> = pushed.iter().map(|p| (p.size, p.tag.clone())).collect();
    expected.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let query =
        TagQuery { sort: TagSort::Size, descending: true, offset: 5, limit: Some(10), ..TagQuery::default() };
    let page = named::tags(&client, "big/repo", true, &query).await.unwrap();
    assert_eq!(page.total, 120);
    let got: Vec<(u64, String)> = page.tags.iter().map(|t| (t.size_bytes.unwrap(), t.tag.clone())).collect();
    assert_eq!(got, expected[5..15]);
    let query = TagQuery { sort: TagSort::Size, ..TagQuery::default() };
    let ascending = named::tags(&client, "big/repo", true, &query).await.unwrap();
    assert_eq!(ascending.tags[0].tag, "tag-0000");
    assert!(ascending.tags.windows(2).all(|w| w[0].size_bytes <= w[1].size_bytes));

    // Equal creation times: by name, whatever the direction.
    let query = TagQuery { sort: TagSort::Created, descending: true, limit: Some(3), ..TagQuery::default() };
    let by_created = named::tags(&client, "big/repo", true, &query).await.unwrap();
    assert_eq!(
        by_created.tags.iter().map(|t| t.tag.as_str()).collect::<Vec<_>>(),
        ["tag-0000", "tag-0001", "tag-0002"]
    );

    // Sorted by name, details are read for the shown page only.
    let fresh = crate::common::client(&registry);
    let query = TagQuery { descending: true, limit: Some(10), ..TagQuery::default() };
    let page = named::tags(&fresh, "big/repo", true, &query).await.unwrap();
    assert_eq!(page.tags[0].tag, "tag-0119");
    assert_eq!((fresh.stats().manifest_gets, fresh.stats().blob_gets), (10, 10));

    // Without details there is no size to sort by: by name ascending, whatever the direction
    // (guards the typed-tag paging keeping `sort_tags`' order).
    let query = TagQuery { sort: TagSort::Size, descending: true, limit: Some(2), ..TagQuery::default() };
    let names = named::tags(&fresh, "big/repo", false, &query).await.unwrap();
    assert_eq!(names.tags.iter().map(|t| t.tag.as_str()).collect::<Vec<_>>(), ["tag-0000", "tag-0001"]);
}

/// Waits (10 s at most) until the client's background revalidations have finished.
async fn revalidated(client: &app::backend::registry::RegistryClient) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while client.revalidations_pending() > 0 {
        assert!(std::time::Instant::now() < deadline, "revalidations still pending");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

// Issue 15: a tag moved outside the app is shown as it was (said to be refreshing) once the window
// has passed, then as it is after the background revalidation; past the maximum staleness it is
// checked before it is shown.
#[tokio::test]
async fn stale_tag_details_are_served_then_revalidated_in_the_background() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let first = registry.push_image("swr/app", "v1", &ImageSpec::default().label("n", "1")).await.unwrap();
    registry.push_image("swr/app", "pinned", &ImageSpec::default().label("n", "p")).await.unwrap();
    let client = client(&registry);
    let digest_of = |list: &app::model::TagList, tag: &str| {
        list.tags.iter().find(|t| t.tag == tag).and_then(|t| t.digest.clone()).unwrap()
    };
    let fresh = named::tags(&client, "swr/app", true, &TagQuery::default()).await.unwrap();
    assert_eq!((digest_of(&fresh, "v1"), fresh.refreshing), (first.digest.clone(), false));

    // Moved by someone else: within the window, the app still shows what it saw.
    let second = registry.push_image("swr/app", "v1", &ImageSpec::default().label("n", "2")).await.unwrap();
    assert_ne!(first.digest, second.digest);
    let within = named::tags(&client, "swr/app", true, &TagQuery::default()).await.unwrap();
    assert_eq!((digest_of(&within, "v1"), within.refreshing), (first.digest.clone(), false));

    // Past the window: the stale answer at once, flagged; the next answer is revalidated.
    client.set_tag_cache_ttl(Duration::ZERO);
    let stale = named::tags(&client, "swr/app", true, &TagQuery::default()).await.unwrap();
    assert_eq!((digest_of(&stale, "v1"), stale.refreshing), (first.digest.clone(), true));
    revalidated(&client).await;
    client.set_tag_cache_ttl(Duration::from_secs(3600));
    let after = named::tags(&client, "swr/app", true, &TagQuery::default()).await.unwrap();
    assert_eq!((digest_of(&after, "v1"), after.refreshing), (second.digest.clone(), false));

    // Past the maximum staleness nothing stale is shown: moved again, it shows at once.
    let third = registry.push_image("swr/app", "v1", &ImageSpec::default().label("n", "3")).await.unwrap();
    client.set_tag_cache_ttl(Duration::ZERO);
    client.set_tag_cache_max_stale(Duration::ZERO);
    let checked = named::tags(&client, "swr/app", true, &TagQuery::default()).await.unwrap();
    assert_eq!((digest_of(&checked, "v1"), checked.refreshing), (third.digest, false));
    assert_eq!(digest_of(&checked, "pinned"), digest_of(&fresh, "pinned"));
}

#[tokio::test]
async fn sorting_by_created_uses_times_not_text_and_unreadable_tags_do_not_break_the_list() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let images = [
        ("old", "2020-06-01T00:00:00Z"),
        ("offset", "2024-01-01T23:00:00-05:00"), // 2024-01-02T04:00Z: the newest
        ("fraction", "2024-01-02T00:00:00.5Z"),
    ];
    for (tag, created) in images {
        registry.push_image("times/app", tag, &ImageSpec::oci().created(created)).await.unwrap();
    }
    // A tag whose config blob was deleted from the repository: listed, with the reason.
    let broken = registry.push_image("times/app", "broken", &ImageSpec::oci()).await.unwrap();
    let path = format!("/v2/times/app/blobs/{}", broken.config_digest);
    let deleted =
        registry.request(reqwest::Method::DELETE, &path, &repo_scope("times/app")).send().await.unwrap();
    assert_eq!(deleted.status(), 202);
    let client = client(&registry);
    let query = TagQuery { sort: TagSort::Created, descending: true, ..TagQuery::default() };
    let list = named::tags(&client, "times/app", true, &query).await.unwrap();
    let order: Vec<&str> = list.tags.iter().map(|t| t.tag.as_str()).collect();
    assert_eq!(order, ["offset", "fraction", "old", "broken"]);
    let broken_row = &list.tags[3];
    assert_eq!(broken_row.digest.as_deref(), Some(broken.digest.as_str()));
    assert_eq!(broken_row.size_bytes, Some(broken.size), "the size is known from the manifest");
    let error = broken_row.error.as_ref().map(ToString::to_string).unwrap();
    assert!(error.contains("404") && error.contains(&broken.config_digest), "{error}");
    assert!(list.tags[..3].iter().all(|t| t.error.is_none()));
}
