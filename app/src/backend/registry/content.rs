//! What the registry serves: manifest media types, content descriptors, and a tolerant model of a
//! manifest body. Pure data, no requests: the client's caches keep these, and `manifests.rs` fetches
//! them.
//!
//! One small serde struct covers Docker schema 2 manifests and manifest lists, OCI image manifests
//! and indexes, and OCI artifacts. `oci_spec::image::{ImageManifest, ImageIndex}` are not used
//! here: they know no Docker media types, their `Descriptor` rejects a digest the strict grammar
//! refuses, and they fail on fields some real registries send as `null` — any of which would take
//! a whole tag page down. Unknown media types are kept as [`MediaType::Other`] and become
//! [`ManifestKind::Unknown`]: listed, never interpreted.
//! (https://github.com/opencontainers/image-spec/blob/main/manifest.md,
//! https://distribution.github.io/distribution/spec/manifest-v2-2/)

use std::collections::BTreeMap;

use bytes::Bytes;
use serde::{Deserialize, Deserializer};
use sha2::{Digest as _, Sha256};

use crate::model::{ManifestKind, Message, Platform};
use crate::msg;

pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";

/// Every manifest type we read, so the registry never converts or refuses.
pub const MANIFEST_ACCEPT: &str = "application/vnd.docker.distribution.manifest.v2+json, \
     application/vnd.docker.distribution.manifest.list.v2+json, \
     application/vnd.oci.image.manifest.v1+json, \
     application/vnd.oci.image.index.v1+json";

/// Annotation Docker buildx puts on the attestation (SBOM/provenance) entries of an index; they
/// have platform `unknown/unknown` and are not platforms of the image.
const REFERENCE_TYPE_ANNOTATION: &str = "vnd.docker.reference.type";

/// A manifest media type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MediaType {
    DockerManifest,
    DockerManifestList,
    OciManifest,
    OciIndex,
    /// Anything else, as the registry named it.
    Other(String),
}

impl MediaType {
    /// From a `Content-Type` or `mediaType` value (parameters such as `; charset=utf-8` dropped).
    pub fn parse(value: &str) -> Self {
        let value = value.split(';').next().unwrap_or_default().trim();
        match oci_spec::image::MediaType::from(value) {
            oci_spec::image::MediaType::ImageManifest => Self::OciManifest,
            oci_spec::image::MediaType::ImageIndex => Self::OciIndex,
            _ => match value {
                DOCKER_MANIFEST => Self::DockerManifest,
                DOCKER_MANIFEST_LIST => Self::DockerManifestList,
                other => Self::Other(other.to_owned()),
            },
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::DockerManifest => DOCKER_MANIFEST,
            Self::DockerManifestList => DOCKER_MANIFEST_LIST,
            Self::OciManifest => OCI_MANIFEST,
            Self::OciIndex => OCI_INDEX,
            Self::Other(other) => other,
        }
    }

    pub fn is_index(&self) -> bool {
        matches!(self, Self::DockerManifestList | Self::OciIndex)
    }

    pub fn is_image_manifest(&self) -> bool {
        matches!(self, Self::DockerManifest | Self::OciManifest)
    }
}

/// Whether a config media type is an image config (anything else makes the manifest an artifact).
pub fn is_image_config(media_type: &str) -> bool {
    let media_type = media_type.split(';').next().unwrap_or_default().trim();
    media_type == DOCKER_CONFIG
        || oci_spec::image::MediaType::from(media_type) == oci_spec::image::MediaType::ImageConfig
}

/// `null` where a list or map is expected reads as empty.
fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A platform object of an index entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct PlatformJson {
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub variant: Option<String>,
}

impl PlatformJson {
    pub fn to_platform(&self) -> Platform {
        Platform {
            os: self.os.clone(),
            architecture: self.architecture.clone(),
            variant: self.variant.clone().filter(|v| !v.is_empty()),
        }
    }
}

/// A content descriptor, tolerant of missing or `null` fields.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    #[serde(default, deserialize_with = "nullable")]
    pub media_type: String,
    #[serde(default, deserialize_with = "nullable")]
    pub digest: String,
    #[serde(default, deserialize_with = "nullable")]
    pub size: u64,
    #[serde(default)]
    pub platform: Option<PlatformJson>,
    #[serde(default, deserialize_with = "nullable")]
    pub annotations: BTreeMap<String, String>,
}

impl Descriptor {
    /// An index entry that is an attestation (buildx SBOM/provenance), not a platform.
    pub fn is_attestation(&self) -> bool {
        self.annotations.contains_key(REFERENCE_TYPE_ANNOTATION)
            || self.platform.as_ref().is_some_and(|p| p.os == "unknown" && p.architecture == "unknown")
    }
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    config: Option<Descriptor>,
    #[serde(default, deserialize_with = "nullable")]
    layers: Vec<Descriptor>,
    #[serde(default)]
    manifests: Option<Vec<Descriptor>>,
    #[serde(default, deserialize_with = "nullable")]
    annotations: BTreeMap<String, String>,
    #[serde(default)]
    artifact_type: Option<String>,
}

/// A manifest as read from the registry: its exact bytes and what we understood of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    pub digest: String,
    pub media_type: MediaType,
    pub kind: ManifestKind,
    /// The exact bytes (their sha256 is the digest).
    pub raw: Bytes,
    /// Image and artifact manifests.
    pub config: Option<Descriptor>,
    pub layers: Vec<Descriptor>,
    /// Index entries.
    pub manifests: Vec<Descriptor>,
    pub annotations: BTreeMap<String, String>,
    pub artifact_type: Option<String>,
    /// Why the body could not be read, if it could not (the manifest is then `Unknown`).
    pub parse_error: Option<crate::model::Message>,
}

impl Manifest {
    /// Understands a manifest body. Never fails: what cannot be read is `Unknown`, with the reason.
    pub fn parse(digest: String, content_type: Option<&str>, raw: Bytes) -> Self {
        let (wire, parse_error) = match serde_json::from_slice::<Wire>(&raw) {
            Ok(wire) => (wire, None),
            Err(e) => (Wire::default(), Some(crate::msg!(ManifestNotUnderstood, &e))),
        };
        // The registry's Content-Type is authoritative; a generic one falls back to the body's
        // `mediaType`, then to the shape (OCI manifests may omit `mediaType`).
        let media_type = content_type
            .map(MediaType::parse)
            .filter(|m| !matches!(m, MediaType::Other(o) if o.is_empty() || o == "application/json"))
            .or_else(|| wire.media_type.as_deref().map(MediaType::parse))
            .unwrap_or_else(|| match (&wire.manifests, &wire.config) {
                (Some(_), _) => MediaType::OciIndex,
                (None, Some(_)) => MediaType::OciManifest,
                _ => MediaType::Other(content_type.unwrap_or_default().to_owned()),
            });
        let kind = if parse_error.is_some() {
            ManifestKind::Unknown
        } else if media_type.is_index() && wire.manifests.is_some() {
            ManifestKind::Index
        } else if media_type.is_image_manifest() {
            match &wire.config {
                Some(config) if is_image_config(&config.media_type) => ManifestKind::Image,
                Some(_) => ManifestKind::Artifact,
                None => ManifestKind::Unknown,
            }
        } else {
            ManifestKind::Unknown
        };
        Self {
            digest,
            media_type,
            kind,
            raw,
            config: wire.config,
            layers: wire.layers,
            manifests: wire.manifests.unwrap_or_default(),
            annotations: wire.annotations,
            artifact_type: wire.artifact_type,
            parse_error,
        }
    }

    /// Config plus layers, compressed, for an image or artifact manifest.
    pub fn image_size(&self) -> Option<u64> {
        let config = self.config.as_ref()?;
        Some(config.size.saturating_add(self.layers.iter().map(|l| l.size).fold(0, u64::saturating_add)))
    }

    /// The index entries that are platforms (attestations left out).
    pub fn platform_entries(&self) -> impl Iterator<Item = &Descriptor> {
        self.manifests.iter().filter(|d| !d.is_attestation())
    }
}

/// An index (OCI image index or Docker manifest list) over image manifests that exist already,
/// each named by its digest with its exact size and the platform given with it. The index type
/// follows the children: OCI manifests get an OCI index, Docker schema 2 manifests a Docker
/// manifest list (clients that know only one kind then read every level). Children of both kinds,
/// or children that are not single images (indexes, artifacts), are refused with the reason: a
/// nested index would need flattening that changes what was tested, so it is the caller's choice.
/// The same children in the same order always give the same bytes.
pub fn index_over(children: &[(&Manifest, &Platform)]) -> Result<(MediaType, Bytes), Message> {
    let Some((first, _)) = children.first() else {
        return Err(msg!(IndexNeedsOne));
    };
    for (manifest, _) in children {
        if manifest.kind == ManifestKind::Index {
            return Err(msg!(IndexNested, &manifest.digest));
        }
        if manifest.kind != ManifestKind::Image {
            return Err(msg!(MergeNotImage, &manifest.digest, manifest.media_type.as_str()));
        }
    }
    let media_type = match first.media_type {
        MediaType::OciManifest => MediaType::OciIndex,
        _ => MediaType::DockerManifestList,
    };
    if children.iter().any(|(m, _)| m.media_type != first.media_type) {
        return Err(msg!(IndexMixesKinds, DOCKER_MANIFEST, OCI_MANIFEST));
    }
    let manifests: Vec<serde_json::Value> = children
        .iter()
        .map(|(manifest, platform)| {
            let mut platform_json =
                serde_json::json!({"architecture": platform.architecture, "os": platform.os});
            if let Some(variant) = &platform.variant {
                platform_json["variant"] = variant.as_str().into();
            }
            serde_json::json!({
                "mediaType": manifest.media_type.as_str(),
                "digest": manifest.digest,
                "size": manifest.raw.len(),
                "platform": platform_json,
            })
        })
        .collect();
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": media_type.as_str(),
        "manifests": manifests,
    });
    let bytes = serde_json::to_vec_pretty(&index).map_err(|e| msg!(IndexCannotWrite, &e))?;
    Ok((media_type, Bytes::from(bytes)))
}

/// `sha256:<hex>` of some bytes.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(content_type: Option<&str>, json: &str) -> Manifest {
        Manifest::parse("sha256:x".into(), content_type, Bytes::copy_from_slice(json.as_bytes()))
    }

    // A Docker schema 2 manifest as distribution 2.8.2 serves it.
    const DOCKER_IMAGE: &str = r#"{
       "schemaVersion": 2,
       "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
       "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1469,
                  "digest": "sha256:feb5d9fea6a5e9606aa995e879d862b825965ba48de054caab5ef356dc6b3412"},
       "layers": [
          {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 2479,
           "digest": "sha256:2db29710123e3e53a794f2694094b9b4338aa9ee5c40b930cb8063a1be392c54"},
          {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 100,
           "digest": "sha256:0000000000000000000000000000000000000000000000000000000000000001"}
       ]
    }"#;

    #[test]
    fn docker_and_oci_images() {
        let m = parse(Some(DOCKER_MANIFEST), DOCKER_IMAGE);
        assert_eq!((m.media_type.clone(), m.kind), (MediaType::DockerManifest, ManifestKind::Image));
        assert_eq!(m.image_size(), Some(1469 + 2479 + 100));
        // OCI without `mediaType` in the body, served with its Content-Type.
        let oci = DOCKER_IMAGE
            .replace(r#""mediaType": "application/vnd.docker.distribution.manifest.v2+json","#, "")
            .replace(DOCKER_CONFIG, OCI_CONFIG);
        let m = parse(Some("application/vnd.oci.image.manifest.v1+json; charset=utf-8"), &oci);
        assert_eq!((m.media_type.clone(), m.kind), (MediaType::OciManifest, ManifestKind::Image));
        // No Content-Type and no mediaType: the shape decides.
        assert_eq!(parse(None, &oci).media_type, MediaType::OciManifest);
    }

    #[test]
    fn artifacts_and_unknown_types_are_listed_not_interpreted() {
        let artifact = DOCKER_IMAGE
            .replace(DOCKER_MANIFEST, OCI_MANIFEST)
            .replace(DOCKER_CONFIG, "application/vnd.cncf.helm.config.v1+json");
        let m = parse(Some(OCI_MANIFEST), &artifact);
        assert_eq!(m.kind, ManifestKind::Artifact);
        assert_eq!(m.image_size(), Some(1469 + 2479 + 100));

        let m = parse(Some("application/vnd.example.thing.v1+json"), r#"{"whatever": [1, 2]}"#);
        assert_eq!(m.media_type, MediaType::Other("application/vnd.example.thing.v1+json".into()));
        assert_eq!((m.kind, m.parse_error.clone()), (ManifestKind::Unknown, None));

        let m = parse(Some(OCI_MANIFEST), "not json");
        assert_eq!(m.kind, ManifestKind::Unknown);
        assert!(m.parse_error.unwrap().contains("not JSON"));

        // Fields some registries send as null, and a config-less "manifest".
        let m = parse(Some(OCI_MANIFEST), r#"{"schemaVersion":2,"layers":null,"annotations":null}"#);
        assert_eq!(m.kind, ManifestKind::Unknown);
    }

    #[test]
    fn indexes_leave_attestations_out_of_platforms() {
        let index = r#"{
          "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
          "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1, "digest": "sha256:a",
             "platform": {"architecture": "amd64", "os": "linux"}},
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1, "digest": "sha256:b",
             "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}},
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1, "digest": "sha256:c",
             "platform": {"architecture": "unknown", "os": "unknown"},
             "annotations": {"vnd.docker.reference.type": "attestation-manifest"}}
          ]
        }"#;
        let m = parse(Some(OCI_INDEX), index);
        assert_eq!(m.kind, ManifestKind::Index);
        let platforms: Vec<String> =
            m.platform_entries().map(|d| d.platform.as_ref().unwrap().to_platform().to_string()).collect();
        assert_eq!(platforms, ["linux/amd64", "linux/arm64/v8"]);
    }

    #[test]
    fn indexes_follow_their_children_and_refuse_mixes() {
        let docker = parse(Some(DOCKER_MANIFEST), DOCKER_IMAGE);
        let amd64 = Platform { os: "linux".into(), architecture: "amd64".into(), variant: None };
        let arm64 = Platform { os: "linux".into(), architecture: "arm64".into(), variant: Some("v8".into()) };
        let (media_type, bytes) = index_over(&[(&docker, &amd64), (&docker, &arm64)]).unwrap();
        assert_eq!(media_type, MediaType::DockerManifestList);
        let index = Manifest::parse("sha256:i".into(), Some(media_type.as_str()), bytes.clone());
        assert_eq!(index.kind, ManifestKind::Index);
        let entries: Vec<(String, u64, String)> = index
            .manifests
            .iter()
            .map(|d| (d.digest.clone(), d.size, d.platform.as_ref().unwrap().to_platform().to_string()))
            .collect();
        let size = DOCKER_IMAGE.len() as u64;
        assert_eq!(
            entries,
            [
                ("sha256:x".into(), size, "linux/amd64".into()),
                ("sha256:x".into(), size, "linux/arm64/v8".into())
            ]
        );
        assert_eq!(index.manifests[0].media_type, DOCKER_MANIFEST);
        // The same children give the same bytes (so a rerun finds the index in place).
        assert_eq!(index_over(&[(&docker, &amd64), (&docker, &arm64)]).unwrap().1, bytes);

        let oci_json = DOCKER_IMAGE.replace(DOCKER_MANIFEST, OCI_MANIFEST).replace(DOCKER_CONFIG, OCI_CONFIG);
        let oci = parse(Some(OCI_MANIFEST), &oci_json);
        assert_eq!(index_over(&[(&oci, &amd64)]).unwrap().0, MediaType::OciIndex);
        let mixed = index_over(&[(&docker, &amd64), (&oci, &arm64)]).unwrap_err();
        assert!(mixed.contains("mix Docker"), "{mixed}");
        let nested = index_over(&[(&index, &amd64)]).unwrap_err();
        assert!(nested.contains("already a multi-arch index"), "{nested}");
        assert!(index_over(&[]).is_err());
    }

    #[test]
    fn media_types_round_trip() {
        for mt in [DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_MANIFEST, OCI_INDEX, "application/x-other"] {
            assert_eq!(MediaType::parse(mt).as_str(), mt);
        }
        assert!(is_image_config(OCI_CONFIG) && is_image_config(DOCKER_CONFIG));
        assert!(!is_image_config("application/vnd.oci.empty.v1+json"));
    }
}
