//! `GET /api/health` and the `/rpc/status` server function against real registries of every
//! flavour and the harness's private dockerd.

mod common;

use app::naming::arch_alias;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{dead_port, get_json, router, send};
use rm_harness::dockerd;
use rm_harness::registry::{Flavour, Registry};
use serde_json::Value;

async fn health(args: &[&str]) -> Value {
    let (status, body) = get_json(&router(args), "/api/health").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn plain_registry_and_private_daemon_are_healthy() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let docker = dockerd::shared().await.unwrap();
    let body = health(&["--registry-api-url", &registry.url(), "--docker-host", docker.host()]).await;

    // The original tool's four fields, with their meaning.
    assert_eq!(body["registry_api_url"], registry.url());
    assert_eq!(body["registry_push_host"], registry.host());
    assert_eq!(body["registry_healthy"], true, "{body}");
    assert_eq!(body["detected_arch"], arch_alias(std::env::consts::ARCH));
    // Additions.
    assert_eq!(body["registry_auth"], "none");
    assert_eq!(body["registry_error"], Value::Null);
    assert_eq!(body["docker_healthy"], true, "{body}");
    assert_eq!(body["docker_host"], docker.host());
    assert!(body["docker_version"].as_str().unwrap().contains("API 1."), "{body}");
}

#[tokio::test]
async fn a_dead_registry_port_and_a_missing_daemon_are_reported_with_reasons() {
    let url = format!("http://127.0.0.1:{}", dead_port());
    let body =
        health(&["--registry-api-url", &url, "--docker-host", "unix:///tmp/rmh-none/docker.sock"]).await;
    assert_eq!(body["registry_healthy"], false);
    let error = body["registry_error"].as_str().unwrap();
    assert!(error.starts_with(&format!("cannot reach the registry at {url}/v2/")), "{error}");
    assert!(error.to_lowercase().contains("connection refused"), "{error}");
    assert_eq!(body["docker_healthy"], false);
    let error = body["docker_error"].as_str().unwrap();
    assert!(error.contains("unix:///tmp/rmh-none/docker.sock"), "{error}");
}

#[tokio::test]
async fn basic_auth_needs_the_configured_credentials() {
    let registry = Registry::start(Flavour::Basic).await.unwrap();
    let (user, password) = registry.credentials().unwrap();
    let url = registry.url();

    let body =
        health(&["--registry-api-url", &url, "--registry-username", &user, "--registry-password", &password])
            .await;
    assert_eq!(
        (body["registry_healthy"].clone(), body["registry_auth"].clone()),
        (true.into(), "basic".into()),
        "{body}"
    );
    assert_eq!(body["registry_credentials_configured"], true);

    let body = health(&["--registry-api-url", &url]).await;
    assert_eq!(body["registry_healthy"], false);
    assert_eq!(body["registry_auth"], "basic");
    let error = body["registry_error"].as_str().unwrap();
    assert!(
        error.contains("requires Basic authentication") && error.contains("REGISTRY_USERNAME"),
        "{error}"
    );

    let body =
        health(&["--registry-api-url", &url, "--registry-username", &user, "--registry-password", "wrong"])
            .await;
    assert_eq!(body["registry_healthy"], false);
    let error = body["registry_error"].as_str().unwrap();
    assert!(error.contains("refused the configured credentials"), "{error}");
    assert!(!error.contains("wrong"), "the password must not leak: {error}");
}

#[tokio::test]
async fn bearer_auth_goes_through_the_token_service() {
    let registry = Registry::start(Flavour::Bearer).await.unwrap();
    let (user, password) = registry.credentials().unwrap();
    let url = registry.url();

    let body =
        health(&["--registry-api-url", &url, "--registry-username", &user, "--registry-password", &password])
            .await;
    assert_eq!(body["registry_healthy"], true, "{body}");
    assert_eq!(body["registry_auth"], "bearer");

    let body = health(&["--registry-api-url", &url]).await;
    assert_eq!(body["registry_healthy"], false);
    assert_eq!(body["registry_auth"], "bearer");
    let error = body["registry_error"].as_str().unwrap();
    assert!(error.contains("REGISTRY_USERNAME"), "{error}");

    let body =
        health(&["--registry-api-url", &url, "--registry-username", &user, "--registry-password", "wrong"])
            .await;
    assert_eq!(body["registry_healthy"], false);
    assert!(
        body["registry_error"].as_str().unwrap().contains("refused the configured credentials"),
        "{body}"
    );
}

#[tokio::test]
async fn tls_registries_need_their_ca_or_the_insecure_switch() {
    let registry = Registry::start(Flavour::Tls).await.unwrap();
    let url = registry.url();
    assert!(url.starts_with("https://"));
    let ca = registry.ca_cert_path().unwrap().to_str().unwrap().to_owned();

    let body = health(&["--registry-api-url", &url, "--registry-ca-cert", &ca]).await;
    assert_eq!(body["registry_healthy"], true, "{body}");

    let body = health(&["--registry-api-url", &url]).await;
    assert_eq!(body["registry_healthy"], false);
    let error = body["registry_error"].as_str().unwrap().to_lowercase();
    assert!(error.contains("certificate") || error.contains("unknownissuer"), "{error}");

    let body = health(&["--registry-api-url", &url, "--registry-insecure"]).await;
    assert_eq!(body["registry_healthy"], true, "{body}");
}

#[tokio::test]
async fn the_status_server_function_answers_under_rpc() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let app =
        router(&["--registry-api-url", &registry.url(), "--docker-host", "unix:///tmp/rmh-none/docker.sock"]);
    let request = Request::post("/rpc/status")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(Body::empty())
        .unwrap();
    let (status, content_type, body) = send(&app, request).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert!(content_type.starts_with("application/json"), "{content_type}");
    let health: app::model::Health = serde_json::from_slice(&body).unwrap();
    assert!(health.registry_healthy);
    assert_eq!(health.registry_api_url, registry.url());
    assert!(!health.docker_healthy);
}
