//! Storage usage, dedup-aware (issue 15 point 1): which blobs (manifests, configs, layers) each
//! repository's tags refer to, read through the registry API, and what that comes to when every
//! blob is counted once: in the registry as a whole, only in one repository ("freed if deleted"),
//! only in one tag, or shared with others. Index children are followed (each child manifest and
//! its blobs count once), and a digest reached through several tags, indexes or repositories
//! counts once.
//!
//! The whole registry is scanned by a `storage-scan` job (`jobs/kinds/storage_scan.rs`, with
//! progress, cancellable) through [`FullScan`]; its result is kept here ([`StorageIndex::install`]).
//! Requests answer at once from what is kept: a repository changed through our registry client
//! (deletes, jobs, pushes the jobs report) is scanned again on the next request, alone. Changes
//! made elsewhere are seen by the next scan: `computed_at` says how old the figures are.
//!
//! The index also remembers which scan job runs now and when the last one failed, so `GET
//! /api/storage` starts at most one, and waits [`SCAN_BACKOFF`] after a failure before another.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{StreamExt, stream};

use super::registry::reference::RepositoryName;
use super::registry::{Manifest, REGISTRY_PAGE_LIMIT, RegistryClient, RegistryError};
use super::store::{format_time, now_ms};
use crate::model::{Message, RepositoryStorage, RepositoryUsage, StorageUsage, TagUsage};

/// Repositories scanned at once (each fans out over its tags, bounded by the client).
pub const REPOSITORIES_AT_ONCE: usize = 4;
/// Tags of one repository read at once.
const TAGS_AT_ONCE: usize = 16;
/// How deep indexes are followed (an index of indexes is allowed by the spec, rarely used).
const MAX_DEPTH: usize = 3;
/// After a failed scan, how long before a request starts another by itself.
pub const SCAN_BACKOFF: Duration = Duration::from_secs(30);

/// What one tag refers to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TagBlobs {
    /// The manifest (or index) digest the tag points at.
    pub digest: String,
    /// Every blob digest it refers to, itself included, each once.
    pub blobs: Vec<String>,
}

/// The blobs one repository's tags refer to, by digest, with their sizes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RepositoryBlobs {
    pub tag_count: usize,
    pub blobs: HashMap<String, u64>,
    /// By tag name.
    pub tags: BTreeMap<String, TagBlobs>,
}

/// How many repositories refer to each blob, and its size.
fn holders(repositories: &BTreeMap<String, RepositoryBlobs>) -> HashMap<&str, (u64, usize)> {
    let mut holders: HashMap<&str, (u64, usize)> = HashMap::new();
    for blobs in repositories.values() {
        for (digest, size) in &blobs.blobs {
            holders.entry(digest.as_str()).or_insert((*size, 0)).1 += 1;
        }
    }
    holders
}

/// `(unique, shared)` bytes of one repository.
fn split_bytes(blobs: &RepositoryBlobs, holders: &HashMap<&str, (u64, usize)>) -> (u64, u64) {
    let (mut unique_bytes, mut shared_bytes) = (0, 0);
    for (digest, size) in &blobs.blobs {
        if holders.get(digest.as_str()).is_some_and(|(_, n)| *n > 1) {
            shared_bytes += size;
        } else {
            unique_bytes += size;
        }
    }
    (unique_bytes, shared_bytes)
}

/// What each repository refers to comes to, each blob counted once.
pub fn summarize(
    repositories: &BTreeMap<String, RepositoryBlobs>,
    errors: BTreeMap<String, Message>,
    computed_at_ms: i64,
) -> StorageUsage {
    let holders = holders(repositories);
    let total_unique_bytes = holders.values().map(|(size, _)| size).sum();
    let mut rows: Vec<RepositoryUsage> = repositories
        .iter()
        .map(|(name, blobs)| {
            let (unique_bytes, shared_bytes) = split_bytes(blobs, &holders);
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
        scan_job_id: None,
        empty_repositories: Vec::new(),
    }
}

/// One repository's figures and each tag's: a tag's `only_bytes` are the blobs no other tag of
/// this repository and no other repository refers to.
pub fn repository_figures(
    repositories: &BTreeMap<String, RepositoryBlobs>,
    name: &str,
    computed_at_ms: i64,
) -> Option<RepositoryStorage> {
    let blobs = repositories.get(name)?;
    let holders = holders(repositories);
    let (unique_bytes, shared_bytes) = split_bytes(blobs, &holders);
    let mut tag_holders: HashMap<&str, usize> = HashMap::new();
    for tag in blobs.tags.values() {
        for digest in &tag.blobs {
            *tag_holders.entry(digest.as_str()).or_default() += 1;
        }
    }
    let size = |digest: &str| blobs.blobs.get(digest).copied().unwrap_or_default();
    let tags = blobs
        .tags
        .iter()
        .map(|(tag, held)| {
            let bytes = held.blobs.iter().map(|d| size(d)).sum();
            let only_bytes = held
                .blobs
                .iter()
                .filter(|d| {
                    tag_holders[d.as_str()] == 1 && holders.get(d.as_str()).is_some_and(|(_, n)| *n == 1)
                })
                .map(|d| size(d))
                .sum();
            TagUsage { tag: tag.clone(), digest: held.digest.clone(), bytes, only_bytes }
        })
        .collect();
    Some(RepositoryStorage {
        name: name.to_owned(),
        unique_bytes,
        shared_bytes,
        tag_count: blobs.tag_count,
        tags,
        computed_at: format_time(computed_at_ms),
        complete: true,
        error: None,
        scan_job_id: None,
    })
}

/// A scan's result: what every repository refers to, which could not be read, which are empty.
/// A `storage-scan` job fills one ([`FullScan::apply`]) and hands it to [`StorageIndex::install`].
#[derive(Debug, Default)]
pub struct FullScan {
    repositories: BTreeMap<String, RepositoryBlobs>,
    empty: BTreeSet<String>,
    errors: BTreeMap<String, Message>,
    computed_at_ms: i64,
    /// Blob digests seen so far (for the job's byte progress).
    seen: HashSet<String>,
}

/// How reading one repository went.
pub enum RepositoryScan {
    /// Its tags and blobs (no tags: an empty repository).
    Read(RepositoryBlobs),
    /// The registry does not know it (any more).
    Gone,
    /// It could not be read, and why.
    Failed(Message),
}

impl FullScan {
    /// An empty scan started now.
    pub fn new() -> Self {
        FullScan { computed_at_ms: now_ms(), ..FullScan::default() }
    }

    /// Records what reading `name` found; returns the bytes of the blobs no repository recorded
    /// before referred to (the scan's running total grows by that much).
    pub fn apply(&mut self, name: &str, scan: RepositoryScan) -> u64 {
        self.errors.remove(name);
        self.empty.remove(name);
        self.repositories.remove(name);
        match scan {
            RepositoryScan::Read(blobs) if blobs.tag_count == 0 => {
                self.empty.insert(name.to_owned());
                0
            }
            RepositoryScan::Read(blobs) => {
                let mut new_bytes = 0;
                for (digest, size) in &blobs.blobs {
                    if self.seen.insert(digest.clone()) {
                        new_bytes += size;
                    }
                }
                self.repositories.insert(name.to_owned(), blobs);
                new_bytes
            }
            RepositoryScan::Gone => 0,
            RepositoryScan::Failed(error) => {
                tracing::warn!(repository = %name, %error, "storage usage: cannot read a repository");
                self.errors.insert(name.to_owned(), error);
                0
            }
        }
    }

    /// Repositories with tags, empty ones, unreadable ones.
    pub fn counts(&self) -> (usize, usize, usize) {
        (self.repositories.len(), self.empty.len(), self.errors.len())
    }

    /// Bytes of every distinct blob found so far.
    pub fn total_unique_bytes(&self) -> u64 {
        holders(&self.repositories).values().map(|(size, _)| size).sum()
    }
}

/// Which scan job runs now, and when the last one failed.
#[derive(Default)]
struct ScanState {
    job_id: Option<String>,
    failed_at: Option<Instant>,
}

struct Inner {
    /// `None` until the first scan has finished.
    scanned: tokio::sync::Mutex<Option<FullScan>>,
    /// Repositories changed through the app since they were scanned.
    dirty: Mutex<HashSet<String>>,
    scan: Mutex<ScanState>,
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

/// The scan job slot, held while deciding whether to start one (so two requests start one scan).
pub struct ScanSlot<'a>(std::sync::MutexGuard<'a, ScanState>);

impl ScanSlot<'_> {
    /// The scan job registered last, running or not (the caller asks the engine).
    pub fn job_id(&self) -> Option<&str> {
        self.0.job_id.as_deref()
    }

    /// Registers `id` as the running scan.
    pub fn set_job(&mut self, id: &str) {
        self.0.job_id = Some(id.to_owned());
    }

    /// Forgets the registered scan (it has finished).
    pub fn clear_job(&mut self) {
        self.0.job_id = None;
    }

    /// Whether the last scan failed less than [`SCAN_BACKOFF`] ago.
    pub fn backing_off(&self) -> bool {
        self.0.failed_at.is_some_and(|at| at.elapsed() < SCAN_BACKOFF)
    }
}

impl StorageIndex {
    /// An empty index that follows the changes made through `registry`.
    pub fn new(registry: &RegistryClient) -> StorageIndex {
        let inner = Arc::new(Inner {
            scanned: tokio::sync::Mutex::new(None),
            dirty: Mutex::new(HashSet::new()),
            scan: Mutex::new(ScanState::default()),
        });
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

    /// The scan job slot (see [`ScanSlot`]).
    pub fn scan_slot(&self) -> ScanSlot<'_> {
        ScanSlot(self.inner.scan.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// A scan job started (a retry, or one a request started): it is the running one now.
    pub fn scan_started(&self, job_id: &str) {
        self.scan_slot().set_job(job_id);
    }

    /// The scan job failed or was cancelled before installing its result.
    pub fn scan_failed(&self) {
        self.scan_slot().0.failed_at = Some(Instant::now());
    }

    /// Keeps a finished scan's result as the figures.
    pub async fn install(&self, mut scan: FullScan) {
        scan.seen = HashSet::new();
        *self.inner.scanned.lock().await = Some(scan);
        self.scan_slot().0.failed_at = None;
    }

    /// The kept figures with the repositories changed since scanned again; `None` before the
    /// first scan has finished.
    pub async fn cached(&self, registry: &RegistryClient) -> Option<StorageUsage> {
        let mut kept = self.inner.scanned.lock().await;
        let scanned = kept.as_mut()?;
        refresh(registry, scanned, self.take_dirty()).await;
        Some(usage_of(scanned))
    }

    /// One repository's figures from the kept scan (`None` before the first scan has finished).
    /// A repository the scan has not seen (pushed elsewhere since) is read now. `Ok(None)` inside:
    /// the registry does not know it.
    pub async fn repository(
        &self,
        registry: &RegistryClient,
        name: &RepositoryName,
    ) -> Option<Option<RepositoryStorage>> {
        let mut kept = self.inner.scanned.lock().await;
        let scanned = kept.as_mut()?;
        let mut dirty = self.take_dirty();
        let known = scanned.repositories.contains_key(name.as_str())
            || scanned.empty.contains(name.as_str())
            || scanned.errors.contains_key(name.as_str());
        if !known {
            dirty.insert(name.to_string());
        }
        refresh(registry, scanned, dirty).await;
        let at = scanned.computed_at_ms;
        if let Some(figures) = repository_figures(&scanned.repositories, name.as_str(), at) {
            return Some(Some(figures));
        }
        let blank = |error: Option<Message>| RepositoryStorage {
            name: name.to_string(),
            computed_at: format_time(at),
            complete: error.is_none(),
            error,
            ..RepositoryStorage::default()
        };
        Some(if scanned.empty.contains(name.as_str()) {
            Some(blank(None))
        } else {
            scanned.errors.get(name.as_str()).map(|error| blank(Some(error.clone())))
        })
    }

    /// The usage: scanned now, inline, if never before, else the kept scan with the repositories
    /// changed since scanned again. For work that needs the figures whatever it takes (a
    /// retention run's bytes freed, itself a job); requests use [`StorageIndex::cached`]. Only
    /// the catalog failing fails it.
    pub async fn usage(&self, registry: &RegistryClient) -> Result<StorageUsage, RegistryError> {
        let mut kept = self.inner.scanned.lock().await;
        let dirty = self.take_dirty();
        let scanned = match kept.as_mut() {
            Some(scanned) => {
                refresh(registry, scanned, dirty).await;
                scanned
            }
            None => {
                let mut scan = FullScan::new();
                scan_into(registry, &mut scan, catalog(registry).await?).await;
                scan.seen = HashSet::new();
                kept.insert(scan)
            }
        };
        Ok(usage_of(scanned))
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

fn usage_of(scanned: &FullScan) -> StorageUsage {
    let mut usage = summarize(&scanned.repositories, scanned.errors.clone(), scanned.computed_at_ms);
    usage.empty_repositories = scanned.empty.iter().cloned().collect();
    usage
}

/// Scans `names` again into `scanned`; its `computed_at` moves on when anything was.
async fn refresh(registry: &RegistryClient, scanned: &mut FullScan, names: HashSet<String>) {
    if names.is_empty() {
        return;
    }
    scan_into(registry, scanned, names).await;
    scanned.computed_at_ms = now_ms();
}

/// Reads `names`, a few at a time, into `scan`.
async fn scan_into(registry: &RegistryClient, scan: &mut FullScan, names: impl IntoIterator<Item = String>) {
    let results: Vec<(String, RepositoryScan)> = stream::iter(names)
        .map(|name| async move {
            let result = scan_named(registry, &name).await;
            (name, result)
        })
        .buffer_unordered(REPOSITORIES_AT_ONCE)
        .collect()
        .await;
    for (name, result) in results {
        scan.apply(&name, result);
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
pub async fn catalog(registry: &RegistryClient) -> Result<Vec<String>, RegistryError> {
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

/// Reads one repository by name (a name the registry lists).
pub async fn scan_named(registry: &RegistryClient, name: &str) -> RepositoryScan {
    let result = match name.parse::<RepositoryName>() {
        Ok(repository) => scan_repository(registry, &repository).await,
        Err(reason) => Err(reason.message()),
    };
    match result {
        Ok(Some(blobs)) => RepositoryScan::Read(blobs),
        Ok(None) => RepositoryScan::Gone,
        Err(error) => RepositoryScan::Failed(error),
    }
}

/// The blobs `repository`'s tags refer to; `None` when the registry does not know it. A tag that
/// cannot be read fails the repository (its figures would be too low otherwise); a tag deleted
/// meanwhile is left out.
async fn scan_repository(
    registry: &RegistryClient,
    repository: &RepositoryName,
) -> Result<Option<RepositoryBlobs>, Message> {
    let tags = match registry.list_tags(repository).await {
        Ok(tags) => tags,
        Err(error) if error.is_not_found() => return Ok(None),
        Err(error) => return Err(error.message()),
    };
    let manifests: Vec<_> = stream::iter(tags)
        .map(|tag| async move {
            let manifest = registry.tag_manifest(repository, &tag).await;
            (tag, manifest)
        })
        .buffer_unordered(TAGS_AT_ONCE)
        .collect()
        .await;
    let mut blobs = RepositoryBlobs::default();
    for (tag, manifest) in manifests {
        match manifest {
            Ok(Some(manifest)) => {
                let mut held = HashMap::new();
                collect(registry, repository, &manifest, 0, &mut held).await?;
                blobs.tag_count += 1;
                let mut digests: Vec<String> = held.keys().cloned().collect();
                digests.sort();
                blobs
                    .tags
                    .insert(tag.to_string(), TagBlobs { digest: manifest.digest.clone(), blobs: digests });
                blobs.blobs.extend(held);
            }
            Ok(None) => {}
            Err(error) => return Err(error.message()),
        }
    }
    Ok(Some(blobs))
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
        RepositoryBlobs {
            tag_count,
            blobs: blobs.iter().map(|(d, s)| (d.to_string(), *s)).collect(),
            tags: BTreeMap::new(),
        }
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

    fn tag(digest: &str, blobs: &[&str]) -> TagBlobs {
        TagBlobs { digest: digest.into(), blobs: blobs.iter().map(|b| b.to_string()).collect() }
    }

    #[test]
    fn a_tag_holds_alone_only_what_no_other_tag_or_repository_refers_to() {
        let mut a = repo(3, &[("m1", 10), ("m2", 20), ("base", 1000), ("own-1", 300), ("own-2", 50)]);
        a.tags = BTreeMap::from([
            ("v1".to_owned(), tag("m1", &["m1", "base", "own-1"])),
            // Two tags on one digest: neither holds anything alone.
            ("v2".to_owned(), tag("m2", &["m2", "base", "own-2"])),
            ("latest".to_owned(), tag("m2", &["m2", "base", "own-2"])),
        ]);
        let mut b = repo(1, &[("m3", 5), ("own-1", 300)]);
        b.tags = BTreeMap::from([("x".to_owned(), tag("m3", &["m3", "own-1"]))]);
        let repositories = BTreeMap::from([("a".to_owned(), a), ("b".to_owned(), b)]);
        let figures = repository_figures(&repositories, "a", 0).unwrap();
        let tags: Vec<(&str, u64, u64)> =
            figures.tags.iter().map(|t| (t.tag.as_str(), t.bytes, t.only_bytes)).collect();
        // v1's own-1 is b's too: only its manifest is v1's alone.
        assert_eq!(tags, [("latest", 1070, 0), ("v1", 1310, 10), ("v2", 1070, 0)]);
        assert_eq!((figures.unique_bytes, figures.shared_bytes, figures.tag_count), (1080, 300, 3));
        assert!(repository_figures(&repositories, "c", 0).is_none());
    }

    #[test]
    fn a_full_scan_keeps_empty_and_unreadable_repositories_apart() {
        let mut scan = FullScan::new();
        assert_eq!(scan.apply("a", RepositoryScan::Read(repo(1, &[("m1", 10), ("base", 100)]))), 110);
        // Only blobs not seen before count as new bytes.
        assert_eq!(scan.apply("b", RepositoryScan::Read(repo(1, &[("m2", 5), ("base", 100)]))), 5);
        assert_eq!(scan.apply("empty", RepositoryScan::Read(repo(0, &[]))), 0);
        scan.apply("broken", RepositoryScan::Failed("boom".into()));
        scan.apply("gone", RepositoryScan::Gone);
        assert_eq!(scan.counts(), (2, 1, 1));
        assert_eq!(scan.total_unique_bytes(), 115);
        let usage = usage_of(&scan);
        assert_eq!(usage.empty_repositories, ["empty"]);
        assert!(!usage.complete && usage.errors.contains_key("broken"));
        // Read again after its tags came back: no longer empty.
        scan.apply("empty", RepositoryScan::Read(repo(1, &[("m3", 1)])));
        assert!(usage_of(&scan).empty_repositories.is_empty());
    }
}
