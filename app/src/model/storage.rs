//! Storage usage (`GET /api/storage`): the bytes the registry's tagged content takes, dedup-aware.

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
    /// are read again before answering.
    pub computed_at: String,
    /// Every repository and tag could be read; otherwise `errors` says which could not (their
    /// bytes are missing from the figures).
    pub complete: bool,
    /// Why each of those could not be read; on the wire in the reader's language.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, super::Message>,
}

#[cfg(feature = "ssr")]
impl StorageUsage {
    /// The figures as `lang`'s reader sees them: why repositories could not be read, in that language.
    pub fn localized(self, lang: crate::ui::lang::Lang) -> Self {
        let errors = self.errors.into_iter().map(|(name, why)| (name, why.localized(lang))).collect();
        Self { errors, ..self }
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
