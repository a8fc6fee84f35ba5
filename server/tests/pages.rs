//! Server-rendered pages and the split between `/api` (REST) and `/rpc` (server functions).

mod common;

use axum::http::StatusCode;
use common::{dead_port, get, get_json, router};
use rm_harness::registry::{Flavour, Registry};

#[tokio::test]
async fn pages_render_the_navigation_and_load_the_wasm() {
    let app = router(&["--registry-api-url", &format!("http://127.0.0.1:{}", dead_port())]);
    for path in ["/", "/local-images", "/jobs", "/status"] {
        let (status, content_type, body) = get(&app, path).await;
        let html = String::from_utf8(body).unwrap();
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(content_type.starts_with("text/html"), "{path}: {content_type}");
        assert!(html.contains(r#"<nav aria-label="Main""#), "{path}: {html}");
        for (href, label) in [
            ("/", "Repositories"),
            ("/local-images", "Local images"),
            ("/jobs", "Jobs"),
            ("/status", "Status"),
        ] {
            assert!(
                html.contains(&format!(r#"href="{href}""#)) && html.contains(label),
                "{path}: link {label}"
            );
        }
        assert!(html.contains("/pkg/registry-manager.js"), "{path}: hydration script missing");
        // Guards the WASM name: built without LEPTOS_OUTPUT_NAME, leptos asks for `…_bg.wasm`,
        // which cargo-leptos does not produce, and the page never hydrates.
        assert!(html.contains(r#"href="/pkg/registry-manager.wasm""#), "{path}: wrong WASM file name");
        assert!(html.contains("/pkg/registry-manager.css"), "{path}: stylesheet missing");
    }
}

#[tokio::test]
async fn the_status_page_is_rendered_with_its_data_on_the_server() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let app =
        router(&["--registry-api-url", &registry.url(), "--docker-host", "unix:///tmp/rmh-none/docker.sock"]);
    let (status, _, body) = get(&app, "/status").await;
    let html = String::from_utf8(body).unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&registry.url()), "{html}");
    assert!(html.contains("Reachable") && html.contains("Unreachable"), "{html}");
}

#[tokio::test]
async fn unknown_paths_are_404_for_pages_and_for_the_api() {
    let app = router(&[]);
    let (status, _, body) = get(&app, "/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(String::from_utf8(body).unwrap().contains("Page not found"));

    let (status, body) = get_json(&app, "/api/no-such-route").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
    assert_eq!(body["code"], "no_such_api_route", "{body}");
}
