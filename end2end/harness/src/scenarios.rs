//! Named fixture sets the Playwright suite relies on, pushed into the `env` registry before the
//! state file is written. Each spec owns its repositories, so specs can run in parallel and
//! change what they own (delete tags) without disturbing each other.

use anyhow::Result;
use serde_json::{Value, json};

use crate::{ImageSpec, ManifestFormat, Registry};

/// A label value with markup: the UI must show it as text.
pub const HTML_LABEL: &str = "<b>bold</b><script>window.injected=1</script>";

/// Pushes the browsing fixtures and returns what the specs need to know about them.
pub async fn seed_browse(registry: &Registry) -> Result<Value> {
    // Filler repositories across namespaces, for filtering and grouping.
    for repo in ["x86/nginx", "arm/nginx", "prod/api", "prod/worker"] {
        registry.push_image(repo, "latest", &ImageSpec::docker()).await?;
    }

    // The repository the browse → sort → detail → delete flow walks through.
    let repo = "e2e/browse/web";
    let old = registry
        .push_image(repo, "v1", &ImageSpec::docker().layers(&[4096]).created("2024-01-01T10:00:00Z"))
        .await?;
    let new = registry
        .push_image(
            repo,
            "v2",
            &ImageSpec::oci()
                .layers(&[2048, 8192])
                .created("2024-03-01T10:00:00Z")
                .label("org.example.note", HTML_LABEL),
        )
        .await?;
    registry.tag_manifest(repo, "stable", &new).await?;
    let multi = registry
        .push_index(
            repo,
            "multi",
            &[
                ImageSpec::oci().created("2024-02-01T10:00:00Z"),
                ImageSpec::oci().arch("arm64").created("2024-02-01T10:00:00Z"),
            ],
            ManifestFormat::Oci,
        )
        .await?;

    // A repository the repository-delete flow removes.
    let doomed = "e2e/browse/delete-me";
    registry.push_image(doomed, "v1", &ImageSpec::docker()).await?;
    registry.push_image(doomed, "v2", &ImageSpec::docker()).await?;

    Ok(json!({
        "repository": repo,
        "v1_digest": old.digest,
        "v2_digest": new.digest,
        "multi_digest": multi.digest,
        "html_label": HTML_LABEL,
        "delete_repository": doomed,
    }))
}

/// Loads the local-image fixtures into the `env` dockerd: two images for the push flow, and for
/// the delete flow one image under two tags (one image ID) next to an unrelated one.
pub async fn seed_local(dockerd: &crate::Dockerd) -> Result<Value> {
    let web = "e2e/local/web:1.0";
    let api = "e2e/local/api:2.0";
    dockerd.load_image(web, &ImageSpec::docker().layers(&[4096]).seed(11)).await?;
    dockerd.load_image(api, &ImageSpec::docker().layers(&[8192]).seed(12)).await?;
    let shared_a = "e2e/local/shared:a";
    let shared_b = "e2e/local/shared:b";
    let shared_id = dockerd.load_image(shared_a, &ImageSpec::docker().layers(&[1024]).seed(13)).await?;
    dockerd.cli_ok(&["tag", shared_a, shared_b]).await?;
    let other = "e2e/local/other:1";
    dockerd.load_image(other, &ImageSpec::docker().arch("arm64").layers(&[1024]).seed(14)).await?;
    Ok(json!({
        "push": [web, api],
        "shared": [shared_a, shared_b],
        "shared_id": shared_id,
        "other": other,
    }))
}
