//! The browsing and deletion REST routes (and their server functions) against real registries.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{NO_DOCKER, app_for, delete_json, get_json, send};
use rm_harness::registry::{Flavour, Registry};
use rm_harness::{ImageSpec, ManifestFormat};
use serde_json::Value;

#[tokio::test]
async fn the_catalog_pages_with_next_and_shows_nested_names() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    for repo in ["alpha", "team/app/api", "x86/nginx"] {
        registry.push_image(repo, "v1", &ImageSpec::docker()).await.unwrap();
    }
    let app = app_for(&registry, NO_DOCKER, &[]);
    let (status, first) = get_json(&app, "/api/repositories?n=2").await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["repositories"], serde_json::json!(["alpha", "team/app/api"]));
    let next = first["next"].as_str().expect("a next page").to_owned();
    let (_, second) = get_json(&app, &format!("/api/repositories?n=2&last={next}")).await;
    assert_eq!(second["repositories"], serde_json::json!(["x86/nginx"]));
    assert_eq!(second["next"], Value::Null);

    // MAX_CATALOG_RESULTS caps n.
    let capped = app_for(&registry, NO_DOCKER, &["--max-catalog-results", "1"]);
    let (_, page) = get_json(&capped, "/api/repositories?n=500").await;
    assert_eq!(page["repositories"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn tags_with_details_cover_docker_oci_and_multi_arch() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let docker =
        registry.push_image("team/app/api", "docker", &ImageSpec::docker().layers(&[2048])).await.unwrap();
    let oci =
        registry.push_image("team/app/api", "oci", &ImageSpec::oci().layers(&[1024, 1024])).await.unwrap();
    let index = registry
        .push_index(
            "team/app/api",
            "multi",
            &[ImageSpec::oci(), ImageSpec::oci().arch("arm64")],
            ManifestFormat::Oci,
        )
        .await
        .unwrap();
    let app = app_for(&registry, NO_DOCKER, &[]);
    let (status, body) = get_json(&app, "/api/repositories/team/app/api/tags?details=true").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["repository"], "team/app/api");
    let tags = body["tags"].as_array().unwrap();
    let by_name = |name: &str| {
        tags.iter().find(|t| t["tag"] == name).unwrap_or_else(|| panic!("{name} missing: {body}"))
    };

    assert_eq!(by_name("docker")["digest"], docker.digest.as_str());
    assert_eq!(by_name("docker")["media_type"], "application/vnd.docker.distribution.manifest.v2+json");
    assert_eq!(by_name("docker")["size_bytes"], docker.size);
    assert_eq!(by_name("oci")["digest"], oci.digest.as_str());
    assert_eq!(by_name("oci")["media_type"], "application/vnd.oci.image.manifest.v1+json");
    let multi = by_name("multi");
    assert_eq!(multi["digest"], index.digest.as_str());
    assert_eq!(multi["kind"], "index");
    let platforms: Vec<&str> =
        multi["platforms"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert!(
        platforms.contains(&"linux/amd64") && platforms.iter().any(|p| p.starts_with("linux/arm64")),
        "{multi}"
    );
    assert!(multi["created_at"].is_string(), "{multi}");

    let (status, detail) = get_json(&app, "/api/repositories/team/app/api/tags/multi").await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(detail["images"].as_array().unwrap().len(), 2, "{detail}");
}

#[tokio::test]
async fn deleting_one_tag_keeps_its_siblings_and_image_scope_removes_all() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let image = registry.push_image("shop/web", "v1", &ImageSpec::docker()).await.unwrap();
    registry.tag_manifest("shop/web", "latest", &image).await.unwrap();
    registry.tag_manifest("shop/web", "stable", &image).await.unwrap();
    let app = app_for(&registry, NO_DOCKER, &[]);

    let (status, body) = delete_json(&app, "/api/repositories/shop/web/tags/v1?scope=tag").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["deleted"], true);
    assert_eq!(body["digest"], image.digest.as_str());
    assert_eq!(body["removed_tags"], serde_json::json!(["v1"]));
    assert_eq!(registry.manifest_digest("shop/web", "v1").await.unwrap(), None);
    for sibling in ["latest", "stable"] {
        assert_eq!(
            registry.manifest_digest("shop/web", sibling).await.unwrap().as_deref(),
            Some(image.digest.as_str())
        );
    }

    let (status, body) = delete_json(&app, "/api/repositories/shop/web/tags/latest?scope=image").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut removed: Vec<&str> =
        body["removed_tags"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    removed.sort();
    assert_eq!(removed, ["latest", "stable"]);
    assert!(registry.tags("shop/web").await.unwrap().is_empty());
}

#[tokio::test]
async fn bad_names_are_400_and_read_only_refuses_deletes() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    registry.push_image("shop/web", "v1", &ImageSpec::docker()).await.unwrap();
    let app = app_for(&registry, NO_DOCKER, &[]);
    let (status, body) = get_json(&app, "/api/repositories/Shop_Web/tags").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "ref_upper_case", "{body}");
    assert!(body["detail"].as_str().unwrap().to_lowercase().contains("repository name"), "{body}");
    let (status, body) = delete_json(&app, "/api/repositories/shop/web/tags/bad:tag").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let read_only = app_for(&registry, NO_DOCKER, &["--read-only"]);
    let (status, body) = delete_json(&read_only, "/api/repositories/shop/web/tags/v1").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "read_only", "{body}");
    assert!(body["detail"].as_str().unwrap().contains("READ_ONLY"), "{body}");
    assert!(registry.manifest_digest("shop/web", "v1").await.unwrap().is_some());
}

#[tokio::test]
async fn a_repository_delete_checks_a_confirmation_that_is_sent() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    registry.push_image("shop/web", "v1", &ImageSpec::docker()).await.unwrap();
    registry.push_image("shop/web", "v2", &ImageSpec::oci()).await.unwrap();
    registry.push_image("shop/old", "v1", &ImageSpec::docker()).await.unwrap();
    let app = app_for(&registry, NO_DOCKER, &[]);
    let (status, body) = delete_json(&app, "/api/repositories/shop/web?confirm=shop").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "confirm_repository_delete", "{body}");
    assert!(body["detail"].as_str().unwrap().contains("\"shop/web\""), "{body}");
    assert_eq!(registry.tags("shop/web").await.unwrap().len(), 2);

    // REST keeps the original's request: a script holding an admin token may omit the phrase
    // (the UI's server function may not; see server_functions.rs).
    let (status, body) = delete_json(&app, "/api/repositories/shop/old").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(registry.tags("shop/old").await.unwrap().is_empty());

    let (status, body) = delete_json(&app, "/api/repositories/shop/web?confirm=shop/web").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(registry.tags("shop/web").await.unwrap().is_empty());
    // The repository stays in the catalog; the non-empty filter hides it.
    let (_, page) = get_json(&app, "/api/repositories?non_empty_only=true").await;
    assert!(!page["repositories"].as_array().unwrap().iter().any(|r| r == "shop/web"), "{page}");
}

#[tokio::test]
async fn deletion_disabled_is_explained_and_changes_nothing() {
    let registry = Registry::builder().flavour(Flavour::Plain).delete_enabled(false).start().await.unwrap();
    let image = registry.push_image("shop/web", "v1", &ImageSpec::docker()).await.unwrap();
    registry.tag_manifest("shop/web", "latest", &image).await.unwrap();
    let app = app_for(&registry, NO_DOCKER, &[]);
    for scope in ["tag", "image"] {
        let (status, body) =
            delete_json(&app, &format!("/api/repositories/shop/web/tags/v1?scope={scope}")).await;
        assert!(status.is_client_error() || status.is_server_error(), "{scope}: {status} {body}");
        assert!(body["detail"].as_str().unwrap().contains("REGISTRY_STORAGE_DELETE_ENABLED"), "{body}");
    }
    for tag in ["v1", "latest"] {
        assert_eq!(
            registry.manifest_digest("shop/web", tag).await.unwrap().as_deref(),
            Some(image.digest.as_str())
        );
    }
}

#[tokio::test]
async fn the_tags_server_function_sorts_over_the_whole_repository() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    for (tag, created) in
        [("b", "2024-01-02T00:00:00Z"), ("a", "2024-01-03T00:00:00Z"), ("c", "2024-01-01T00:00:00Z")]
    {
        registry.push_image("sorted", tag, &ImageSpec::docker().created(created)).await.unwrap();
    }
    let app = app_for(&registry, NO_DOCKER, &[]);
    let request = Request::post("/rpc/tags")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("repository=sorted&sort=created&descending=true&offset=0&limit=2"))
        .unwrap();
    let (status, _, body) = send(&app, request).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let list: app::model::TagList = serde_json::from_slice(&body).unwrap();
    assert_eq!(list.total, 3);
    let names: Vec<&str> = list.tags.iter().map(|t| t.tag.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
}

#[tokio::test]
async fn the_filter_searches_the_whole_catalog_page_by_page() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    for repo in ["a/web", "b/api", "c/api", "d/web-admin", "e/db", "g/webshop"] {
        registry.push_image(repo, "v1", &ImageSpec::docker()).await.unwrap();
    }
    let app = app_for(&registry, NO_DOCKER, &[]);
    // Two per page: the matches are spread over the catalog, so the server reads on to fill a page.
    let (status, first) = get_json(&app, "/api/repositories?n=2&filter=WEB").await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["repositories"], serde_json::json!(["a/web", "d/web-admin"]));
    let next = first["next"].as_str().expect("more matches follow");
    let (_, second) = get_json(&app, &format!("/api/repositories?n=2&filter=web&last={next}")).await;
    assert_eq!(second["repositories"], serde_json::json!(["g/webshop"]), "{second}");
    assert_eq!(second["next"], Value::Null);
}
