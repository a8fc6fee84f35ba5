//! The client's caches, shared by its clones.
//!
//! * Manifests by digest and image configs by digest: content-addressed, so immutable and safe to
//!   keep as long as memory allows. Bounded by bytes ([`quick_cache`], which also makes concurrent
//!   readers of one digest wait for a single fetch instead of each fetching).
//! * Tag → digest and per-repository tag counts: *not* immutable (a tag can be pushed again), so
//!   each entry is trusted for a short time only ([`DEFAULT_TAG_TTL`], the window). Past the
//!   window, a digest is served as it is while a cheap `HEAD` revalidates it in the background
//!   (stale-while-revalidate, for the tag table: a 5,000-tag page stays as fast as when warm), up
//!   to [`DEFAULT_TAG_MAX_STALE`]; older than that, it is re-checked before it is used. Every
//!   change made through this client (manifest PUT or
//!   DELETE) invalidates the repository's entries, and a per-repository generation number keeps a
//!   read that started before the change from storing what it saw afterwards — so a change made
//!   through the app is never shown stale. Changes made by others (a `docker push`) show up
//!   within the TTL; a new or deleted tag shows at once, because tag lists themselves are always
//!   read fresh for the repository view.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use quick_cache::Weighter;
use quick_cache::sync::Cache;

use super::content::Manifest;
use super::reference::{Digest, RepositoryName, Tag};
use crate::model::ImageConfigSummary;

/// How long a tag → digest mapping (or a repository's tag count) is used without asking the
/// registry again. Changes through the app invalidate at once; this only bounds how long a
/// change made elsewhere can go unseen.
pub const DEFAULT_TAG_TTL: Duration = Duration::from_secs(30);

/// How old a tag → digest mapping may be and still be served while it is revalidated in the
/// background (callers that accept that, see `RegistryClient::tag_manifest_or_stale`). Older
/// ones are re-checked before they are used.
pub const DEFAULT_TAG_MAX_STALE: Duration = Duration::from_secs(600);

/// Background revalidations in flight at once: a fraction of the client's request bound, so a
/// page's revalidations leave room for the requests users wait for.
pub(super) const REVALIDATIONS_IN_FLIGHT: usize = 4;

/// Revalidations start once no stale answer has been served for this long: the page that served
/// them is answered first, without revalidations competing for the registry and the CPU.
pub const REVALIDATION_QUIET: Duration = Duration::from_millis(100);

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
    /// Seen past the TTL but within the maximum staleness: may be served while it is revalidated.
    Stale(Digest),
    /// Seen too long ago to serve: worth a `HEAD` to confirm first.
    Expired(Digest),
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
    max_stale_millis: AtomicU64,
    generations: AtomicU64,
    /// (repository, tag) pairs being revalidated in the background: one `HEAD` each at a time.
    revalidating: Mutex<HashSet<(String, String)>>,
    /// Revalidations waiting for the background worker, and whether it runs.
    revalidation_queue: Mutex<RevalidationQueue>,
    /// Told the repository's name on every invalidation (what is built on the client's view,
    /// e.g. the tag count index, follows the changes made through it).
    listeners: RwLock<Vec<ChangeListener>>,
    /// When a stale answer was last served, in ms since `born`.
    last_stale_ms: AtomicU64,
    born: Instant,
}

/// A tag to ask the registry about again, with the repository's generation when its stale
/// answer was served.
pub(super) type Revalidation = (RepositoryName, Tag, u64);

#[derive(Default)]
struct RevalidationQueue {
    waiting: Vec<Revalidation>,
    worker: bool,
}

/// Called with a repository's name whenever the client invalidates what it knows about it.
pub type ChangeListener = Arc<dyn Fn(&str) + Send + Sync>;

impl Caches {
    pub fn new() -> Self {
        Self {
            manifests: Cache::with_weighter(16_384, MANIFEST_CACHE_BYTES, ByteWeighter),
            configs: Cache::with_weighter(16_384, CONFIG_CACHE_BYTES, ByteWeighter),
            tags: Mutex::new(TagTable::default()),
            ttl_millis: AtomicU64::new(DEFAULT_TAG_TTL.as_millis() as u64),
            max_stale_millis: AtomicU64::new(DEFAULT_TAG_MAX_STALE.as_millis() as u64),
            generations: AtomicU64::new(0),
            revalidating: Mutex::new(HashSet::new()),
            revalidation_queue: Mutex::new(RevalidationQueue::default()),
            listeners: RwLock::new(Vec::new()),
            last_stale_ms: AtomicU64::new(0),
            born: Instant::now(),
        }
    }

    /// A stale answer is being served now.
    pub fn served_stale(&self) {
        self.last_stale_ms.store(self.born.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    /// How long until no stale answer has been served for [`REVALIDATION_QUIET`] (zero: now).
    pub fn until_quiet(&self) -> Duration {
        let last = Duration::from_millis(self.last_stale_ms.load(Ordering::Relaxed));
        (last + REVALIDATION_QUIET).saturating_sub(self.born.elapsed())
    }

    pub fn on_change(&self, listener: ChangeListener) {
        self.listeners.write().unwrap_or_else(|poisoned| poisoned.into_inner()).push(listener);
    }

    pub fn set_max_stale(&self, max_stale: Duration) {
        self.max_stale_millis.store(max_stale.as_millis() as u64, Ordering::Relaxed);
    }

    fn max_stale(&self) -> Duration {
        Duration::from_millis(self.max_stale_millis.load(Ordering::Relaxed))
    }

    /// Marks a tag as being revalidated; `false` if it already is (the caller then leaves it).
    pub fn begin_revalidation(&self, repository: &str, tag: &str) -> bool {
        let mut set = self.revalidating.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        set.insert((repository.to_owned(), tag.to_owned()))
    }

    /// Queues a revalidation; `true` when no worker runs and the caller must start one (one
    /// background task drains the queue, however many tags a page served stale).
    pub fn queue_revalidation(&self, revalidation: Revalidation) -> bool {
        let mut queue = self.revalidation_queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        queue.waiting.push(revalidation);
        !std::mem::replace(&mut queue.worker, true)
    }

    /// Everything queued, for the worker; when nothing is, the worker is done (under the same
    /// lock as the queueing, so a revalidation queued meanwhile starts a new one).
    pub fn take_revalidations(&self) -> Vec<Revalidation> {
        let mut queue = self.revalidation_queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if queue.waiting.is_empty() {
            queue.worker = false;
        }
        std::mem::take(&mut queue.waiting)
    }

    pub fn end_revalidation(&self, repository: &str, tag: &str) {
        let mut set = self.revalidating.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        set.remove(&(repository.to_owned(), tag.to_owned()));
    }

    /// Background revalidations started and not yet finished.
    pub fn revalidations_pending(&self) -> usize {
        self.revalidating.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len()
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
        drop(table);
        let listeners = self.listeners.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
        for listener in listeners {
            listener(repository);
        }
    }

    pub fn tag_digest(&self, repository: &str, tag: &str) -> Known {
        let table = self.table();
        match table.repos.get(repository).and_then(|r| r.digests.get(tag)) {
            Some((digest, at)) if at.elapsed() < self.ttl() => Known::Fresh(digest.clone()),
            Some((digest, at)) if at.elapsed() < self.ttl().max(self.max_stale()) => {
                Known::Stale(digest.clone())
            }
            Some((digest, _)) => Known::Expired(digest.clone()),
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
            Self::sweep(table, self.ttl().max(self.max_stale()));
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

    /// Drops mappings past the maximum staleness; if that is not enough, every mapping (they are only hints).
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
        caches.set_max_stale(Duration::ZERO);
        assert_eq!(caches.tag_digest("a/b", "1"), Known::Expired(digest("1")));
        caches.set_max_stale(DEFAULT_TAG_MAX_STALE);
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
    fn a_tag_is_revalidated_once_at_a_time() {
        let caches = Caches::new();
        assert!(caches.begin_revalidation("r", "t"));
        assert!(!caches.begin_revalidation("r", "t"));
        assert!(caches.begin_revalidation("r", "u"));
        assert_eq!(caches.revalidations_pending(), 2);
        caches.end_revalidation("r", "t");
        assert!(caches.begin_revalidation("r", "t"));
    }

    #[test]
    fn one_worker_drains_the_queue_and_a_revalidation_queued_after_it_ends_starts_another() {
        let caches = Caches::new();
        let item = |tag: &str| ("r".parse::<RepositoryName>().unwrap(), tag.parse::<Tag>().unwrap(), 0);
        assert!(caches.queue_revalidation(item("a")), "the first starts the worker");
        assert!(!caches.queue_revalidation(item("b")), "later ones join its queue");
        let batch: Vec<String> = caches.take_revalidations().iter().map(|(_, t, _)| t.to_string()).collect();
        assert_eq!(batch, ["a", "b"]);
        assert!(!caches.queue_revalidation(item("c")), "the worker has not ended yet: it takes this one");
        assert_eq!(caches.take_revalidations().len(), 1);
        assert!(caches.take_revalidations().is_empty(), "nothing left: the worker ends");
        assert!(caches.queue_revalidation(item("d")), "so the next one starts a new worker");
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
