//! The client's caches, shared by its clones.
//!
//! * Manifests by digest and image configs by digest: content-addressed, so immutable and safe to
//!   keep as long as memory allows. Bounded by bytes ([`quick_cache`], which also makes concurrent
//!   readers of one digest wait for a single fetch instead of each fetching).
//! * Tag → digest and per-repository tag counts: *not* immutable (a tag can be pushed again), so
//!   each entry is trusted for a short time only ([`DEFAULT_TAG_TTL`]); after that the digest is
//!   re-checked with a cheap `HEAD`. Every change made through this client (manifest PUT or
//!   DELETE) invalidates the repository's entries, and a per-repository generation number keeps a
//!   read that started before the change from storing what it saw afterwards — so a change made
//!   through the app is never shown stale. Changes made by others (a `docker push`) show up
//!   within the TTL; a new or deleted tag shows at once, because tag lists themselves are always
//!   read fresh for the repository view.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use quick_cache::Weighter;
use quick_cache::sync::Cache;

use super::content::Manifest;
use super::reference::Digest;
use crate::model::ImageConfigSummary;

/// How long a tag → digest mapping (or a repository's tag count) is used without asking the
/// registry again. Changes through the app invalidate at once; this only bounds how long a
/// change made elsewhere can go unseen.
pub const DEFAULT_TAG_TTL: Duration = Duration::from_secs(30);

/// Byte budget for manifests kept by digest.
const MANIFEST_CACHE_BYTES: u64 = 64 << 20;
/// Byte budget for summarised image configs kept by digest.
const CONFIG_CACHE_BYTES: u64 = 64 << 20;
/// At most this many tag → digest entries (≈ 200 bytes each) before expired ones are swept.
const MAX_TAG_ENTRIES: usize = 200_000;

/// An approximate in-memory size, for the byte-bounded caches.
pub(super) trait Weighed {
    fn weight(&self) -> u64;
}

#[derive(Clone, Copy, Debug, Default)]
pub(super) struct ByteWeighter;

impl<V: Weighed> Weighter<String, Arc<V>> for ByteWeighter {
    fn weight(&self, key: &String, value: &Arc<V>) -> u64 {
        (key.len() as u64 + value.weight()).max(1)
    }
}

impl Weighed for Manifest {
    fn weight(&self) -> u64 {
        // The bytes plus roughly as much again for the parsed copy.
        256 + 2 * self.raw.len() as u64
    }
}

impl Weighed for ImageConfigSummary {
    fn weight(&self) -> u64 {
        let strings = |v: &[String]| v.iter().map(|s| s.len() as u64 + 24).sum::<u64>();
        256 + self.labels.iter().map(|(k, v)| (k.len() + v.len()) as u64 + 48).sum::<u64>()
            + strings(&self.env)
            + strings(&self.entrypoint)
            + strings(&self.cmd)
            + strings(&self.exposed_ports)
            + self
                .history
                .iter()
                .map(|h| {
                    96 + [&h.created, &h.created_by, &h.comment]
                        .iter()
                        .map(|s| s.as_ref().map_or(0, |s| s.len() as u64))
                        .sum::<u64>()
                })
                .sum::<u64>()
    }
}

/// What the cache knows about a tag's digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Known {
    /// Seen within the TTL (and no change through this client since).
    Fresh(Digest),
    /// Seen before, but too long ago to trust: worth a `HEAD` to confirm.
    Stale(Digest),
    Unknown,
}

#[derive(Default)]
struct RepoTags {
    /// Bumped by every invalidation; reads store only if it did not move while they ran.
    generation: u64,
    digests: HashMap<String, (Digest, Instant)>,
    count: Option<(usize, Instant)>,
}

#[derive(Default)]
struct TagTable {
    repos: HashMap<String, RepoTags>,
    entries: usize,
}

pub(super) struct Caches {
    pub manifests: Cache<String, Arc<Manifest>, ByteWeighter>,
    pub configs: Cache<String, Arc<ImageConfigSummary>, ByteWeighter>,
    tags: Mutex<TagTable>,
    ttl_millis: AtomicU64,
    generations: AtomicU64,
}

impl Caches {
    pub fn new() -> Self {
        Self {
            manifests: Cache::with_weighter(16_384, MANIFEST_CACHE_BYTES, ByteWeighter),
            configs: Cache::with_weighter(16_384, CONFIG_CACHE_BYTES, ByteWeighter),
            tags: Mutex::new(TagTable::default()),
            ttl_millis: AtomicU64::new(DEFAULT_TAG_TTL.as_millis() as u64),
            generations: AtomicU64::new(0),
        }
    }

    pub fn set_ttl(&self, ttl: Duration) {
        self.ttl_millis.store(ttl.as_millis() as u64, Ordering::Relaxed);
    }

    fn ttl(&self) -> Duration {
        Duration::from_millis(self.ttl_millis.load(Ordering::Relaxed))
    }

    fn table(&self) -> std::sync::MutexGuard<'_, TagTable> {
        // A panic while holding the lock cannot leave the table inconsistent in a harmful way.
        self.tags.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The repository's current generation: take it before reading from the registry, and hand
    /// it back when storing what was read.
    pub fn generation(&self, repository: &str) -> u64 {
        self.table().repos.get(repository).map_or(0, |r| r.generation)
    }

    /// Forgets every tag → digest mapping and the tag count of `repository`, and makes reads
    /// already in flight unable to store theirs.
    pub fn invalidate(&self, repository: &str) {
        let generation = self.generations.fetch_add(1, Ordering::Relaxed) + 1;
        let mut table = self.table();
        let repo = table.repos.entry(repository.to_owned()).or_default();
        repo.generation = generation;
        let removed = repo.digests.len();
        repo.digests.clear();
        repo.count = None;
        table.entries -= removed;
    }

    pub fn tag_digest(&self, repository: &str, tag: &str) -> Known {
        let table = self.table();
        match table.repos.get(repository).and_then(|r| r.digests.get(tag)) {
            Some((digest, at)) if at.elapsed() < self.ttl() => Known::Fresh(digest.clone()),
            Some((digest, _)) => Known::Stale(digest.clone()),
            None => Known::Unknown,
        }
    }

    pub fn store_tag_digest(&self, repository: &str, generation: u64, tag: &str, digest: &Digest) {
        let mut table = self.table();
        let table = &mut *table;
        let repo = table.repos.entry(repository.to_owned()).or_default();
        if repo.generation != generation {
            return;
        }
        if repo.digests.insert(tag.to_owned(), (digest.clone(), Instant::now())).is_none() {
            table.entries += 1;
        }
        if table.entries > MAX_TAG_ENTRIES {
            Self::sweep(table, self.ttl());
        }
    }

    /// The tag no longer exists (the registry said 404).
    pub fn forget_tag(&self, repository: &str, tag: &str) {
        let mut table = self.table();
        let table = &mut *table;
        if let Some(repo) = table.repos.get_mut(repository)
            && repo.digests.remove(tag).is_some()
        {
            table.entries -= 1;
        }
    }

    pub fn tag_count(&self, repository: &str) -> Option<usize> {
        let table = self.table();
        let (count, at) = table.repos.get(repository)?.count?;
        (at.elapsed() < self.ttl()).then_some(count)
    }

    pub fn store_tag_count(&self, repository: &str, generation: u64, count: usize) {
        let mut table = self.table();
        let repo = table.repos.entry(repository.to_owned()).or_default();
        if repo.generation == generation {
            repo.count = Some((count, Instant::now()));
        }
    }

    /// Drops expired mappings; if that is not enough, every mapping (they are only hints).
    /// Repositories stay, with their generation, so invalidations keep working.
    fn sweep(table: &mut TagTable, ttl: Duration) {
        for repo in table.repos.values_mut() {
            repo.digests.retain(|_, (_, at)| at.elapsed() < ttl);
        }
        table.entries = table.repos.values().map(|r| r.digests.len()).sum();
        if table.entries > MAX_TAG_ENTRIES / 2 {
            for repo in table.repos.values_mut() {
                repo.digests.clear();
            }
            table.entries = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(seed: &str) -> Digest {
        Digest::sha256(seed.as_bytes())
    }

    #[test]
    fn tag_digests_are_fresh_then_stale_and_invalidated_by_changes() {
        let caches = Caches::new();
        let g = caches.generation("a/b");
        assert_eq!(caches.tag_digest("a/b", "1"), Known::Unknown);
        caches.store_tag_digest("a/b", g, "1", &digest("1"));
        assert_eq!(caches.tag_digest("a/b", "1"), Known::Fresh(digest("1")));
        caches.set_ttl(Duration::ZERO);
        assert_eq!(caches.tag_digest("a/b", "1"), Known::Stale(digest("1")));
        caches.set_ttl(DEFAULT_TAG_TTL);
        caches.invalidate("a/b");
        assert_eq!(caches.tag_digest("a/b", "1"), Known::Unknown);
    }

    // Guards against a read that began before a delete storing the deleted tag's digest after it.
    #[test]
    fn reads_that_straddle_an_invalidation_do_not_store() {
        let caches = Caches::new();
        let before = caches.generation("r");
        caches.invalidate("r");
        caches.store_tag_digest("r", before, "t", &digest("old"));
        caches.store_tag_count("r", before, 3);
        assert_eq!(caches.tag_digest("r", "t"), Known::Unknown);
        assert_eq!(caches.tag_count("r"), None);
        let after = caches.generation("r");
        caches.store_tag_count("r", after, 2);
        assert_eq!(caches.tag_count("r"), Some(2));
        // Other repositories are unaffected.
        caches.store_tag_digest("s", caches.generation("s"), "t", &digest("s"));
        caches.invalidate("r");
        assert_eq!(caches.tag_digest("s", "t"), Known::Fresh(digest("s")));
    }

    #[test]
    fn the_tag_table_stays_bounded() {
        let caches = Caches::new();
        for i in 0..MAX_TAG_ENTRIES + 10 {
            caches.store_tag_digest("r", 0, &i.to_string(), &digest("x"));
        }
        {
            let table = caches.table();
            assert!(table.entries <= MAX_TAG_ENTRIES);
            assert_eq!(table.entries, table.repos["r"].digests.len());
        }
        caches.forget_tag("r", "7");
        caches.invalidate("r");
        let entries = caches.table().entries;
        assert_eq!(entries, 0);
    }
}
