//! Storage usage, dedup-aware (issue 15 point 1): which blobs (manifests, configs, layers) each
//! repository's tags refer to, read through the registry API, and what that comes to when every
//! blob is counted once: in the registry as a whole, only in one repository ("freed if deleted"),
//! or shared with others. Index children are followed (each child manifest and its blobs count
//! once), and a digest reached through several tags, indexes or repositories counts once.
//!
//! The first request scans the whole registry (the catalog, then each repository's tags, a few
//! repositories at a time); the result is kept, and a repository changed through our registry
//! client (deletes, jobs, pushes the jobs report) is scanned again on the next request, alone.
//! Changes made elsewhere are not seen until the server restarts: `computed_at` says how old the
//! figures are.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use futures::{StreamExt, stream};

use super::registry::reference::RepositoryName;
use super::registry::{Manifest, REGISTRY_PAGE_LIMIT, RegistryClient, RegistryError};
use super::store::{format_time, now_ms};
use crate::model::{Message, RepositoryUsage, StorageUsage};

/// Repositories scanned at once (each fans out over its tags, bounded by the client).
const REPOSITORIES_AT_ONCE: usize = 4;
/// Tags of one repository read at once.
const TAGS_AT_ONCE: usize = 16;
/// How deep indexes are followed (an index of indexes is allowed by the spec, rarely used).
const MAX_DEPTH: usize = 3;

/// The blobs one repository's tags refer to, by digest, with their sizes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RepositoryBlobs {
    pub tag_count: usize,
    pub blobs: HashMap<String, u64>,
}

/// What each repository refers to comes to, each blob counted once.
pub fn summarize(
    repositories: &BTreeMap<String, RepositoryBlobs>,
    errors: BTreeMap<String, Message>,
    computed_at_ms: i64,
) -> StorageUsage {
    let mut holders: HashMap<&str, (u64, usize)> = HashMap::new();
    for blobs in repositories.values() {
        for (digest, size) in &blobs.blobs {
            holders.entry(digest.as_str()).or_insert((*size, 0)).1 += 1;
        }
    }
    let total_unique_bytes = holders.values().map(|(size, _)| size).sum();
    let mut rows: Vec<RepositoryUsage> = repositories
        .iter()
        .map(|(name, blobs)| {
            let (mut unique_bytes, mut shared_bytes) = (0, 0);
            for (digest, size) in &blobs.blobs {
                if holders[digest.as_str()].1 > 1 {
                    shared_bytes += size;
                } else {
                    unique_bytes += size;
                }
            }
            RepositoryUsage { name: name.clone(), unique_bytes, shared_bytes, tag_count: blobs.tag_count }
        })
        .collect();
    rows.sort_by(|a, b| b.unique_bytes.cmp(&a.unique_bytes).then_with(|| a.name.cmp(&b.name)));
    StorageUsage {
        total_unique_bytes,
        repositories: rows,
        computed_at: format_time(computed_at_ms),
        complete: errors.is_empty(),
        errors,
    }
}

#[derive(Default)]
struct Scanned {
    repositories: BTreeMap<String, RepositoryBlobs>,
    errors: BTreeMap<String, Message>,
    computed_at_ms: i64,
}

struct Inner {
    /// `None` until the first scan; held while scanning, so one scan runs at a time.
    scanned: tokio::sync::Mutex<Option<Scanned>>,
    /// Repositories changed through the app since they were scanned.
    dirty: Mutex<HashSet<String>>,
}

/// The kept scan; clones share it.
#[derive(Clone)]
pub struct StorageIndex {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for StorageIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorageIndex").finish_non_exhaustive()
    }
}

impl StorageIndex {
    /// An empty index that follows the changes made through `registry`.
    pub fn new(registry: &RegistryClient) -> StorageIndex {
        let inner =
            Arc::new(Inner { scanned: tokio::sync::Mutex::new(None), dirty: Mutex::new(HashSet::new()) });
        let weak = Arc::downgrade(&inner);
        registry.on_change(Arc::new(move |repository: &str| {
            if let Some(inner) = weak.upgrade() {
                inner.dirty.lock().unwrap_or_else(|p| p.into_inner()).insert(repository.to_owned());
            }
        }));
        StorageIndex { inner }
    }

    fn take_dirty(&self) -> HashSet<String> {
        std::mem::take(&mut *self.inner.dirty.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// The usage: scanned now if never before, else the kept scan with the repositories changed
    /// since scanned again. Only the catalog failing fails it; a repository or tag that cannot be
    /// read is named in `errors` (and `complete` is false).
    pub async fn usage(&self, registry: &RegistryClient) -> Result<StorageUsage, RegistryError> {
        let mut kept = self.inner.scanned.lock().await;
        // Taken before reading: a change made meanwhile stays marked for the next request.
        let dirty = self.take_dirty();
        let scanned = match kept.as_mut() {
            Some(scanned) => {
                let names: Vec<String> = dirty.into_iter().collect();
                if !names.is_empty() {
                    scan_into(registry, scanned, names).await;
                    scanned.computed_at_ms = now_ms();
                }
                scanned
            }
            None => {
                let mut scanned = Scanned { computed_at_ms: now_ms(), ..Scanned::default() };
                let names = catalog(registry).await?;
                scan_into(registry, &mut scanned, names).await;
                kept.insert(scanned)
            }
        };
        Ok(summarize(&scanned.repositories, scanned.errors.clone(), scanned.computed_at_ms))
    }

    /// Every blob digest the tags of repositories other than `repository` refer to, from the
    /// usage model brought up to date as [`StorageIndex::usage`] does: deleting `repository`'s
    /// content frees none of these. A repository that could not be read is missing here, so an
    /// estimate of bytes freed may then be too high (`usage().complete` says so).
    pub async fn blobs_elsewhere(
        &self,
        registry: &RegistryClient,
        repository: &str,
    ) -> Result<HashSet<String>, RegistryError> {
        self.usage(registry).await?;
        let kept = self.inner.scanned.lock().await;
        Ok(kept
            .iter()
            .flat_map(|scanned| &scanned.repositories)
            .filter(|(name, _)| name.as_str() != repository)
            .flat_map(|(_, blobs)| blobs.blobs.keys().cloned())
            .collect())
    }
}

/// The blobs one manifest refers to, with their sizes: itself, its config and layers, and for an
/// index each child with its blobs (as the usage scan counts them).
pub async fn manifest_blobs(
    registry: &RegistryClient,
    repository: &RepositoryName,
    manifest: &Manifest,
) -> Result<HashMap<String, u64>, Message> {
    let mut blobs = HashMap::new();
    collect(registry, repository, manifest, 0, &mut blobs).await?;
    Ok(blobs)
}

/// Every repository name in the catalog.
async fn catalog(registry: &RegistryClient) -> Result<Vec<String>, RegistryError> {
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = registry.catalog(REGISTRY_PAGE_LIMIT as usize, cursor.as_deref()).await?;
        names.extend(page.repositories.iter().cloned());
        if !page.more || page.repositories.is_empty() {
            return Ok(names);
        }
        cursor = page.repositories.last().cloned();
    }
}

/// Scans `names` (again), replacing what `scanned` held for them.
async fn scan_into(registry: &RegistryClient, scanned: &mut Scanned, names: Vec<String>) {
    let results: Vec<(String, Result<RepositoryBlobs, Message>)> = stream::iter(names)
        .map(|name| async move {
            let result = match name.parse::<RepositoryName>() {
                Ok(repository) => scan_repository(registry, &repository).await,
                Err(reason) => Err(reason.message()),
            };
            (name, result)
        })
        .buffer_unordered(REPOSITORIES_AT_ONCE)
        .collect()
        .await;
    for (name, result) in results {
        scanned.errors.remove(&name);
        match result {
            Ok(blobs) if blobs.tag_count == 0 => {
                scanned.repositories.remove(&name);
            }
            Ok(blobs) => {
                scanned.repositories.insert(name, blobs);
            }
            Err(error) => {
                tracing::warn!(repository = %name, %error, "storage usage: cannot read a repository");
                scanned.repositories.remove(&name);
                scanned.errors.insert(name, error);
            }
        }
    }
}

/// The blobs `repository`'s tags refer to. A tag that cannot be read fails the repository (its
/// figures would be too low otherwise); a tag deleted meanwhile is left out.
async fn scan_repository(
    registry: &RegistryClient,
    repository: &RepositoryName,
) -> Result<RepositoryBlobs, Message> {
    let tags = match registry.list_tags(repository).await {
        Ok(tags) => tags,
        Err(error) if error.is_not_found() => Vec::new(),
        Err(error) => return Err(error.message()),
    };
    let manifests: Vec<Result<Option<Arc<Manifest>>, RegistryError>> = stream::iter(tags)
        .map(|tag| async move { registry.tag_manifest(repository, &tag).await })
        .buffer_unordered(TAGS_AT_ONCE)
        .collect()
        .await;
    let mut blobs = RepositoryBlobs::default();
    for manifest in manifests {
        match manifest {
            Ok(Some(manifest)) => {
                blobs.tag_count += 1;
                collect(registry, repository, &manifest, 0, &mut blobs.blobs).await?;
            }
            Ok(None) => {}
            Err(error) => return Err(error.message()),
        }
    }
    Ok(blobs)
}

/// Adds a manifest (its own bytes), its config and layers, and, for an index, each child with its
/// blobs.
async fn collect(
    registry: &RegistryClient,
    repository: &RepositoryName,
    manifest: &Manifest,
    depth: usize,
    blobs: &mut HashMap<String, u64>,
) -> Result<(), Message> {
    if blobs.insert(manifest.digest.clone(), manifest.raw.len() as u64).is_some() {
        return Ok(()); // counted already, with everything it refers to
    }
    for descriptor in manifest.config.iter().chain(&manifest.layers) {
        blobs.insert(descriptor.digest.clone(), descriptor.size);
    }
    for entry in &manifest.manifests {
        if depth + 1 >= MAX_DEPTH {
            return Err(crate::msg!(IndexesNestedTooDeep, &manifest.digest, MAX_DEPTH));
        }
        if blobs.contains_key(&entry.digest) {
            continue;
        }
        let child = registry.entry_manifest(repository, entry).await.map_err(|e| e.message())?;
        Box::pin(collect(registry, repository, &child, depth + 1, blobs)).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(tag_count: usize, blobs: &[(&str, u64)]) -> RepositoryBlobs {
        RepositoryBlobs { tag_count, blobs: blobs.iter().map(|(d, s)| (d.to_string(), *s)).collect() }
    }

    #[test]
    fn shared_blobs_count_once_in_the_total_and_as_shared_in_each_holder() {
        let repositories = BTreeMap::from([
            ("a".to_owned(), repo(2, &[("m1", 10), ("base", 1000), ("own-a", 300)])),
            ("b".to_owned(), repo(1, &[("m2", 20), ("base", 1000)])),
            ("c".to_owned(), repo(1, &[("m3", 5), ("own-c", 700)])),
        ]);
        let usage = summarize(&repositories, BTreeMap::new(), 0);
        assert_eq!(usage.total_unique_bytes, 10 + 1000 + 300 + 20 + 5 + 700);
        let rows: Vec<(&str, u64, u64, usize)> = usage
            .repositories
            .iter()
            .map(|r| (r.name.as_str(), r.unique_bytes, r.shared_bytes, r.tag_count))
            .collect();
        assert_eq!(rows, [("c", 705, 0, 1), ("a", 310, 1000, 2), ("b", 20, 1000, 1)]);
        assert!(usage.complete);
        let failed = summarize(&repositories, BTreeMap::from([("d".into(), Message::from("boom"))]), 0);
        assert!(!failed.complete);
    }
}
