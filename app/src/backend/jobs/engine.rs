//! The job engine: a queue in front of a bounded worker pool, cancellation, live events and the
//! history store. Job kinds (`kinds.rs`) only see a [`JobContext`].

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{FutureExt as _, Stream, StreamExt as _};
use tokio::sync::{Semaphore, broadcast};
use tokio_util::sync::CancellationToken;

use super::kinds;
use super::sources::SourceRegistries;
use super::store::{Store, StoreError};
use crate::backend::copy::CopyObserver;
use crate::backend::docker::DockerClient;
use crate::backend::registry::RegistryClient;
use crate::model::{
    AppError, ItemStatus, Job, JobEvent, JobItem, JobRequest, JobStatus, JobSummary, LogLevel, Progress,
};

/// How often, at most, byte progress is written to the store and sent to live views.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(250);

/// How long a cancelled job may take to reach a step boundary before its work is dropped.
const CANCEL_GRACE: Duration = Duration::from_secs(2);

/// Events buffered per subscriber; a subscriber that falls further behind gets a fresh snapshot.
const EVENT_BUFFER: usize = 4096;

/// What the job kinds work with.
pub struct Deps {
    /// Our registry.
    pub registry: RegistryClient,
    /// `REGISTRY_PUSH_HOST`: how users name images in our registry.
    pub push_host: String,
    /// Clients for source registries (and other targets).
    pub sources: SourceRegistries,
    /// The Docker daemon (local push and delete, sync with `engine: docker`).
    pub docker: Arc<DockerClient>,
    /// `LOCAL_PUSH_CONCURRENCY`: images a local push job works on at once.
    pub local_push_concurrency: usize,
}

#[derive(Clone, Copy, Debug)]
pub struct JobsConfig {
    /// Jobs running at once; the rest wait `queued`.
    pub workers: usize,
    /// Finished jobs kept in history (`SYNC_JOB_RETENTION`).
    pub retention: usize,
}

/// Runs and remembers jobs. Cheap to clone.
#[derive(Clone)]
pub struct JobManager {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    deps: Deps,
    events: broadcast::Sender<JobEvent>,
    live: Mutex<HashMap<String, Arc<LiveJob>>>,
    pool: Arc<Semaphore>,
    retention: usize,
}

/// A queued or running job: its cancellation token and its current summary and items (the
/// store has the same, except byte progress between flushes).
struct LiveJob {
    cancel: CancellationToken,
    state: Mutex<LiveState>,
}

struct LiveState {
    summary: JobSummary,
    items: Vec<JobItem>,
    last_flush: Instant,
}

/// RFC 3339 UTC with milliseconds, fixed width (`2026-11-27T01:57:31.530Z`), so the strings sort.
pub fn now() -> String {
    crate::backend::store::format_time(crate::backend::store::now_ms())
}

fn store_error(error: StoreError) -> AppError {
    tracing::error!(%error, "job history store");
    AppError::Internal
}

impl JobManager {
    /// Opens the history, marks jobs a stopped server left unfinished as `interrupted`, and
    /// applies the retention.
    pub fn new(store: Store, deps: Deps, config: JobsConfig) -> Result<Self, StoreError> {
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let inner = Arc::new(Inner {
            store,
            deps,
            events,
            live: Mutex::new(HashMap::new()),
            pool: Arc::new(Semaphore::new(config.workers.max(1))),
            retention: config.retention,
        });
        for id in inner.store.unfinished()? {
            let Some(mut summary) = inner.store.summary(&id)? else { continue };
            inner.store.append_log(
                &id,
                &now(),
                LogLevel::Warn,
                &format!(
                    "the server stopped while this job was {}; nothing more was done. \
                     Tags are written last, so none is half-written. Retry runs what is left.",
                    summary.status.as_str()
                ),
            )?;
            inner.store.close_open_items(&id)?;
            let stamp = now();
            summary.status = JobStatus::Interrupted;
            summary.error = Some("interrupted: the server stopped before the job finished".to_owned());
            summary.finished_at = Some(stamp.clone());
            summary.updated_at = stamp;
            inner.store.update_summary(&summary)?;
        }
        inner.store.apply_retention(inner.retention)?;
        Ok(Self { inner })
    }

    pub fn deps(&self) -> &Deps {
        &self.inner.deps
    }

    /// Validates `request`, records it as `queued` and starts it when a worker is free.
    pub fn submit(&self, request: JobRequest, retry_of: Option<String>) -> Result<JobSummary, AppError> {
        let plan = kinds::plan(&request, &self.inner.deps)?;
        let stamp = now();
        let summary = JobSummary {
            id: uuid::Uuid::new_v4().simple().to_string(),
            job_type: request.kind(),
            status: JobStatus::Queued,
            source_image: plan.source_image,
            target_image: plan.target_image,
            total_items: plan.items.len() as u64,
            progress: Progress { items_total: plan.items.len() as u64, ..Progress::default() },
            error: None,
            created_at: stamp.clone(),
            updated_at: stamp,
            started_at: None,
            finished_at: None,
            retry_of,
            failed_items: 0,
        };
        self.inner.store.insert(&summary, &request, &plan.items).map_err(store_error)?;
        let live = Arc::new(LiveJob {
            cancel: CancellationToken::new(),
            state: Mutex::new(LiveState {
                summary: summary.clone(),
                items: plan.items,
                last_flush: Instant::now(),
            }),
        });
        self.inner.live.lock().expect("live jobs lock").insert(summary.id.clone(), live.clone());
        let context = JobContext { inner: self.inner.clone(), live };
        context.log(LogLevel::Info, format!("queued: {} → {}", summary.source_image, summary.target_image));
        context.publish_summary();
        tokio::spawn(run(context, request));
        Ok(summary)
    }

    /// Asks a queued or running job to stop. It stops at its next step boundary (seconds).
    pub fn cancel(&self, id: &str) -> Result<JobSummary, AppError> {
        let live = self.inner.live.lock().expect("live jobs lock").get(id).cloned();
        match live {
            Some(live) => {
                if !live.cancel.is_cancelled() {
                    live.cancel.cancel();
                    let context = JobContext { inner: self.inner.clone(), live: live.clone() };
                    context.log(LogLevel::Warn, "cancel requested: stopping at the next step".to_owned());
                }
                Ok(live.state.lock().expect("job state lock").summary.clone())
            }
            None => match self.inner.store.summary(id).map_err(store_error)? {
                Some(summary) => Err(AppError::BadRequest(format!(
                    "job {id} has already finished ({}); there is nothing to cancel",
                    summary.status.as_str()
                ))),
                None => Err(not_found(id)),
            },
        }
    }

    /// Starts a new job for what a finished job left undone (failed, cancelled or interrupted items).
    pub fn retry(&self, id: &str) -> Result<JobSummary, AppError> {
        let job = self.job(id)?;
        if !job.summary.status.is_finished() {
            return Err(AppError::BadRequest(format!(
                "job {id} is still {}; retry it once it has finished",
                job.summary.status.as_str()
            )));
        }
        let request = job.retry_request().ok_or_else(|| {
            AppError::BadRequest(format!("job {id} has no failed, cancelled or interrupted items to retry"))
        })?;
        self.submit(request, Some(id.to_owned()))
    }

    /// The newest `limit` jobs, newest first, with live progress.
    pub fn list(&self, limit: usize) -> Result<Vec<JobSummary>, AppError> {
        let mut jobs = self.inner.store.list(limit).map_err(store_error)?;
        let live = self.inner.live.lock().expect("live jobs lock");
        for job in &mut jobs {
            if let Some(l) = live.get(&job.id) {
                *job = l.state.lock().expect("job state lock").summary.clone();
            }
        }
        Ok(jobs)
    }

    /// One job with its items and log.
    pub fn job(&self, id: &str) -> Result<Job, AppError> {
        let mut job = self.inner.store.job(id).map_err(store_error)?.ok_or_else(|| not_found(id))?;
        if let Some(live) = self.inner.live.lock().expect("live jobs lock").get(id) {
            let state = live.state.lock().expect("job state lock");
            job.summary = state.summary.clone();
            job.items = state.items.clone();
        }
        Ok(job)
    }

    /// Every job event from now on. Subscribe before reading a snapshot, so nothing is missed;
    /// log lines carry `seq` to drop what the snapshot already had.
    pub fn subscribe(&self) -> broadcast::Receiver<JobEvent> {
        self.inner.events.subscribe()
    }

    /// One job, live: a `snapshot` (the backlog) first, then its changes; a fresh snapshot if the
    /// watcher fell behind. Ends after the job has finished.
    pub fn watch(&self, id: &str) -> Result<impl Stream<Item = JobEvent> + Send + 'static, AppError> {
        let receiver = self.subscribe();
        let job = self.job(id)?;
        let watch =
            Watch { manager: self.clone(), id: id.to_owned(), receiver, first: Some(job), done: false };
        Ok(futures::stream::unfold(watch, |mut w| async move {
            let event = w.next().await?;
            Some((event, w))
        }))
    }

    /// Every job's summary as it changes (new jobs, status, progress), for live lists. It starts
    /// with the newest `backlog` jobs, oldest first, so a list rendered before the stream opened
    /// catches up with whatever started or finished in between.
    pub fn watch_all(&self, backlog: usize) -> impl Stream<Item = JobEvent> + Send + 'static {
        let receiver = self.subscribe();
        let mut recent = self.list(backlog).unwrap_or_default();
        recent.reverse();
        let recent = futures::stream::iter(recent.into_iter().map(|summary| JobEvent::Summary { summary }));
        let live = futures::stream::unfold(receiver, |mut receiver| async move {
            loop {
                match receiver.recv().await {
                    Ok(event @ JobEvent::Summary { .. }) => return Some((event, receiver)),
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
        recent.chain(live)
    }
}

struct Watch {
    manager: JobManager,
    id: String,
    receiver: broadcast::Receiver<JobEvent>,
    first: Option<Job>,
    done: bool,
}

impl Watch {
    async fn next(&mut self) -> Option<JobEvent> {
        if let Some(job) = self.first.take() {
            self.done = job.summary.status.is_finished();
            return Some(JobEvent::Snapshot { job: Box::new(job) });
        }
        if self.done {
            return None;
        }
        loop {
            match self.receiver.recv().await {
                Ok(event) if event.job_id() == self.id => {
                    if let JobEvent::Summary { summary } = &event {
                        self.done = summary.status.is_finished();
                    }
                    return Some(event);
                }
                Ok(_) => continue,
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    let job = self.manager.job(&self.id).ok()?;
                    self.done = job.summary.status.is_finished();
                    return Some(JobEvent::Snapshot { job: Box::new(job) });
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

fn not_found(id: &str) -> AppError {
    AppError::NotFound(format!("no job with id {id}: it never existed or was removed by SYNC_JOB_RETENTION"))
}

/// Waits for a worker, runs the job's kind, and records how it ended.
async fn run(context: JobContext, request: JobRequest) {
    let pool = context.inner.pool.clone();
    let permit = tokio::select! {
        permit = pool.acquire_owned() => permit.ok(),
        () = context.live.cancel.cancelled() => None,
    };
    let outcome = if permit.is_some() {
        context.update_summary(|s| {
            s.status = JobStatus::Running;
            s.started_at = Some(now());
        });
        context.log(LogLevel::Info, "started".to_owned());
        let work = AssertUnwindSafe(kinds::run(&context, &request)).catch_unwind();
        // A kind stops by itself at its next step boundary once cancelled; one stuck in a request
        // (a registry that does not answer) is dropped after a grace period. Tags are written last,
        // so dropping it leaves none half-written.
        let stuck = async {
            context.live.cancel.cancelled().await;
            tokio::time::sleep(CANCEL_GRACE).await;
        };
        tokio::select! {
            result = work => match result {
                Ok(result) => result,
                Err(_) => Err("the job stopped on an internal error; see the server log".to_owned()),
            },
            () = stuck => {
                context.warn("the current step did not stop by itself; it was abandoned");
                Ok(())
            }
        }
    } else {
        Ok(())
    };
    context.finish(outcome);
    drop(permit);
}

/// The final status from the items and the run's own result.
pub fn final_status(
    items: &[JobItem],
    cancelled: bool,
    result: &Result<(), String>,
) -> (JobStatus, Option<String>) {
    if cancelled {
        return (JobStatus::Cancelled, Some("cancelled by the user".to_owned()));
    }
    if let Err(error) = result {
        return (JobStatus::Failed, Some(error.clone()));
    }
    let count = |status| items.iter().filter(|i| i.status == status).count();
    let (failed, skipped) = (count(ItemStatus::Failed), count(ItemStatus::Skipped));
    let total = items.len();
    match (failed, skipped) {
        (0, 0) => (JobStatus::Succeeded, None),
        (1, 0) if total == 1 => {
            (JobStatus::Failed, Some(items[0].detail.clone().unwrap_or_else(|| "the item failed".to_owned())))
        }
        (f, 0) if f == total => (JobStatus::Failed, Some(format!("all {total} items failed"))),
        _ => {
            let mut parts = Vec::new();
            if failed > 0 {
                parts.push(format!("{failed} of {total} items failed"));
            }
            if skipped > 0 {
                parts.push(format!("{skipped} skipped"));
            }
            (JobStatus::Partial, Some(parts.join(", ")))
        }
    }
}

/// What a running job's kind uses to report: log lines, items, bytes; and its cancellation token.
pub struct JobContext {
    inner: Arc<Inner>,
    live: Arc<LiveJob>,
}

impl JobContext {
    pub fn deps(&self) -> &Deps {
        &self.inner.deps
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

    fn send(&self, event: JobEvent) {
        // No receiver is fine: nobody is watching.
        let _ = self.inner.events.send(event);
    }

    /// Appends a log line (stored, then sent live).
    pub fn log(&self, level: LogLevel, message: String) {
        let id = self.id();
        match level {
            LogLevel::Error => tracing::warn!(job = %id, "{message}"),
            _ => tracing::debug!(job = %id, "{message}"),
        }
        match self.inner.store.append_log(&id, &now(), level, &message) {
            Ok(line) => self.send(JobEvent::Log { job_id: id, line }),
            Err(error) => tracing::error!(job = %id, %error, "cannot store a job log line"),
        }
    }

    pub fn info(&self, message: impl Into<String>) {
        self.log(LogLevel::Info, message.into());
    }

    pub fn warn(&self, message: impl Into<String>) {
        self.log(LogLevel::Warn, message.into());
    }

    pub fn error(&self, message: impl Into<String>) {
        self.log(LogLevel::Error, message.into());
    }

    /// Replaces the job's items (kinds that learn their items when they start).
    pub fn set_items(&self, items: Vec<JobItem>) {
        let id = self.id();
        if let Err(error) = self.inner.store.set_items(&id, &items) {
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
        if let Err(error) = self.inner.store.update_item(&id, index, &item) {
            tracing::error!(job = %id, %error, "cannot store a job item");
        }
        self.send(JobEvent::Item { job_id: id, index, item });
        self.update_summary(|_| {});
    }

    /// Applies `change`, recounts items, stores the summary and sends it live.
    fn update_summary(&self, change: impl FnOnce(&mut JobSummary)) {
        let summary = {
            let mut state = self.live.state.lock().expect("job state lock");
            let state = &mut *state;
            change(&mut state.summary);
            recount(&mut state.summary, &state.items);
            state.summary.updated_at = now();
            state.last_flush = Instant::now();
            state.summary.clone()
        };
        self.store_summary(&summary);
        self.send(JobEvent::Summary { summary });
    }

    fn store_summary(&self, summary: &JobSummary) {
        if let Err(error) = self.inner.store.update_summary(summary) {
            tracing::error!(job = %summary.id, %error, "cannot store a job summary");
        }
    }

    fn publish_summary(&self) {
        self.update_summary(|_| {});
    }

    /// Byte progress: kept in memory, flushed at most every [`PROGRESS_INTERVAL`].
    fn add_bytes(&self, total: u64, done: u64) {
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

    fn finish(&self, result: Result<(), String>) {
        let cancelled = self.is_cancelled();
        if let Err(error) = &result
            && !cancelled
        {
            self.error(error.clone());
        }
        // Whatever did not run will not run now.
        let open: Vec<usize> = self
            .items()
            .iter()
            .enumerate()
            .filter(|(_, item)| !item.status.is_finished())
            .map(|(index, _)| index)
            .collect();
        let started = self.live.state.lock().expect("job state lock").summary.started_at.is_some();
        let detail = match (cancelled, started) {
            (true, false) => "cancelled before it started; nothing was written",
            (true, true) => "cancelled before it finished",
            (false, _) => "not run",
        };
        for index in open {
            self.update_item(index, |item| {
                item.status = if cancelled { ItemStatus::Cancelled } else { ItemStatus::Failed };
                if item.detail.is_none() {
                    item.detail = Some(detail.to_owned());
                }
            });
        }
        let (status, error) = final_status(&self.items(), cancelled, &result);
        self.log(
            if status == JobStatus::Succeeded { LogLevel::Info } else { LogLevel::Warn },
            match &error {
                Some(error) => format!("finished: {} ({error})", status.as_str()),
                None => format!("finished: {}", status.as_str()),
            },
        );
        self.update_summary(|s| {
            s.status = status;
            s.error = error;
            s.finished_at = Some(now());
        });
        let id = self.id();
        self.inner.live.lock().expect("live jobs lock").remove(&id);
        if let Err(error) = self.inner.store.apply_retention(self.inner.retention) {
            tracing::error!(%error, "cannot apply SYNC_JOB_RETENTION");
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
    fn log(&self, level: LogLevel, message: String) {
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
    use super::*;

    fn item(status: ItemStatus) -> JobItem {
        JobItem { source: "a".into(), target: "b".into(), status, detail: None, digest: None }
    }

    #[test]
    fn timestamps_are_fixed_width_rfc3339() {
        let stamp = now();
        assert_eq!(stamp.len(), "2026-11-27T01:57:31.530Z".len(), "{stamp}");
        assert!(time::OffsetDateTime::parse(&stamp, &time::format_description::well_known::Rfc3339).is_ok());
    }

    #[test]
    fn final_status_follows_the_items() {
        use ItemStatus::*;
        let ok = Ok(());
        assert_eq!(final_status(&[item(Succeeded), item(Succeeded)], false, &ok).0, JobStatus::Succeeded);
        assert_eq!(final_status(&[], false, &ok).0, JobStatus::Succeeded);
        let (status, error) = final_status(&[item(Succeeded), item(Failed)], false, &ok);
        assert_eq!((status, error.as_deref()), (JobStatus::Partial, Some("1 of 2 items failed")));
        let (status, error) = final_status(&[item(Failed), item(Failed)], false, &ok);
        assert_eq!((status, error.as_deref()), (JobStatus::Failed, Some("all 2 items failed")));
        let (status, error) = final_status(&[item(Succeeded), item(Skipped)], false, &ok);
        assert_eq!((status, error.as_deref()), (JobStatus::Partial, Some("1 skipped")));
        assert_eq!(final_status(&[item(Succeeded)], true, &ok).0, JobStatus::Cancelled);
        let (status, error) = final_status(&[item(Succeeded)], false, &Err("source unreachable".into()));
        assert_eq!((status, error.as_deref()), (JobStatus::Failed, Some("source unreachable")));
    }
}
