//! Invalid input is refused before any registry call, with the rule that was broken; missing
//! things are 404s.

use app::backend::browse::{self, TagQuery};
use app::backend::registry::Credentials;
use app::model::{AppError, DeleteScope};
use rm_harness::{Flavour, ImageSpec, Registry};

use crate::common::{bad_request, client, client_with};

#[tokio::test]
async fn invalid_names_tags_and_digests_are_bad_requests_naming_the_rule() {
    // Nothing listens here: a request that got through would be an Upstream error, not a 400.
    let port = rm_harness::free_port().unwrap();
    let client = client_with(&format!("http://127.0.0.1:{port}"), Credentials::Anonymous, None, false);
    let q = TagQuery::default();
    let cases: Vec<(String, &str)> = vec![
        (bad_request(browse::repositories(&client, 0, None, false, false).await), "at least 1"),
        (bad_request(browse::repositories(&client, 10, Some("Bad"), false, false).await), "upper-case"),
        (bad_request(browse::tags(&client, "Team/App", false, &q).await), "upper-case letters"),
        (bad_request(browse::tags(&client, "a//b", false, &q).await), "empty path component"),
        (bad_request(browse::tags(&client, "a/-b", false, &q).await), "start and end with a letter or digit"),
        (bad_request(browse::tags(&client, "a..b", false, &q).await), "separator `..`"),
        (bad_request(browse::tags(&client, &"a".repeat(256), false, &q).await), "at most 255"),
        (bad_request(browse::tag_detail(&client, "ok", ".hidden").await), "starts with `.`"),
        (bad_request(browse::tag_detail(&client, "ok", "a/b").await), "contains `/`"),
        (bad_request(browse::tag_detail(&client, "ok", &"t".repeat(129)).await), "at most 128"),
        (bad_request(browse::tag_detail(&client, "ok", "sha256:1234").await), "not a valid digest"),
        (bad_request(browse::delete_tag(&client, "ok", "bad tag", DeleteScope::Image).await), "contains ` `"),
        (
            bad_request(
                browse::delete_tag(&client, "ok", &format!("sha256:{}", "a".repeat(64)), DeleteScope::Tag)
                    .await,
            ),
            "scope=image",
        ),
        (bad_request(browse::delete_repository(&client, "a b").await), "contains ` `"),
    ];
    for (message, rule) in cases {
        assert!(message.contains(rule), "{message:?} should name {rule:?}");
    }
    assert_eq!(client.stats().requests, 0);
}

#[tokio::test]
async fn missing_repositories_and_tags_are_not_found_and_an_absent_registry_is_upstream() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    registry.push_image("here/app", "v1", &ImageSpec::default()).await.unwrap();
    let client = client(&registry);
    let q = TagQuery::default();
    let missing = browse::tags(&client, "not/here", true, &q).await;
    assert!(matches!(&missing, Err(AppError::NotFound(m)) if m.contains("`not/here`")), "{missing:?}");
    let missing = browse::tag_detail(&client, "here/app", "v2").await;
    assert!(matches!(&missing, Err(AppError::NotFound(m)) if m.contains("`v2`")), "{missing:?}");
    let missing = browse::tag_detail(&client, "here/app", &format!("sha256:{}", "0".repeat(64))).await;
    assert!(matches!(missing, Err(AppError::NotFound(_))), "{missing:?}");
    let missing = browse::delete_tag(&client, "here/app", "v2", DeleteScope::Tag).await;
    assert!(matches!(missing, Err(AppError::NotFound(_))), "{missing:?}");

    let port = rm_harness::free_port().unwrap();
    let absent = client_with(&format!("http://127.0.0.1:{port}"), Credentials::Anonymous, None, false);
    let down = browse::repositories(&absent, 10, None, false, false).await;
    assert!(matches!(&down, Err(AppError::Upstream(m)) if m.contains("cannot reach")), "{down:?}");
}
