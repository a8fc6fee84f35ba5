//! The catalog: pagination over `Link`, nested names, `n` above distribution's cap, the
//! non-empty filter, tag counts.

use futures::{StreamExt, TryStreamExt, stream};
use reqwest::Method;
use rm_harness::registry::CATALOG_SCOPE;
use rm_harness::{Flavour, ImageSpec, Registry};

use crate::common::{client, delta, named};

/// Walks every page of `n` and returns the names in order, and how many pages it took.
async fn walk(
    client: &app::backend::registry::RegistryClient,
    n: u32,
    non_empty_only: bool,
) -> (Vec<String>, usize) {
    let mut names = Vec::new();
    let mut last: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = named::repositories(client, n, last.as_deref(), non_empty_only, false).await.unwrap();
        pages += 1;
        assert!(page.repositories.len() <= n as usize, "page {pages} has {} names", page.repositories.len());
        names.extend(page.repositories);
        match page.next {
            Some(next) => last = Some(next),
            None => return (names, pages),
        }
        assert!(pages < 1000, "paging does not end");
    }
}

#[tokio::test]
async fn catalog_pages_over_links_with_nested_names() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let names: Vec<String> = (0..60)
        .map(|i| match i % 3 {
            0 => format!("team{i:02}/app"),
            1 => format!("a/b/c{i:02}"),
            _ => format!("solo-{i:02}"),
        })
        .collect();
    let spec = ImageSpec::default().layers(&[64]);
    stream::iter(&names)
        .map(|name| registry.push_image(name, "v1", &spec))
        .buffer_unordered(8)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    let client = client(&registry);

    let (walked, pages) = walk(&client, 25, false).await;
    assert_eq!(pages, 3, "60 repositories in pages of 25");
    let mut sorted = walked.clone();
    sorted.sort();
    assert_eq!(walked, sorted, "catalog order is lexical");
    assert_eq!(walked, registry.catalog().await.unwrap(), "every repository exactly once");
    assert!(walked.contains(&"a/b/c01".to_owned()));
    // An exactly full last page is known to be the last: no empty page after it.
    let (by_20, pages) = walk(&client, 20, false).await;
    assert_eq!((by_20.len(), pages), (60, 3));

    // Tag counts, in catalog order.
    let page = named::repositories(&client, 5, None, false, true).await.unwrap();
    assert_eq!(page.details.iter().map(|d| d.name.clone()).collect::<Vec<_>>(), page.repositories);
    assert!(page.details.iter().all(|d| d.tag_count == 1), "{:?}", page.details);

    // `n` above what distribution 2.8.2 accepts (1000) is clamped, not refused.
    let status =
        registry.request(Method::GET, "/v2/_catalog?n=1001", CATALOG_SCOPE).send().await.unwrap().status();
    assert_eq!(status, 400, "distribution 2.8.2 refuses n > 1000");
    let before = client.stats();
    let page = named::repositories(&client, 5000, None, false, false).await.unwrap();
    assert_eq!(page.repositories, walked);
    assert_eq!(page.next, None);
    assert_eq!(delta(client.stats(), before).catalog_pages, 1);
}

#[tokio::test]
async fn more_than_1000_repositories_and_the_non_empty_filter() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let base = registry.push_image("mmm/base", "v1", &ImageSpec::default().layers(&[64])).await.unwrap();
    registry.push_image("aaa/one", "v1", &ImageSpec::default().layers(&[64])).await.unwrap();
    let gone = registry.push_image("ggg/gone", "v1", &ImageSpec::default().layers(&[64])).await.unwrap();
    registry.tag_manifest("ggg/gone", "v2", &gone).await.unwrap();
    registry.push_image("zzz/last", "v1", &ImageSpec::default().layers(&[64])).await.unwrap();
    // 1,050 repositories with a layer and no tag (a mounted blob makes a catalog entry).
    stream::iter(0..1050)
        .map(|i| {
            let (registry, base) = (&registry, &base);
            async move { registry.mount_blob("mmm/base", &format!("bulk/r{i:04}"), &base.layers[0].0).await }
        })
        .buffer_unordered(8)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    let client = client(&registry);

    // Over 1,000 names in one call: two registry pages.
    let before = client.stats();
    let page = named::repositories(&client, 1500, None, false, false).await.unwrap();
    assert_eq!(page.repositories.len(), 1054);
    assert_eq!(page.next, None);
    assert_eq!(delta(client.stats(), before).catalog_pages, 2);

    // Delete every tag of ggg/gone: distribution keeps it in the catalog.
    let result = named::delete_tag(&client, "ggg/gone", "v1", app::model::DeleteScope::Image).await.unwrap();
    assert_eq!(result.removed_tags, ["v1", "v2"]);
    assert!(registry.catalog().await.unwrap().contains(&"ggg/gone".to_owned()));
    let page = named::repositories(&client, 3, Some("ggg"), false, true).await.unwrap();
    assert_eq!(page.details[0].name, "ggg/gone");
    assert_eq!(page.details[0].tag_count, 0);

    // Non-empty only: pages of 2 skip the 1,050 empty repositories and ggg/gone, and `next`
    // continues without skipping or repeating.
    let before = client.stats();
    let (walked, pages) = walk(&client, 2, true).await;
    assert_eq!(walked, ["aaa/one", "mmm/base", "zzz/last"]);
    assert_eq!(pages, 2);
    // Refills read growing chunks: far fewer catalog requests than 1,054 / 2.
    let catalog_pages = delta(client.stats(), before).catalog_pages;
    assert!(catalog_pages <= 12, "{catalog_pages} catalog requests");
    let first = named::repositories(&client, 2, None, true, true).await.unwrap();
    assert_eq!(first.next.as_deref(), Some("mmm/base"));
    assert!(first.details.iter().all(|d| d.tag_count == 1));
}
