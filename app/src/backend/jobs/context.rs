//! What a job kind sees of the engine: the [`Deps`] it works with, and the [`JobContext`] of the
//! job it runs, to report log lines, items and bytes to, and to learn that it was cancelled. The
//! engine (`engine.rs`) makes both; the kinds (`kinds/`) only use them.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::outcome::ItemOutcome;
use super::store::Store;
use crate::backend::copy::CopyObserver;
use crate::backend::docker::DockerClient;
use crate::backend::gc::GcTarget;
use crate::backend::registry::{RegistryClient, SourceRegistries};
use crate::backend::storage::StorageIndex;
use crate::model::{ItemStatus, JobEvent, JobItem, JobSummary, LogLevel, Message};

/// How often, at most, byte progress is written to the store and sent to live views.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(250);

/// What the job kinds work with.
pub struct Deps {
    /// Our registry.
    pub registry: RegistryClient,
    /// Clients for every registry by host, ours included (it knows `REGISTRY_PUSH_HOST`).
    pub sources: SourceRegistries,
    /// The Docker daemon (local push and delete, sync with `engine: docker`).
    pub docker: Arc<DockerClient>,
    /// The registry whose garbage this server can collect (embedded, a container, or a host
    /// registry by its config; `backend/gc`). `None` when it can operate none.
    pub gc_target: Option<GcTarget>,
    /// `LOCAL_PUSH_CONCURRENCY`: images a local push job works on at once.
    pub local_push_concurrency: usize,
    /// The storage usage model (bytes a retention run frees).
    pub storage: StorageIndex,
    /// What starts a garbage collection after a retention run (`gc_after`); empty until a GC
    /// exists for this registry.
    pub gc: GcHook,
}

/// Starts a garbage collection of our registry, for a retention run whose policy asks for one
/// (`gc_after`). Set once, by whatever can collect garbage for this registry.
pub trait StartGc: Send + Sync {
    /// Starts it; the job id, or why it cannot start (in the job log's reader's language).
    fn start_gc(&self, reason: &str) -> Result<String, Message>;
}

/// The slot for the [`StartGc`] in use; clones share it. Empty means "no GC available here".
#[derive(Clone, Default)]
pub struct GcHook(Arc<std::sync::OnceLock<Arc<dyn StartGc>>>);

impl GcHook {
    /// Installs the GC starter; a second call is ignored (`false`).
    pub fn set(&self, starter: Arc<dyn StartGc>) -> bool {
        self.0.set(starter).is_ok()
    }

    pub fn get(&self) -> Option<&Arc<dyn StartGc>> {
        self.0.get()
    }
}

/// RFC 3339 UTC with milliseconds, fixed width (`2026-11-27T01:57:31.530Z`), so the strings sort.
pub fn now() -> String {
    crate::backend::store::format_time(crate::backend::store::now_ms())
}

/// What every job reports into, shared by the engine and each job's context.
pub(super) struct Shared {
    pub store: Store,
    pub deps: Deps,
    pub events: broadcast::Sender<JobEvent>,
}

/// A queued or running job: its cancellation token and its current summary and items (the
/// store has the same, except byte progress between flushes).
pub(super) struct LiveJob {
    pub cancel: CancellationToken,
    pub state: Mutex<LiveState>,
}

pub(super) struct LiveState {
    pub summary: JobSummary,
    pub items: Vec<JobItem>,
    last_flush: Instant,
}

impl LiveJob {
    pub fn new(summary: JobSummary, items: Vec<JobItem>) -> Self {
        Self {
            cancel: CancellationToken::new(),
            state: Mutex::new(LiveState { summary, items, last_flush: Instant::now() }),
        }
    }
}

/// What a running job's kind uses to report: log lines, items, bytes; and its cancellation token.
pub struct JobContext {
    shared: Arc<Shared>,
    live: Arc<LiveJob>,
}

impl JobContext {
    pub(super) fn new(shared: Arc<Shared>, live: Arc<LiveJob>) -> Self {
        Self { shared, live }
    }

    pub fn deps(&self) -> &Deps {
        &self.shared.deps
    }

    pub fn cancel_token(&self) -> &CancellationToken {
        &self.live.cancel
    }

    pub fn is_cancelled(&self) -> bool {
        self.live.cancel.is_cancelled()
    }

    pub fn id(&self) -> String {
        self.live.state.lock().expect("job state lock").summary.id.clone()
    }

    /// Whether a worker has taken the job up.
    pub(super) fn started(&self) -> bool {
        self.live.state.lock().expect("job state lock").summary.started_at.is_some()
    }

    fn send(&self, event: JobEvent) {
        // No receiver is fine: nobody is watching.
        let _ = self.shared.events.send(event);
    }

    /// Appends a log line (stored with its key, so each reader sees it in their language; then
    /// sent live).
    pub fn log(&self, level: LogLevel, message: impl Into<Message>) {
        let message = message.into();
        let id = self.id();
        match level {
            LogLevel::Error => tracing::warn!(job = %id, "{message}"),
            _ => tracing::debug!(job = %id, "{message}"),
        }
        match self.shared.store.append_log(&id, &now(), level, &message) {
            Ok(line) => self.send(JobEvent::Log { job_id: id, line }),
            Err(error) => tracing::error!(job = %id, %error, "cannot store a job log line"),
        }
    }

    pub fn info(&self, message: impl Into<Message>) {
        self.log(LogLevel::Info, message);
    }

    pub fn warn(&self, message: impl Into<Message>) {
        self.log(LogLevel::Warn, message);
    }

    pub fn error(&self, message: impl Into<Message>) {
        self.log(LogLevel::Error, message);
    }

    /// Replaces the job's items (kinds that learn their items when they start).
    pub fn set_items(&self, items: Vec<JobItem>) {
        let id = self.id();
        if let Err(error) = self.shared.store.set_items(&id, &items) {
            tracing::error!(job = %id, %error, "cannot store job items");
        }
        {
            let mut state = self.live.state.lock().expect("job state lock");
            state.items = items.clone();
        }
        for (index, item) in items.into_iter().enumerate() {
            self.send(JobEvent::Item { job_id: id.clone(), index, item });
        }
        self.update_summary(|_| {});
    }

    pub fn item(&self, index: usize) -> JobItem {
        self.live.state.lock().expect("job state lock").items[index].clone()
    }

    pub fn items(&self) -> Vec<JobItem> {
        self.live.state.lock().expect("job state lock").items.clone()
    }

    /// Changes one item, stores it and sends it live.
    pub fn update_item(&self, index: usize, change: impl FnOnce(&mut JobItem)) {
        let (id, item) = {
            let mut state = self.live.state.lock().expect("job state lock");
            change(&mut state.items[index]);
            (state.summary.id.clone(), state.items[index].clone())
        };
        if let Err(error) = self.shared.store.update_item(&id, index, &item) {
            tracing::error!(job = %id, %error, "cannot store a job item");
        }
        self.send(JobEvent::Item { job_id: id, index, item });
        self.update_summary(|_| {});
    }

    /// Marks item `index` as being worked on.
    pub fn start_item(&self, index: usize) {
        self.update_item(index, |item| item.status = ItemStatus::Running);
    }

    /// Records how item `index` ended.
    pub fn finish_item(&self, index: usize, outcome: ItemOutcome) {
        self.update_item(index, |item| outcome.apply_to(item));
    }

    /// Changes how item `index` ended: a later step's note on it, or the end of a job that never
    /// reached it.
    pub fn amend_item(&self, index: usize, change: impl FnOnce(ItemOutcome) -> ItemOutcome) {
        self.update_item(index, |item| change(ItemOutcome::of(item)).apply_to(item));
    }

    /// Applies `change`, recounts items, stores the summary and sends it live.
    pub(super) fn update_summary(&self, change: impl FnOnce(&mut JobSummary)) {
        let summary = {
            let mut state = self.live.state.lock().expect("job state lock");
            let state = &mut *state;
            change(&mut state.summary);
            recount(&mut state.summary, &state.items);
            state.summary.updated_at = now();
            state.last_flush = Instant::now();
            state.summary.clone()
        };
        if let Err(error) = self.shared.store.update_summary(&summary) {
            tracing::error!(job = %summary.id, %error, "cannot store a job summary");
        }
        self.send(JobEvent::Summary { summary });
    }

    /// Byte progress (`total` newly known, `done` newly moved): kept in memory, flushed at most
    /// every [`PROGRESS_INTERVAL`].
    pub fn add_bytes(&self, total: u64, done: u64) {
        let flush = {
            let mut state = self.live.state.lock().expect("job state lock");
            state.summary.progress.bytes_total += total;
            state.summary.progress.bytes_done += done;
            state.last_flush.elapsed() >= PROGRESS_INTERVAL
        };
        if flush {
            self.update_summary(|_| {});
        }
    }
}

fn recount(summary: &mut JobSummary, items: &[JobItem]) {
    summary.total_items = items.len() as u64;
    summary.progress.items_total = items.len() as u64;
    summary.progress.items_done = items.iter().filter(|i| i.status.is_finished()).count() as u64;
    summary.failed_items = items.iter().filter(|i| i.status == ItemStatus::Failed).count() as u64;
}

impl CopyObserver for JobContext {
    fn log(&self, level: LogLevel, message: Message) {
        JobContext::log(self, level, message);
    }

    fn add_bytes_total(&self, bytes: u64) {
        self.add_bytes(bytes, 0);
    }

    fn add_bytes_done(&self, bytes: u64) {
        self.add_bytes(0, bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::now;

    #[test]
    fn timestamps_are_fixed_width_rfc3339() {
        let stamp = now();
        assert_eq!(stamp.len(), "2026-11-27T01:57:31.530Z".len(), "{stamp}");
        assert!(time::OffsetDateTime::parse(&stamp, &time::format_description::well_known::Rfc3339).is_ok());
    }
}
