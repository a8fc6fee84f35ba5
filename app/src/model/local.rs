//! Local Docker images: what the scan lists and what the push and delete jobs take.

use serde::{Deserialize, Serialize};

use crate::naming::{ArchMode, PrefixMode};

/// One tag of a local image (an untagged image is one entry with `dangling: true`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalImage {
    /// `repository:tag`, or `<none>:<none>` for a dangling image.
    pub reference: String,
    pub repository: String,
    pub tag: String,
    /// `sha256:…`
    pub image_id: String,
    /// Human-readable, as the original showed it (`12.3 MB`).
    pub size: String,
    pub size_bytes: u64,
    /// RFC 3339, UTC.
    pub created: Option<String>,
    pub architecture: String,
    pub os: String,
    /// No tag: left over from builds; hidden unless asked for.
    pub dangling: bool,
}

/// `GET /api/local-images` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalImageList {
    pub images: Vec<LocalImage>,
    /// The host's arch alias (`x86`, `arm`, or the machine name).
    pub detected_arch: String,
}

/// `POST /api/local-push-jobs`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalPushRequest {
    pub image_refs: Vec<String>,
    #[serde(default, deserialize_with = "super::nulls::or_default")]
    pub prefix_mode: PrefixMode,
    #[serde(default, deserialize_with = "super::nulls::or_default")]
    pub prefix_value: String,
    #[serde(default, deserialize_with = "super::nulls::or_default")]
    pub arch_mode: ArchMode,
    /// The suffix for `arch_mode: custom`.
    #[serde(default, deserialize_with = "super::nulls::or_default")]
    pub arch_value: String,
    /// host[:port] to push to; defaults to `REGISTRY_PUSH_HOST`.
    #[serde(default)]
    pub target_registry_host: Option<String>,
    /// Once the push is verified, remove the source's local tag, as the original did: the image
    /// stays under its new name (a local rename). Only that tag is removed, never an image.
    #[serde(default, deserialize_with = "super::nulls::or_default")]
    pub cleanup_local_tag: bool,
    /// When the local image came from our registry under another name: delete that old registry
    /// tag once the new one is verified (tags sharing its digest survive).
    #[serde(default, deserialize_with = "super::nulls::or_default")]
    pub cleanup_registry_source_tag: bool,
    /// Once the pushes are verified, also write the multi-arch tag of each arch-suffixed tag
    /// pushed when the registry holds another architecture of it beside it (`1.0-x86` pushed
    /// here, `1.0-arm` pushed before → `1.0`, an index over both). Never replaces a tag that
    /// holds another image.
    #[serde(default, deserialize_with = "super::nulls::or_default")]
    pub multi_arch_tag: bool,
}

/// `POST /api/local-delete-jobs`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalDeleteRequest {
    pub image_refs: Vec<String>,
}

/// Old → new names of a local push, shown before it runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalPushPreview {
    pub items: Vec<LocalPushPreviewItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalPushPreviewItem {
    pub source: String,
    /// `host/repository:tag`; empty when `error` says why it cannot be pushed.
    pub target: String,
    pub error: Option<String>,
}

/// What a local delete removes: per image ID, the tags selected and the others that go with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalDeletePreview {
    pub images: Vec<LocalDeletePreviewImage>,
    /// References that name no local image.
    pub errors: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalDeletePreviewImage {
    pub image_id: String,
    pub selected: Vec<String>,
    /// Other tags of the same image, removed with it.
    pub also_removed: Vec<String>,
}
