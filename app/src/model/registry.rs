//! Registry browsing types shared by the UI, the REST API and the backend.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// One page of the catalog (`GET /api/repositories`): the original tool's `{repositories, next}`,
/// plus per-repository details when asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepositoryPage {
    /// Repository names on this page, in catalog order.
    pub repositories: Vec<String>,
    /// Pass as `last` to get the next page; `None` on the last page.
    pub next: Option<String>,
    /// Tag counts, in the same order as `repositories`, when details were requested.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<RepositorySummary>,
    /// Repositories whose tags could not be read, with the reason (their `tag_count` shows 0 and
    /// `non_empty_only` keeps them). Usually empty.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unreadable: BTreeMap<String, super::Message>,
    /// Some tag counts behind this page (the counts shown, or which repositories `non_empty_only`
    /// skipped) come from the server's index and are being checked with the registry in the
    /// background; a reload shows the checked answer.
    #[serde(default)]
    pub refreshing: bool,
    /// Empty repositories were left out (the UI's list, where they cannot be removed, hides them
    /// unless asked). Only the server function sets it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub non_empty_only: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepositorySummary {
    pub name: String,
    /// Number of tags; 0 for a repository whose tags were all deleted (distribution keeps it in
    /// the catalog).
    pub tag_count: usize,
}

/// What a manifest is, from its media type (and, for OCI manifests, its config media type).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ManifestKind {
    /// A single-platform image (Docker schema2 or OCI image manifest with an image config).
    Image,
    /// A multi-platform index (Docker manifest list or OCI image index).
    Index,
    /// An OCI manifest whose config is not an image config (Helm chart, signature, SBOM…).
    Artifact,
    /// A media type this tool does not know; listed, never interpreted.
    Unknown,
}

/// An OS/architecture pair, as in OCI platform objects.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

impl fmt::Display for Platform {
    /// `linux/arm64/v8`, `linux/amd64`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(variant) = &self.variant {
            write!(f, "/{variant}")?;
        }
        Ok(())
    }
}

/// One platform of an index, or the single platform of an image, with its compressed size.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformSize {
    pub platform: Platform,
    pub digest: String,
    /// Config plus compressed layers, in bytes.
    pub size_bytes: u64,
}

/// A tag as listed in the repository view and `GET /api/repositories/{repo}/tags?details=true`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagSummary {
    pub tag: String,
    /// Manifest digest (`sha256:…`); `None` if the tag vanished while being read.
    pub digest: Option<String>,
    pub media_type: Option<String>,
    pub kind: Option<ManifestKind>,
    /// Compressed size: config plus layers; for an index, the sum over its platforms.
    pub size_bytes: Option<u64>,
    /// Image creation time (RFC 3339) from the config; for an index, the newest platform's.
    pub created_at: Option<String>,
    /// `os/arch[/variant]` strings, one per platform.
    pub platforms: Vec<String>,
    /// Per-platform sizes (one entry for a single image, one per child for an index).
    #[serde(default)]
    pub platform_sizes: Vec<PlatformSize>,
    /// Why details are missing, if they are (e.g. the tag's manifest could not be read); on the
    /// wire in the reader's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<super::Message>,
}

impl TagSummary {
    /// A row that names the tag and nothing else yet: what a page shows before (or instead of)
    /// reading the tag's manifest.
    pub fn named(tag: impl Into<String>) -> Self {
        Self {
            tag: tag.into(),
            digest: None,
            media_type: None,
            kind: None,
            size_bytes: None,
            created_at: None,
            platforms: Vec::new(),
            platform_sizes: Vec::new(),
            error: None,
        }
    }
}

/// How to order the tags of a repository. Sorting covers every tag, not one page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TagSort {
    #[default]
    Name,
    Created,
    Size,
}

/// `GET /api/repositories/{repo}/tags` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagList {
    pub repository: String,
    /// Tags of this page, sorted and filtered as asked.
    pub tags: Vec<TagSummary>,
    /// Number of tags matching the filter, over the whole repository.
    pub total: usize,
    /// Some details were seen past the tag TTL and are shown as they were while the registry is
    /// asked again in the background (bounded by the maximum staleness); a reload shows the
    /// refreshed answer.
    #[serde(default)]
    pub refreshing: bool,
}

/// A layer of an image manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerInfo {
    pub digest: String,
    pub size_bytes: u64,
    pub media_type: String,
}

/// One step of the image history (`docker history`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryStep {
    pub created: Option<String>,
    pub created_by: Option<String>,
    pub comment: Option<String>,
    pub empty_layer: bool,
}

/// What the image config says, summarised for people.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageConfigSummary {
    pub created: Option<String>,
    pub os: Option<String>,
    pub architecture: Option<String>,
    pub variant: Option<String>,
    pub author: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub env: Vec<String>,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub working_dir: Option<String>,
    pub user: Option<String>,
    pub exposed_ports: Vec<String>,
    pub history: Vec<HistoryStep>,
}

/// One image manifest: the single image of a tag, or one platform of an index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageDetail {
    pub digest: String,
    pub media_type: String,
    pub kind: ManifestKind,
    pub platform: Option<Platform>,
    pub size_bytes: u64,
    pub config_digest: Option<String>,
    pub config_media_type: Option<String>,
    pub layers: Vec<LayerInfo>,
    /// Present when the config is an image config that could be read.
    pub config: Option<ImageConfigSummary>,
    pub annotations: BTreeMap<String, String>,
    /// Why this manifest or its config could not be read, if so (the rest is what was known); on
    /// the wire in the reader's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<super::Message>,
}

/// Everything about one tag, for the tag detail view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagDetail {
    pub repository: String,
    pub tag: String,
    pub digest: String,
    pub media_type: String,
    pub kind: ManifestKind,
    pub size_bytes: u64,
    /// One entry for an image or artifact; one per platform for an index.
    pub images: Vec<ImageDetail>,
    /// Index-level annotations (empty for a single image).
    pub annotations: BTreeMap<String, String>,
    /// Other tags of the repository that point to the same digest.
    pub sibling_tags: Vec<String>,
}

#[cfg(feature = "ssr")]
impl RepositoryPage {
    /// The page as `lang`'s reader sees it: why repositories are unreadable, in that language.
    pub fn localized(self, lang: crate::ui::lang::Lang) -> Self {
        let unreadable = self.unreadable.into_iter().map(|(name, why)| (name, why.localized(lang))).collect();
        Self { unreadable, ..self }
    }
}

#[cfg(feature = "ssr")]
impl TagList {
    /// The list as `lang`'s reader sees it: why a tag's details are missing, in that language.
    pub fn localized(self, lang: crate::ui::lang::Lang) -> Self {
        let tags = self
            .tags
            .into_iter()
            .map(|tag| TagSummary { error: tag.error.map(|e| e.localized(lang)), ..tag })
            .collect();
        Self { tags, ..self }
    }
}

#[cfg(feature = "ssr")]
impl TagDetail {
    /// The detail as `lang`'s reader sees it: why an image could not be read, in that language.
    pub fn localized(self, lang: crate::ui::lang::Lang) -> Self {
        let images = self
            .images
            .into_iter()
            .map(|image| ImageDetail { error: image.error.map(|e| e.localized(lang)), ..image })
            .collect();
        Self { images, ..self }
    }
}

/// What deleting a tag removes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeleteScope {
    /// Only this tag; other tags on the same digest survive.
    #[default]
    Tag,
    /// The manifest, with every tag that points to it.
    Image,
}

/// `DELETE /api/repositories/{repo}/tags/{tag}` answer (the original's fields first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteTagResult {
    pub deleted: bool,
    pub repository: String,
    pub tag: String,
    pub digest: String,
    pub scope: DeleteScope,
    /// Every tag that no longer exists after the call.
    pub removed_tags: Vec<String>,
}

/// Result of deleting a whole repository (all its tags).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteRepositoryResult {
    pub repository: String,
    pub deleted_digests: Vec<String>,
    pub removed_tags: Vec<String>,
}
