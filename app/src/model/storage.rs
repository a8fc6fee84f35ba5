//! Storage usage (`GET /api/storage`, `GET /api/storage/{repository}`): the bytes the registry's
//! tagged content takes, dedup-aware. The figures come from a `storage-scan` job and are kept;
//! requests answer at once from what is kept.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What the registry's tagged images take, each blob (manifest, config, layer) counted once
/// however many tags, index entries or repositories refer to it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageUsage {
    /// Bytes of every distinct blob some tag refers to.
    pub total_unique_bytes: u64,
    /// Largest `unique_bytes` first (ties by name).
    pub repositories: Vec<RepositoryUsage>,
    /// When the figures were computed (RFC 3339 UTC); repositories changed through the app since
    /// are read again before answering. Empty while no scan has finished yet.
    pub computed_at: String,
    /// Every repository and tag could be read; otherwise `errors` says which could not (their
    /// bytes are missing from the figures). Also `false` while no scan has finished yet: then
    /// `scan_job_id` names the scan under way.
    pub complete: bool,
    /// Why each of those could not be read; on the wire in the reader's language.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, super::Message>,
    /// The `storage-scan` job running now, if one is (its progress is the scan's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_job_id: Option<String>,
    /// Repositories the registry still lists that have no tag left (every tag deleted), by name.
    #[serde(default)]
    pub empty_repositories: Vec<String>,
}

#[cfg(feature = "ssr")]
impl StorageUsage {
    /// The figures as `lang`'s reader sees them: why repositories could not be read, in that language.
    pub fn localized(self, lang: crate::ui::lang::Lang) -> Self {
        let errors = self.errors.into_iter().map(|(name, why)| (name, why.localized(lang))).collect();
        Self { errors, ..self }
    }
}

impl StorageUsage {
    /// Whether figures exist (a scan has finished), complete or not.
    pub fn computed(&self) -> bool {
        !self.computed_at.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepositoryUsage {
    pub name: String,
    /// Bytes no other repository refers to: what deleting this repository (and a garbage
    /// collection) frees.
    pub unique_bytes: u64,
    /// Bytes this repository refers to that others refer to as well.
    pub shared_bytes: u64,
    pub tag_count: usize,
}

/// `GET /api/storage/{repository}`: one repository's figures and each tag's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepositoryStorage {
    pub name: String,
    /// As in [`RepositoryUsage`].
    pub unique_bytes: u64,
    pub shared_bytes: u64,
    pub tag_count: usize,
    /// By tag name.
    pub tags: Vec<TagUsage>,
    /// As in [`StorageUsage`]: empty while no scan has finished yet.
    pub computed_at: String,
    /// The repository's tags could all be read and a scan has finished.
    pub complete: bool,
    /// Why the repository could not be read, when it could not; on the wire in the reader's
    /// language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<super::Message>,
    /// The `storage-scan` job running now, if one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_job_id: Option<String>,
}

#[cfg(feature = "ssr")]
impl RepositoryStorage {
    /// The figures as `lang`'s reader sees them: why the repository could not be read, in that
    /// language.
    pub fn localized(self, lang: crate::ui::lang::Lang) -> Self {
        Self { error: self.error.map(|why| why.localized(lang)), ..self }
    }
}

/// One tag's bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagUsage {
    pub tag: String,
    /// The manifest (or index) digest the tag points at.
    pub digest: String,
    /// Every blob the tag refers to (its manifest, config, layers; an index's children), each once.
    pub bytes: u64,
    /// Bytes no other tag, here or in another repository, refers to: what deleting this tag
    /// alone (and a garbage collection) frees. Two tags on one digest hold nothing alone.
    pub only_bytes: u64,
}

/// `DELETE /api/empty-repositories/{repository}`: what was removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmptyRepositoryRemoved {
    pub repository: String,
}
