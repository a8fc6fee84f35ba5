//! Invalid input is refused before any registry call, with the rule that was broken; missing
//! things are 404s.

use app::backend::browse::{self, RepositoryQuery, TagQuery};
use app::backend::registry::Credentials;
use app::backend::registry::reference::{Reference, ReferenceError, RepositoryName};
use app::model::{AppError, DeleteScope};
use rm_harness::{Flavour, ImageSpec, Registry};

use crate::common::{bad_request, client, client_with, named};

#[tokio::test]
async fn invalid_names_tags_and_digests_are_refused_naming_the_rule_before_any_request() {
    // Names are parsed before a browse function can be called at all: each broken rule is its own
    // variant, and the message the user gets names it.
    let name = |s: &str| s.parse::<RepositoryName>().unwrap_err();
    let reference = |s: &str| s.parse::<Reference>().unwrap_err();
    assert!(matches!(name("Team/App"), ReferenceError::UpperCase { .. }));
    assert!(matches!(name("a//b"), ReferenceError::EmptyComponent { .. }));
    assert!(matches!(name("a/-b"), ReferenceError::ComponentEdge { .. }));
    assert!(matches!(name("a..b"), ReferenceError::Separator { separator, .. } if separator == ".."));
    assert!(matches!(name(&"a".repeat(256)), ReferenceError::RepositoryTooLong { len: 256 }));
    assert!(matches!(name("a b"), ReferenceError::Character { character: ' ', .. }));
    assert!(matches!(reference(".hidden"), ReferenceError::TagStart { first: '.', .. }));
    assert!(matches!(reference("a/b"), ReferenceError::TagCharacter { character: '/', .. }));
    assert!(matches!(reference(&"t".repeat(129)), ReferenceError::TagTooLong { len: 129 }));
    assert!(matches!(reference("sha256:1234"), ReferenceError::Digest { .. }));
    // As the service layer answers them: a 400 with the rule.
    let refused: AppError = name("Team/App").into();
    assert!(matches!(&refused, AppError::BadRequest(m) if m.contains("upper-case letters")), "{refused:?}");

    // What is left to check inside browse is refused before any registry call too. Nothing
    // listens here: a request that got through would be an Upstream error, not a 400.
    let port = rm_harness::free_port().unwrap();
    let client = client_with(&format!("http://127.0.0.1:{port}"), Credentials::Anonymous, None, false);
    let bad_last = RepositoryQuery { last: Some("Bad".into()), ..RepositoryQuery::default() };
    let data_dir = tempfile::tempdir().unwrap();
    let db = app::backend::store::Db::open(data_dir.path()).unwrap();
    let index = browse::TagIndex::new(db, &client, app::backend::registry::DEFAULT_TAG_TTL);
    let message = bad_request(browse::repositories(&client, &index, &bad_last, 10).await);
    assert!(
        message.contains("`last` is not a repository name") && message.contains("upper-case"),
        "{message}"
    );
    let digest: Reference = format!("sha256:{}", "a".repeat(64)).parse().unwrap();
    let message =
        bad_request(browse::delete_tag(&client, &"ok".parse().unwrap(), &digest, DeleteScope::Tag).await);
    assert!(message.contains("scope=image"), "{message}");
    assert_eq!(client.stats().requests, 0);
}

#[tokio::test]
async fn missing_repositories_and_tags_are_not_found_and_an_absent_registry_is_upstream() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    registry.push_image("here/app", "v1", &ImageSpec::default()).await.unwrap();
    let client = client(&registry);
    let q = TagQuery::default();
    let missing = named::tags(&client, "not/here", true, &q).await;
    assert!(matches!(&missing, Err(AppError::NotFound(m)) if m.contains("`not/here`")), "{missing:?}");
    let missing = named::tag_detail(&client, "here/app", "v2").await;
    assert!(matches!(&missing, Err(AppError::NotFound(m)) if m.contains("`v2`")), "{missing:?}");
    let missing = named::tag_detail(&client, "here/app", &format!("sha256:{}", "0".repeat(64))).await;
    assert!(matches!(missing, Err(AppError::NotFound(_))), "{missing:?}");
    let missing = named::delete_tag(&client, "here/app", "v2", DeleteScope::Tag).await;
    assert!(matches!(missing, Err(AppError::NotFound(_))), "{missing:?}");

    let port = rm_harness::free_port().unwrap();
    let absent = client_with(&format!("http://127.0.0.1:{port}"), Credentials::Anonymous, None, false);
    let down = named::repositories(&absent, 10, None, false, false).await;
    assert!(matches!(&down, Err(AppError::Upstream(m)) if m.contains("cannot reach")), "{down:?}");
}

// Guards the typed answers (issue 14): what a registry names is parsed like user input, so a
// listed name that is not a tag is left out, and a digest header that is not a digest is the
// registry's protocol error, never passed on as a digest.
#[tokio::test]
async fn off_spec_tag_names_are_left_out_and_off_spec_digests_are_protocol_errors() {
    use app::backend::registry::RegistryError;
    use app::backend::registry::reference::Tag;
    use rm_harness::hostile::{Behaviour, HostileRegistry};

    let hostile = HostileRegistry::start(Behaviour::OffSpecNames).unwrap();
    let client = client_with(&hostile.url(), Credentials::Anonymous, None, false);
    let repository: RepositoryName = "off/spec".parse().unwrap();
    let tags = client.list_tags(&repository).await.unwrap();
    assert_eq!(tags, ["v1"]);
    let v1: &Tag = &tags[0];
    let head = client.tag_digest(&repository, v1, true).await;
    assert!(matches!(head, Err(RegistryError::Protocol { .. })), "{head:?}");
}
