//! Blobs: image config blobs, read and summarised for people.
//!
//! The config's `config` and `history` sections are read with `oci_spec::image::{Config, History}`
//! (every field optional, `ExposedPorts` maps handled). The top level is a small struct of our own:
//! `oci_spec::image::ImageConfiguration` requires `rootfs`, and its `Arch` enum reads `armbe` back
//! as `arm64be` — neither may change what a user is shown.

use std::sync::Arc;

use serde::Deserialize;

use super::client::Op;
use super::content::Descriptor;
use super::limits::MAX_CONFIG_BYTES;
use super::reference::{Digest, RepositoryName};
use super::{RegistryClient, RegistryError};
use crate::model::{HistoryStep, ImageConfigSummary};

#[derive(Default, Deserialize)]
struct ConfigWire {
    #[serde(default)]
    created: Option<String>,
    #[serde(default)]
    author: Option<String>,
    #[serde(default)]
    architecture: Option<String>,
    #[serde(default)]
    os: Option<String>,
    #[serde(default)]
    variant: Option<String>,
    #[serde(default)]
    config: Option<oci_spec::image::Config>,
    #[serde(default)]
    history: Option<Vec<oci_spec::image::History>>,
}

/// Summarises an image config blob. Errors only when it is not a JSON object of that shape.
pub fn summarize_config(bytes: &[u8]) -> Result<ImageConfigSummary, serde_json::Error> {
    let wire: ConfigWire = serde_json::from_slice(bytes)?;
    let non_empty = |s: Option<String>| s.filter(|s| !s.is_empty());
    let config = wire.config.unwrap_or_default();
    let mut exposed_ports = config.exposed_ports().clone().unwrap_or_default();
    exposed_ports.sort();
    Ok(ImageConfigSummary {
        created: non_empty(wire.created),
        os: non_empty(wire.os),
        architecture: non_empty(wire.architecture),
        variant: non_empty(wire.variant),
        author: non_empty(wire.author),
        labels: config.labels().clone().unwrap_or_default().into_iter().collect(),
        env: config.env().clone().unwrap_or_default(),
        entrypoint: config.entrypoint().clone().unwrap_or_default(),
        cmd: config.cmd().clone().unwrap_or_default(),
        working_dir: non_empty(config.working_dir().clone()),
        user: non_empty(config.user().clone()),
        exposed_ports,
        history: wire
            .history
            .unwrap_or_default()
            .into_iter()
            .map(|h| HistoryStep {
                created: h.created().clone(),
                created_by: h.created_by().clone(),
                comment: h.comment().clone(),
                empty_layer: h.empty_layer().unwrap_or(false),
            })
            .collect(),
    })
}

impl RegistryClient {
    /// The image config a manifest's config descriptor names, summarised; cached by digest.
    /// Concurrent callers for one config share a single request.
    pub async fn image_config(
        &self,
        repository: &RepositoryName,
        config: &Descriptor,
    ) -> Result<Arc<ImageConfigSummary>, RegistryError> {
        if let Some(summary) = self.inner.cache.configs.get(&config.digest) {
            return Ok(summary);
        }
        let url = self.url(&format!("v2/{repository}/blobs/{}", config.digest));
        config.digest.parse::<Digest>().map_err(|reason| RegistryError::Protocol {
            url: url.to_string(),
            reason: crate::msg!(RegInvalidConfigDigest, reason.message()),
        })?;
        // Larger "configs" are not image configs: refuse rather than read them. The body is read
        // up to the size the descriptor names, whatever length the registry announces.
        if config.size > MAX_CONFIG_BYTES {
            return Err(RegistryError::TooLarge {
                url: url.to_string(),
                what: super::limits::Body::ImageConfig,
                limit: MAX_CONFIG_BYTES,
            });
        }
        let limit = config.size;
        self.inner
            .cache
            .configs
            .get_or_insert_async(&config.digest, async {
                let scope = Op::BlobGet.scope(repository.as_str());
                let answer = self.execute_scoped(Op::BlobGet, &scope, url.clone(), None, None, limit).await?;
                let answer = answer.error_for_status()?;
                let summary = summarize_config(&answer.body).map_err(|e| RegistryError::Protocol {
                    url: url.to_string(),
                    reason: crate::msg!(RegConfigNotJson, &e),
                })?;
                Ok(Arc::new(summary))
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Trimmed from a real `docker build` config (Docker Engine 24), with its nulls.
    const DOCKER_CONFIG: &str = r#"{
      "architecture": "arm64", "variant": "v8", "os": "linux",
      "created": "2024-05-01T12:00:00.123456789Z", "author": "ops",
      "docker_version": "24.0.7",
      "config": {
        "Hostname": "", "User": "app", "ExposedPorts": {"8080/tcp": {}, "443/tcp": {}},
        "Env": ["PATH=/usr/bin", "MODE=prod"], "Cmd": ["serve"], "Entrypoint": null,
        "Volumes": null, "WorkingDir": "/srv", "OnBuild": null,
        "Labels": {"org.opencontainers.image.title": "<b>app</b>"}
      },
      "rootfs": {"type": "layers", "diff_ids": []},
      "history": [
        {"created": "2024-05-01T11:00:00Z", "created_by": "/bin/sh -c #(nop) ADD file:x in / "},
        {"created": "2024-05-01T12:00:00Z", "created_by": "CMD [\"serve\"]", "empty_layer": true,
         "comment": "buildkit.dockerfile.v0"}
      ]
    }"#;

    #[test]
    fn docker_configs_are_summarised() {
        let s = summarize_config(DOCKER_CONFIG.as_bytes()).unwrap();
        assert_eq!(s.created.as_deref(), Some("2024-05-01T12:00:00.123456789Z"));
        assert_eq!(
            (s.os.as_deref(), s.architecture.as_deref(), s.variant.as_deref()),
            (Some("linux"), Some("arm64"), Some("v8"))
        );
        assert_eq!(s.exposed_ports, ["443/tcp", "8080/tcp"]);
        assert_eq!(s.env, ["PATH=/usr/bin", "MODE=prod"]);
        assert_eq!((s.cmd.clone(), s.entrypoint.clone()), (vec!["serve".to_owned()], vec![]));
        assert_eq!((s.working_dir.as_deref(), s.user.as_deref()), (Some("/srv"), Some("app")));
        assert_eq!(s.labels["org.opencontainers.image.title"], "<b>app</b>");
        assert_eq!(s.history.len(), 2);
        assert!(s.history[1].empty_layer && !s.history[0].empty_layer);
        assert_eq!(s.history[1].comment.as_deref(), Some("buildkit.dockerfile.v0"));
    }

    #[test]
    fn sparse_configs_are_tolerated() {
        // No rootfs, no config section, an architecture oci-spec would rename.
        let s = summarize_config(br#"{"architecture": "armbe", "os": "linux"}"#).unwrap();
        assert_eq!(s.architecture.as_deref(), Some("armbe"));
        assert!(s.labels.is_empty() && s.history.is_empty() && s.created.is_none());
        assert!(summarize_config(br#""a string""#).is_err());
    }
}
