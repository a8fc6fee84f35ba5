//! Basic, Bearer (tokens per scope, cached) and TLS (custom CA, insecure) registries.

use app::backend::browse::TagQuery;
use app::backend::config::Secret;
use app::backend::registry::Credentials;
use app::model::{AppError, DeleteScope};
use rm_harness::registry::TEST_USER;
use rm_harness::{Flavour, ImageSpec, Registry};

use crate::common::{client, client_with, delta, named};

fn wrong_password() -> Credentials {
    Credentials::Basic { username: TEST_USER.to_owned(), password: Secret::new("not-the-password") }
}

#[tokio::test]
async fn basic_auth() {
    let registry = Registry::start(Flavour::Basic).await.unwrap();
    let image = registry.push_image("basic/app", "v1", &ImageSpec::default()).await.unwrap();
    registry.tag_manifest("basic/app", "v2", &image).await.unwrap();
    let client = client(&registry);
    let page = named::repositories(&client, 10, None, false, true).await.unwrap();
    assert_eq!(page.repositories, ["basic/app"]);
    let list = named::tags(&client, "basic/app", true, &TagQuery::default()).await.unwrap();
    assert_eq!(list.tags[0].digest.as_deref(), Some(image.digest.as_str()));
    named::delete_tag(&client, "basic/app", "v2", DeleteScope::Tag).await.unwrap();
    assert_eq!(registry.tags("basic/app").await.unwrap(), ["v1"]);
    // One 401 taught the client the scheme; every later request carried the credentials.
    let stats = client.stats();
    assert_eq!(stats.token_requests, 0);

    let anonymous = client_with(&registry.url(), Credentials::Anonymous, None, false);
    let refused = named::tags(&anonymous, "basic/app", false, &TagQuery::default()).await;
    assert!(
        matches!(&refused, Err(AppError::Upstream(m)) if m.contains("requires Basic authentication") && m.contains("REGISTRY_USERNAME")),
        "{refused:?}"
    );
    let wrong = client_with(&registry.url(), wrong_password(), None, false);
    let refused = named::tags(&wrong, "basic/app", false, &TagQuery::default()).await;
    assert!(
        matches!(&refused, Err(AppError::Upstream(m)) if m.contains("refused the configured credentials")),
        "{refused:?}"
    );
}

#[tokio::test]
async fn bearer_tokens_are_requested_once_per_scope() {
    let registry = Registry::start(Flavour::Bearer).await.unwrap();
    let spec = ImageSpec::default().created("2024-01-01T00:00:00Z");
    registry.push_many_tags("bearer/app", 20, &spec).await.unwrap();
    let client = client(&registry);

    let page = named::repositories(&client, 10, None, false, true).await.unwrap();
    assert_eq!(page.details[0].tag_count, 20);
    let list = named::tags(&client, "bearer/app", true, &TagQuery::default()).await.unwrap();
    assert!(list.tags.iter().all(|t| t.digest.is_some() && t.error.is_none()));
    // Two scopes so far: registry:catalog:* and repository:bearer/app:pull.
    let stats = client.stats();
    assert_eq!(stats.token_requests, 2, "{stats:?}");
    // The first catalog request was answered 401 (the client learnt the scheme) and retried with
    // a token; every later request carried a cached or fresh token up front: 2 catalog + 2 tag
    // lists (count, listing) + 20 manifests + 20 configs.
    assert_eq!(stats.requests, 2 + 2 + 20 + 20, "{stats:?}");
    assert_eq!((stats.catalog_pages, stats.tag_lists), (2, 2));

    let before = client.stats();
    // Past the window and the maximum staleness, digests are checked before the page answers.
    client.set_tag_cache_ttl(std::time::Duration::ZERO);
    client.set_tag_cache_max_stale(std::time::Duration::ZERO);
    named::tags(&client, "bearer/app", true, &TagQuery::default()).await.unwrap();
    let again = delta(client.stats(), before);
    assert_eq!((again.token_requests, again.requests), (0, 1 + 20), "cached token, HEADs only");

    // Deleting needs the push/delete scope: one more token.
    named::delete_tag(&client, "bearer/app", "tag-0000", DeleteScope::Image).await.unwrap();
    assert_eq!(client.stats().token_requests, 3);
    assert_eq!(registry.manifest_digest("bearer/app", "tag-0000").await.unwrap(), None);

    let wrong = client_with(&registry.url(), wrong_password(), None, false);
    let refused = named::tags(&wrong, "bearer/app", false, &TagQuery::default()).await;
    assert!(
        matches!(&refused, Err(AppError::Upstream(m)) if m.contains("refused the configured credentials")),
        "{refused:?}"
    );
}

#[tokio::test]
async fn tls_with_a_custom_ca_and_insecure() {
    let registry = Registry::start(Flavour::Tls).await.unwrap();
    let image = registry.push_image("tls/app", "v1", &ImageSpec::oci()).await.unwrap();
    assert!(registry.url().starts_with("https://"));

    let trusted = client(&registry);
    let list = named::tags(&trusted, "tls/app", true, &TagQuery::default()).await.unwrap();
    assert_eq!(list.tags[0].digest.as_deref(), Some(image.digest.as_str()));

    let untrusted = client_with(&registry.url(), Credentials::Anonymous, None, false);
    let refused = named::tags(&untrusted, "tls/app", false, &TagQuery::default()).await;
    assert!(
        matches!(&refused, Err(AppError::Upstream(m)) if m.to_string().to_lowercase().contains("certificate")),
        "{refused:?}"
    );

    let insecure = client_with(&registry.url(), Credentials::Anonymous, None, true);
    let detail = named::tag_detail(&insecure, "tls/app", "v1").await.unwrap();
    assert_eq!(detail.digest, image.digest);
}
