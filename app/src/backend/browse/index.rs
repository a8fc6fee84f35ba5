//! The tag count index: each repository's tag count as last seen, kept in memory and in the
//! database under `DATA_DIR` (`repository_tag_counts`), so that the repository list can skip empty
//! repositories (and show counts) without one tag-list request per repository, even on a new
//! server process.
//!
//! It is a hint, revalidated, never trusted blindly:
//! * a count read within the window (`TAG_CACHE_TTL_SEC`) is used as it is;
//! * an older one (every count loaded from disk at start) is used, the answer says it is being
//!   refreshed, and the repository's tags are listed again in the background (once the index has
//!   not been read for a moment, so a walk's next pages do not wait behind it); so a repository
//!   emptied or filled outside the app shows as it is after that refresh;
//! * every change through our registry client (tag and repository deletes, manifests written by
//!   sync and rename jobs, pushes through the daemon, which the jobs report) forgets the
//!   repository's count at once, in memory and on disk: the next list asks the registry;
//! * a background refresh re-lists every indexed repository older than the window every
//!   `TAG_INDEX_REFRESH_SEC`, so counts of repositories nobody looked at stay close.
//!
//! Counts are kept per registry (its API base URL): pointing the server at another registry does
//! not reuse the first one's counts. Writes to the database are batched (a walk records up to
//! 1,000 counts per page) and done off the request path.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures::{StreamExt, stream};
use tokio::sync::Semaphore;

use crate::backend::redact::Scrubbed;
use crate::backend::registry::reference::RepositoryName;
use crate::backend::registry::{RegistryClient, RegistryError};
use crate::backend::store::{Db, StoredTagCount, now_ms};

/// Background revalidations in flight at once: a few, so a walk's revalidations leave the
/// registry to the requests users wait for.
const REVALIDATIONS_IN_FLIGHT: usize = 4;

/// How long recorded counts wait to be written together.
const WRITE_DELAY: Duration = Duration::from_millis(250);

/// Revalidations start once the index has not been read for this long: a walk asks for its next
/// page right after the last, and its catalog requests should not queue behind the
/// revalidations the previous page started.
const QUIET_MS: i64 = 250;

/// A count from the index, and whether it is old enough that it is being revalidated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexedCount {
    pub tag_count: usize,
    pub refreshing: bool,
}

#[derive(Clone, Copy, Debug, Default)]
struct Entry {
    /// The count and when it was read (unix ms); `None` after a change through the app.
    count: Option<(usize, i64)>,
    /// Bumped by every change; a read stores its count only if it did not move meanwhile.
    generation: u64,
}

#[derive(Default)]
struct Pending {
    counts: HashMap<String, StoredTagCount>,
    forget: HashSet<String>,
    /// A write is scheduled.
    scheduled: bool,
}

struct Inner {
    db: Db,
    /// The registry the counts belong to (its API base URL).
    registry_key: String,
    entries: Mutex<HashMap<String, Entry>>,
    generations: AtomicU64,
    window_ms: AtomicU64,
    /// When a count was last served from the index (unix ms).
    last_read_ms: std::sync::atomic::AtomicI64,
    /// Repositories being revalidated in the background.
    revalidating: Mutex<HashSet<String>>,
    permits: Semaphore,
    pending: Mutex<Pending>,
}

/// The index; clones share it.
#[derive(Clone)]
pub struct TagIndex {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for TagIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TagIndex").field("registry", &self.inner.registry_key).finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Each critical section leaves the maps consistent; a panic elsewhere does not poison them.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl TagIndex {
    /// Loads the counts kept for `registry` and follows the changes made through it. A database
    /// that cannot be read leaves the index empty (it is only a hint), with a warning.
    pub fn new(db: Db, registry: &RegistryClient, window: Duration) -> TagIndex {
        let registry_key = registry.base_url().to_string();
        let entries: HashMap<String, Entry> = match db.tag_counts(&registry_key) {
            Ok(rows) => rows
                .into_iter()
                .map(|row| {
                    let entry = Entry { count: Some((row.tag_count, row.checked_at_ms)), generation: 0 };
                    (row.repository, entry)
                })
                .collect(),
            Err(error) => {
                tracing::warn!(%error, "cannot read the tag count index; starting without it");
                HashMap::new()
            }
        };
        tracing::info!(repositories = entries.len(), "tag count index loaded");
        let index = TagIndex {
            inner: Arc::new(Inner {
                db,
                registry_key,
                entries: Mutex::new(entries),
                generations: AtomicU64::new(0),
                last_read_ms: std::sync::atomic::AtomicI64::new(0),
                window_ms: AtomicU64::new(window.as_millis() as u64),
                revalidating: Mutex::new(HashSet::new()),
                permits: Semaphore::new(REVALIDATIONS_IN_FLIGHT),
                pending: Mutex::new(Pending::default()),
            }),
        };
        // A weak reference: the client (held by the index's own tasks) must not keep it alive.
        let weak = Arc::downgrade(&index.inner);
        registry.on_change(Arc::new(move |repository: &str| {
            if let Some(inner) = weak.upgrade() {
                TagIndex { inner }.forget(repository);
            }
        }));
        index
    }

    /// How long a count is used without revalidating it.
    pub fn set_window(&self, window: Duration) {
        self.inner.window_ms.store(window.as_millis() as u64, Ordering::Relaxed);
    }

    fn window_ms(&self) -> i64 {
        self.inner.window_ms.load(Ordering::Relaxed) as i64
    }

    /// The tag count of `repository`: from the index when it has one (an old one is revalidated
    /// in the background, and says so), else asked of the registry and recorded.
    pub async fn tag_count(
        &self,
        registry: &RegistryClient,
        repository: &RepositoryName,
    ) -> Result<IndexedCount, RegistryError> {
        let name = repository.as_str();
        let (count, generation) = {
            let entries = lock(&self.inner.entries);
            let entry = entries.get(name).copied().unwrap_or_default();
            (entry.count, entry.generation)
        };
        if let Some((tag_count, checked_at)) = count {
            self.inner.last_read_ms.store(now_ms(), Ordering::Relaxed);
            let refreshing = now_ms() - checked_at >= self.window_ms();
            if refreshing {
                self.revalidate(registry, repository);
            }
            return Ok(IndexedCount { tag_count, refreshing });
        }
        let tag_count = registry.tag_count(repository).await?;
        self.record(name, generation, tag_count, now_ms());
        Ok(IndexedCount { tag_count, refreshing: false })
    }

    /// Stores a count read from the registry, unless the repository changed since `generation`
    /// was taken.
    fn record(&self, repository: &str, generation: u64, tag_count: usize, checked_at_ms: i64) {
        {
            let mut entries = lock(&self.inner.entries);
            let entry = entries.entry(repository.to_owned()).or_default();
            if entry.generation != generation {
                return;
            }
            entry.count = Some((tag_count, checked_at_ms));
        }
        let mut pending = lock(&self.inner.pending);
        pending.forget.remove(repository);
        pending.counts.insert(
            repository.to_owned(),
            StoredTagCount { repository: repository.to_owned(), tag_count, checked_at_ms },
        );
        self.schedule_write(pending);
    }

    /// The repository changed through the app: its count is unknown until read again.
    fn forget(&self, repository: &str) {
        let generation = self.inner.generations.fetch_add(1, Ordering::Relaxed) + 1;
        let had_count = {
            let mut entries = lock(&self.inner.entries);
            let entry = entries.entry(repository.to_owned()).or_default();
            entry.generation = generation;
            entry.count.take().is_some()
        };
        let mut pending = lock(&self.inner.pending);
        let was_pending = pending.counts.remove(repository).is_some();
        if had_count || was_pending {
            pending.forget.insert(repository.to_owned());
            self.schedule_write(pending);
        }
    }

    /// Writes what is pending a moment from now, in one transaction, off the request path. Without
    /// a runtime (never in the server), writes at once.
    fn schedule_write(&self, mut pending: MutexGuard<'_, Pending>) {
        if pending.scheduled {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            drop(pending);
            self.write_pending();
            return;
        };
        pending.scheduled = true;
        let index = self.clone();
        runtime.spawn(async move {
            tokio::time::sleep(WRITE_DELAY).await;
            let _ = tokio::task::spawn_blocking(move || index.write_pending()).await;
        });
    }

    fn write_pending(&self) {
        let (counts, forget) = {
            let mut pending = lock(&self.inner.pending);
            pending.scheduled = false;
            let counts: Vec<StoredTagCount> = pending.counts.drain().map(|(_, c)| c).collect();
            let forget: Vec<String> = pending.forget.drain().collect();
            (counts, forget)
        };
        if counts.is_empty() && forget.is_empty() {
            return;
        }
        if let Err(error) = self.inner.db.update_tag_counts(&self.inner.registry_key, &counts, &forget) {
            tracing::warn!(%error, "cannot write the tag count index");
        }
    }

    /// Lists the repository's tags again in the background and records the count (0 when the
    /// registry no longer knows it). One revalidation per repository at a time, a few at once.
    fn revalidate(&self, registry: &RegistryClient, repository: &RepositoryName) {
        if !lock(&self.inner.revalidating).insert(repository.to_string()) {
            return;
        }
        let (index, registry, repository) = (self.clone(), registry.clone(), repository.clone());
        tokio::spawn(async move {
            // Users' requests first: wait until the walk that asked has moved on.
            loop {
                let idle = now_ms() - index.inner.last_read_ms.load(Ordering::Relaxed);
                if idle >= QUIET_MS {
                    break;
                }
                tokio::time::sleep(Duration::from_millis((QUIET_MS - idle) as u64)).await;
            }
            {
                let _permit = index.inner.permits.acquire().await;
                index.recount(&registry, &repository).await;
            }
            lock(&index.inner.revalidating).remove(repository.as_str());
        });
    }

    async fn recount(&self, registry: &RegistryClient, repository: &RepositoryName) {
        let name = repository.as_str();
        let generation = lock(&self.inner.entries).get(name).map_or(0, |e| e.generation);
        let checked_at = now_ms();
        match registry.list_tags(repository).await {
            Ok(tags) => self.record(name, generation, tags.len(), checked_at),
            Err(error) if error.is_not_found() => self.record(name, generation, 0, checked_at),
            Err(error) => {
                let error = Scrubbed(&error);
                tracing::debug!(%repository, %error, "revalidating a tag count failed; kept as it was");
            }
        }
    }

    /// Revalidations started and not yet finished, and writes not yet done (tests wait for both).
    pub fn busy(&self) -> bool {
        !lock(&self.inner.revalidating).is_empty() || lock(&self.inner.pending).scheduled
    }

    /// Re-lists every indexed repository whose count is older than the window, a few at a time;
    /// returns how many were re-listed.
    pub async fn refresh(&self, registry: &RegistryClient) -> usize {
        let cutoff = now_ms() - self.window_ms();
        let due: Vec<String> = lock(&self.inner.entries)
            .iter()
            .filter(|(_, e)| e.count.is_some_and(|(_, at)| at < cutoff))
            .map(|(name, _)| name.clone())
            .collect();
        let due: Vec<RepositoryName> = due.into_iter().filter_map(|n| n.parse().ok()).collect();
        let count = due.len();
        stream::iter(due)
            .for_each_concurrent(REVALIDATIONS_IN_FLIGHT, |repository| async move {
                if !lock(&self.inner.revalidating).insert(repository.to_string()) {
                    return;
                }
                self.recount(registry, &repository).await;
                lock(&self.inner.revalidating).remove(repository.as_str());
            })
            .await;
        count
    }

    /// Runs [`TagIndex::refresh`] every `every` (the first one after `every`: at start, lists
    /// revalidate what they show).
    pub fn spawn_refresh(&self, registry: RegistryClient, every: Duration) -> tokio::task::JoinHandle<()> {
        let index = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let count = index.refresh(&registry).await;
                tracing::debug!(repositories = count, "tag count index refreshed");
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::registry::{Credentials, OutboundPolicy, RegistryClientOptions};
    use crate::backend::store::test_db;

    fn client() -> RegistryClient {
        let base: url::Url = "http://127.0.0.1:9/".parse().unwrap();
        RegistryClient::new(RegistryClientOptions {
            base_url: base.clone(),
            credentials: Credentials::Anonymous,
            timeout: Duration::from_secs(1),
            ca_cert: None,
            insecure: false,
            outbound: Arc::new(OutboundPolicy::new(&base, Vec::new(), Vec::new())),
        })
        .unwrap()
    }

    fn count(index: &TagIndex, name: &str) -> Option<usize> {
        lock(&index.inner.entries).get(name).and_then(|e| e.count).map(|(c, _)| c)
    }

    // Guards against a count read before a change through the app being stored after it.
    #[test]
    fn changes_forget_counts_in_memory_and_on_disk_and_stop_reads_in_flight() {
        let (dir, db) = test_db();
        let registry = client();
        let index = TagIndex::new(db.clone(), &registry, Duration::from_secs(30));
        let before = lock(&index.inner.entries).get("a/b").map_or(0, |e| e.generation);
        index.record("a/b", before, 3, now_ms());
        index.record("c/d", 0, 0, now_ms());
        assert_eq!(count(&index, "a/b"), Some(3));
        assert_eq!(db.tag_counts(registry.base_url().as_str()).unwrap().len(), 2);
        registry.invalidate_repository(&"a/b".parse().unwrap());
        assert_eq!(count(&index, "a/b"), None);
        index.record("a/b", before, 3, now_ms());
        assert_eq!(count(&index, "a/b"), None, "a read from before the change stores nothing");
        let kept = db.tag_counts(registry.base_url().as_str()).unwrap();
        assert_eq!(kept.iter().map(|c| c.repository.as_str()).collect::<Vec<_>>(), ["c/d"]);
        // A new index over the same database (a new process) starts from what was kept.
        let again = TagIndex::new(Db::open(dir.path()).unwrap(), &client(), Duration::from_secs(30));
        assert_eq!((count(&again, "c/d"), count(&again, "a/b")), (Some(0), None));
    }
}
