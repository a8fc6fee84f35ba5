//! Everything about one tag or digest: the manifest, its config and layers, each platform of an
//! index with its own, and the other tags on the same digest.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::tags::{config_platform, describe, resolve_digests};
use super::{or_not_found, repository_not_found};
use crate::backend::registry::reference::{Reference, RepositoryName};
use crate::backend::registry::{Manifest, RegistryClient};
use crate::model::{AppError, ImageDetail, LayerInfo, ManifestKind, Platform, TagDetail};

/// Everything about one tag (or, given a digest, one manifest): the manifest, its config and
/// layers, each platform of an index with its own, and the other tags on the same digest.
/// The tag's digest is confirmed with the registry (`HEAD`); sibling tags use the tag cache.
pub async fn tag_detail(
    registry: &RegistryClient,
    repository: &RepositoryName,
    reference: &Reference,
) -> Result<TagDetail, AppError> {
    let not_found = || crate::msg!(NotInRepository, reference, repository);
    let tag = reference.as_str();
    let digest = match reference {
        Reference::Tag(t) => {
            registry.tag_digest(repository, t, true).await?.ok_or_else(|| AppError::NotFound(not_found()))?
        }
        Reference::Digest(d) => d.clone(),
    };
    let manifest = registry.manifest(repository, &digest).await.map_err(|e| or_not_found(e, not_found))?;
    let described = describe(registry, repository, &manifest).await;
    let images = match manifest.kind {
        ManifestKind::Image | ManifestKind::Artifact => {
            vec![image_detail(registry, repository, &manifest, None).await]
        }
        ManifestKind::Index => {
            futures::future::join_all(manifest.manifests.iter().map(|entry| async move {
                let platform = entry.platform.as_ref().map(|p| p.to_platform());
                match registry.entry_manifest(repository, entry).await {
                    Ok(child) => image_detail(registry, repository, &child, platform).await,
                    Err(error) => ImageDetail {
                        digest: entry.digest.clone(),
                        media_type: entry.media_type.clone(),
                        kind: ManifestKind::Unknown,
                        platform,
                        size_bytes: 0,
                        config_digest: None,
                        config_media_type: None,
                        layers: Vec::new(),
                        config: None,
                        annotations: entry.annotations.clone(),
                        error: Some(error.message()),
                    },
                }
            }))
            .await
        }
        ManifestKind::Unknown => Vec::new(),
    };
    let all_tags = registry
        .list_tags(repository)
        .await
        .map_err(|e| or_not_found(e, repository_not_found(repository)))?;
    let digests = resolve_digests(registry, repository, &all_tags, false).await;
    let sibling_tags = digests
        .into_iter()
        .filter_map(|(t, d)| {
            (t != tag && matches!(d, Ok(Some(ref d)) if *d == digest)).then(|| t.to_string())
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    Ok(TagDetail {
        repository: repository.to_string(),
        tag: tag.to_owned(),
        digest: digest.to_string(),
        media_type: manifest.media_type.as_str().to_owned(),
        kind: manifest.kind,
        size_bytes: described.size.unwrap_or(0),
        images,
        annotations: if manifest.kind == ManifestKind::Index {
            manifest.annotations.clone()
        } else {
            BTreeMap::new()
        },
        sibling_tags,
    })
}

async fn image_detail(
    registry: &RegistryClient,
    repository: &RepositoryName,
    manifest: &Manifest,
    platform: Option<Platform>,
) -> ImageDetail {
    let (config, error) = match (&manifest.kind, &manifest.config) {
        (ManifestKind::Image, Some(descriptor)) => {
            match registry.image_config(repository, descriptor).await {
                Ok(config) => (Some(Arc::unwrap_or_clone(config)), None),
                Err(error) => (None, Some(error.message())),
            }
        }
        _ => (None, manifest.parse_error.clone()),
    };
    ImageDetail {
        digest: manifest.digest.clone(),
        media_type: manifest.media_type.as_str().to_owned(),
        kind: manifest.kind,
        platform: platform.or_else(|| config.as_ref().and_then(config_platform)),
        size_bytes: manifest.image_size().unwrap_or(0),
        config_digest: manifest.config.as_ref().map(|c| c.digest.clone()),
        config_media_type: manifest.config.as_ref().map(|c| c.media_type.clone()),
        layers: manifest
            .layers
            .iter()
            .map(|l| LayerInfo {
                digest: l.digest.clone(),
                size_bytes: l.size,
                media_type: l.media_type.clone(),
            })
            .collect(),
        config,
        annotations: manifest.annotations.clone(),
        error,
    }
}
