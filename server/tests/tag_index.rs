//! The tag count index under `DATA_DIR` (issue 15, cold browsing) against a real registry: it
//! survives a restart (a new server over the same `DATA_DIR` walks the non-empty repositories
//! without a tag-list request each), is revalidated (a repository emptied behind the app's back
//! disappears after the refresh), and follows the app's own changes at once.

mod common;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::{NO_DOCKER, TestApp, app_for, delete_json, get_json};
use rm_harness::ImageSpec;
use rm_harness::registry::{Flavour, Registry};
use serde_json::Value;

/// `GET /api/repositories?non_empty_only=true&details=true`: the names, and the whole answer.
async fn non_empty(app: &TestApp) -> (Vec<String>, Value) {
    let (status, page) = get_json(app, "/api/repositories?n=100&non_empty_only=true&details=true").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let names =
        page["repositories"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_owned()).collect();
    (names, page)
}

/// Waits (20 s at most) until the index has no revalidation running and nothing left to write.
async fn settled(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while app.state.tag_index.busy() {
        assert!(Instant::now() < deadline, "the tag count index is still busy");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn emptied_elsewhere(registry: &Registry, repository: &str) {
    let digest = registry.manifest_digest(repository, "v1").await.unwrap().expect("the tag exists");
    let status = registry.delete_manifest(repository, &digest).await.unwrap();
    assert!(status.is_success(), "DELETE {repository}@{digest}: {status}");
}

#[tokio::test]
async fn the_index_survives_a_restart_and_is_revalidated() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    for repository in ["app/api", "app/web", "tools/cli", "gone/old"] {
        registry.push_image(repository, "v1", &ImageSpec::docker().label("repo", repository)).await.unwrap();
    }
    emptied_elsewhere(&registry, "gone/old").await;
    let data_dir = tempfile::tempdir().unwrap();
    let data = data_dir.path().to_str().unwrap().to_owned();
    // A 2 s window: the counts the first server records are old by the time the second starts,
    // as after any real downtime.
    let args = ["--data-dir", data.as_str(), "--tag-cache-ttl-sec", "2"];

    // First server: an empty index, so every repository's tags are listed (and recorded).
    let first = app_for(&registry, NO_DOCKER, &args);
    let before = first.state.registry.stats();
    let (names, page) = non_empty(&first).await;
    assert_eq!(names, ["app/api", "app/web", "tools/cli"]);
    assert_eq!(page["refreshing"], false, "{page}");
    assert_eq!(first.state.registry.stats().since(&before).tag_lists, 4);
    settled(&first).await;
    drop(first);

    // Emptied behind the app's back while no server ran.
    emptied_elsewhere(&registry, "app/web").await;
    tokio::time::sleep(Duration::from_millis(2100)).await;

    // A new server over the same DATA_DIR: the walk asks the registry for the catalog only, and
    // says that the counts it used are being checked.
    let second = app_for(&registry, NO_DOCKER, &args);
    let before = second.state.registry.stats();
    let (names, page) = non_empty(&second).await;
    let walk = second.state.registry.stats().since(&before);
    assert_eq!((walk.catalog_pages, walk.tag_lists), (1, 0), "{walk:?}");
    assert_eq!(names, ["app/api", "app/web", "tools/cli"], "the counts kept on disk, until revalidated");
    assert_eq!(page["refreshing"], true, "{page}");
    assert_eq!(page["details"][0], serde_json::json!({"name": "app/api", "tag_count": 1}));

    // After the background refresh, the emptied repository is gone and the answer is checked.
    settled(&second).await;
    let (names, page) = non_empty(&second).await;
    assert_eq!(names, ["app/api", "tools/cli"]);
    assert_eq!(page["refreshing"], false, "{page}");
    settled(&second).await;
    drop(second);

    // What the refresh learned was kept too: a third server agrees at once.
    let third = app_for(&registry, NO_DOCKER, &args);
    let (names, _) = non_empty(&third).await;
    assert_eq!(names, ["app/api", "tools/cli"]);
}

#[tokio::test]
async fn the_apps_own_changes_update_the_index_at_once_and_across_a_restart() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    for repository in ["shop/web", "shop/db"] {
        registry.push_image(repository, "v1", &ImageSpec::oci().label("repo", repository)).await.unwrap();
    }
    let data_dir = tempfile::tempdir().unwrap();
    let data = data_dir.path().to_str().unwrap().to_owned();
    let args = ["--data-dir", data.as_str()];
    let app = app_for(&registry, NO_DOCKER, &args);
    assert_eq!(non_empty(&app).await.0, ["shop/db", "shop/web"]);

    // Deleted through the app: hidden on the next walk, within the window, without a refresh.
    let (status, body) = delete_json(&app, "/api/repositories/shop/web").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (names, page) = non_empty(&app).await;
    assert_eq!(names, ["shop/db"]);
    assert_eq!(page["refreshing"], false, "{page}");
    settled(&app).await;
    drop(app);

    // A new server does not bring the deleted repository back from disk.
    let again = app_for(&registry, NO_DOCKER, &args);
    assert_eq!(non_empty(&again).await.0, ["shop/db"]);
}

#[tokio::test]
async fn a_job_writing_tags_into_an_empty_repository_shows_it_at_once() {
    let (source, target) =
        tokio::try_join!(Registry::start(Flavour::Plain), Registry::start(Flavour::Plain)).unwrap();
    for repository in ["team/app", "team/other"] {
        target.push_image(repository, "v1", &ImageSpec::docker().label("repo", repository)).await.unwrap();
    }
    emptied_elsewhere(&target, "team/app").await;
    source.push_image("team/app", "v2", &ImageSpec::oci().layers(&[300])).await.unwrap();
    let app = app_for(&target, NO_DOCKER, &["--source-registries", &source.host()]);
    assert_eq!(non_empty(&app).await.0, ["team/other"], "indexed with no tags");

    // The sync writes through our registry client: the count it knew is dropped, not waited out.
    let source_image = format!("{}/team/app:v2", source.host());
    let job =
        common::start(&app, "/api/sync-jobs", serde_json::json!({ "source_image": source_image })).await;
    assert_eq!(job["state"], "succeeded", "{job:#}");
    let (names, page) = non_empty(&app).await;
    assert_eq!(names, ["team/app", "team/other"]);
    assert_eq!(page["refreshing"], false, "{page}");
}

/// A page rendered on the server, in the language `accept_language` asks for.
async fn page(app: &TestApp, path: &str, accept_language: &str) -> String {
    let request = axum::http::Request::get(path)
        .header("accept", "text/html")
        .header("accept-language", accept_language)
        .body(axum::body::Body::empty())
        .unwrap();
    let (status, _, body) = common::send(app, request).await;
    let html = String::from_utf8(body).unwrap();
    assert_eq!(status, StatusCode::OK, "{path}: {html}");
    html
}

/// Whether the page shows `text` (as rendered: `'` may be escaped).
fn shows(html: &str, text: &str) -> bool {
    html.contains(text)
        || html.contains(&text.replace('\'', "&#x27;"))
        || html.contains(&text.replace('\'', "&#39;"))
}

#[tokio::test]
async fn pages_say_when_what_they_show_is_being_refreshed() {
    use app::ui::strings::{EN, ZH_CN};
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    registry.push_image("team/app", "v1", &ImageSpec::docker()).await.unwrap();
    // A zero window: whatever was read once is stale on the next view.
    let app = app_for(&registry, NO_DOCKER, &["--tag-cache-ttl-sec", "0"]);
    let first = page(&app, "/repositories/team/app", "en-US").await;
    assert!(first.contains("v1") && !shows(&first, EN.tags_refreshing), "read fresh: {first}");
    let again = page(&app, "/repositories/team/app", "en-US").await;
    assert!(shows(&again, EN.tags_refreshing), "{again}");
    let chinese = page(&app, "/repositories/team/app", "zh-CN").await;
    assert!(shows(&chinese, ZH_CN.tags_refreshing), "{chinese}");

    let first = page(&app, "/?non_empty=1", "en-US").await;
    assert!(first.contains("team/app") && !shows(&first, EN.repositories_refreshing), "{first}");
    let again = page(&app, "/?non_empty=1", "zh-CN").await;
    assert!(shows(&again, ZH_CN.repositories_refreshing), "{again}");
}

/// The tag's digest and the page's `refreshing` flag, from the repository's tag list with details.
async fn digest_of(app: &TestApp, repository: &str, tag: &str) -> (String, bool) {
    let (status, page) = get_json(app, &format!("/api/repositories/{repository}/tags?details=true")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let row = page["tags"].as_array().unwrap().iter().find(|t| t["tag"] == tag).expect("the tag is listed");
    (row["digest"].as_str().unwrap().to_owned(), page["refreshing"] == true)
}

#[tokio::test]
async fn a_tag_pushed_again_elsewhere_is_served_stale_once_then_as_the_background_revalidation_found_it() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let old = registry.push_image("team/app", "v1", &ImageSpec::docker().seed(1)).await.unwrap();
    registry.push_image("team/app", "v2", &ImageSpec::docker().seed(2)).await.unwrap();
    // A zero window: every digest read once is stale (and revalidated) on the next view.
    let app = app_for(&registry, NO_DOCKER, &["--tag-cache-ttl-sec", "0"]);
    assert_eq!(digest_of(&app, "team/app", "v1").await, (old.digest.clone(), false), "read fresh");
    let new = registry.push_image("team/app", "v1", &ImageSpec::docker().seed(3)).await.unwrap();
    assert_ne!(new.digest, old.digest);
    assert_eq!(
        digest_of(&app, "team/app", "v1").await,
        (old.digest.clone(), true),
        "served as it was, and said to be refreshing"
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while app.state.registry.revalidations_pending() > 0 {
        assert!(Instant::now() < deadline, "the background revalidation did not finish");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (digest, _) = digest_of(&app, "team/app", "v1").await;
    assert_eq!(digest, new.digest, "the revalidation found the tag's new digest");
}
