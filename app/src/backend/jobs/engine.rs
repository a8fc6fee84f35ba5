//! The job engine: a queue in front of a bounded worker pool, cancellation, live events and the
//! history store. It calls the kinds (`kinds/`), which see only their context (`context.rs`).

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{FutureExt as _, Stream, StreamExt as _};
use tokio::sync::{Semaphore, broadcast};

use super::context::{Deps, JobContext, LiveJob, Shared, now};
use super::kinds;
use super::store::{Store, StoreError};
use crate::model::{
    AppError, ItemStatus, Job, JobEvent, JobItem, JobRequest, JobStatus, JobSummary, LogLevel, Message,
    Progress,
};

/// How long a cancelled job may take to reach a step boundary before its work is dropped.
const CANCEL_GRACE: Duration = Duration::from_secs(2);

/// Events buffered per subscriber; a subscriber that falls further behind gets a fresh snapshot.
const EVENT_BUFFER: usize = 4096;

#[derive(Clone, Copy, Debug)]
pub struct JobsConfig {
    /// Jobs running at once; the rest wait `queued`.
    pub workers: usize,
    /// Finished jobs kept in history (`SYNC_JOB_RETENTION`).
    pub retention: usize,
    /// Jobs that may wait for a worker (`MAX_QUEUED_JOBS`); more are refused with `429`.
    pub max_queued: usize,
}

/// The waiting room in front of the workers, bounded so that a script (or a user) starting jobs
/// faster than they run cannot grow the queue, its tasks and its history rows without end.
#[derive(Clone)]
struct Queue {
    waiting: Arc<AtomicUsize>,
    max: usize,
}

/// A job's place in the [`Queue`]: given back when the job gets a worker, or ends without one
/// (cancelled while queued), so only jobs that wait count.
struct QueueSlot(Arc<AtomicUsize>);

impl Drop for QueueSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Queue {
    fn new(max: usize) -> Self {
        Self { waiting: Arc::new(AtomicUsize::new(0)), max: max.max(1) }
    }

    /// A place, or `429` when `max` jobs already wait.
    fn enter(&self) -> Result<QueueSlot, AppError> {
        self.waiting
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n < self.max).then_some(n + 1))
            .map(|_| QueueSlot(self.waiting.clone()))
            .map_err(|waiting| AppError::TooManyRequests(crate::msg!(QueueFull, waiting, self.max)))
    }
}

/// Runs and remembers jobs. Cheap to clone.
#[derive(Clone)]
pub struct JobManager {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Arc<Shared>,
    live: Mutex<HashMap<String, Arc<LiveJob>>>,
    pool: Arc<Semaphore>,
    queue: Queue,
    retention: usize,
}

impl Inner {
    fn store(&self) -> &Store {
        &self.shared.store
    }

    fn context(&self, live: Arc<LiveJob>) -> JobContext {
        JobContext::new(self.shared.clone(), live)
    }
}

fn store_error(error: StoreError) -> AppError {
    tracing::error!(%error, "job history store");
    AppError::Internal
}

/// A handle on the [`JobManager`] that does not keep it alive: for what the jobs' own
/// dependencies hold (the `gc_after` starter), which would otherwise form a cycle.
#[derive(Clone)]
pub struct WeakJobManager(std::sync::Weak<Inner>);

impl WeakJobManager {
    /// The manager, unless the server has dropped it (shutting down).
    pub fn upgrade(&self) -> Option<JobManager> {
        self.0.upgrade().map(|inner| JobManager { inner })
    }
}

impl JobManager {
    pub fn downgrade(&self) -> WeakJobManager {
        WeakJobManager(Arc::downgrade(&self.inner))
    }

    /// Opens the history, marks jobs a stopped server left unfinished as `interrupted`, and
    /// applies the retention.
    pub fn new(store: Store, deps: Deps, config: JobsConfig) -> Result<Self, StoreError> {
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let inner = Arc::new(Inner {
            shared: Arc::new(Shared { store, deps, events }),
            live: Mutex::new(HashMap::new()),
            pool: Arc::new(Semaphore::new(config.workers.max(1))),
            queue: Queue::new(config.max_queued),
            retention: config.retention,
        });
        for id in inner.store().unfinished()? {
            let Some(mut summary) = inner.store().summary(&id)? else { continue };
            inner.store().append_log(
                &id,
                &now(),
                LogLevel::Warn,
                &crate::msg!(ServerStopped, summary.status.as_str()),
            )?;
            inner.store().close_open_items(&id)?;
            let stamp = now();
            summary.status = JobStatus::Interrupted;
            summary.error = Some(crate::msg!(JobInterrupted));
            summary.finished_at = Some(stamp.clone());
            summary.updated_at = stamp;
            inner.store().update_summary(&summary)?;
        }
        inner.store().apply_retention(inner.retention)?;
        Ok(Self { inner })
    }

    pub fn deps(&self) -> &Deps {
        &self.inner.shared.deps
    }

    /// Validates `request`, records it as `queued` and starts it when a worker is free. With
    /// `MAX_QUEUED_JOBS` jobs already waiting it is refused (`429`) and nothing is recorded.
    pub fn submit(&self, request: JobRequest, retry_of: Option<String>) -> Result<JobSummary, AppError> {
        let plan = kinds::plan(&request, self.deps())?;
        let slot = self.inner.queue.enter()?;
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
        self.inner.store().insert(&summary, &request, &plan.items).map_err(store_error)?;
        let live = Arc::new(LiveJob::new(summary.clone(), plan.items));
        self.inner.live.lock().expect("live jobs lock").insert(summary.id.clone(), live.clone());
        let context = self.inner.context(live);
        context.log(
            LogLevel::Info,
            crate::msg!(JobQueued, summary.source_image.clone(), summary.target_image.clone()),
        );
        context.update_summary(|_| {});
        tokio::spawn(run(self.inner.clone(), context, request, slot));
        Ok(summary)
    }

    /// Asks a queued or running job to stop. It stops at its next step boundary (seconds).
    pub fn cancel(&self, id: &str) -> Result<JobSummary, AppError> {
        let live = self.inner.live.lock().expect("live jobs lock").get(id).cloned();
        match live {
            Some(live) => {
                if !live.cancel.is_cancelled() {
                    live.cancel.cancel();
                    let context = self.inner.context(live.clone());
                    context.log(LogLevel::Warn, crate::msg!(CancelRequested));
                }
                Ok(live.state.lock().expect("job state lock").summary.clone())
            }
            None => match self.inner.store().summary(id).map_err(store_error)? {
                Some(summary) => {
                    Err(AppError::BadRequest(crate::msg!(JobAlreadyFinished, id, summary.status.as_str())))
                }
                None => Err(not_found(id)),
            },
        }
    }

    /// Starts a new job for what a finished job left undone (failed, cancelled or interrupted items).
    pub fn retry(&self, id: &str) -> Result<JobSummary, AppError> {
        let job = self.job(id)?;
        if !job.summary.status.is_finished() {
            return Err(AppError::BadRequest(crate::msg!(JobStillRunning, id, job.summary.status.as_str())));
        }
        let request =
            job.retry_request().ok_or_else(|| AppError::BadRequest(crate::msg!(NothingToRetry, id)))?;
        self.submit(request, Some(id.to_owned()))
    }

    /// The newest `limit` jobs, newest first, with live progress.
    pub fn list(&self, limit: usize) -> Result<Vec<JobSummary>, AppError> {
        let mut jobs = self.inner.store().list(limit).map_err(store_error)?;
        let live = self.inner.live.lock().expect("live jobs lock");
        for job in &mut jobs {
            if let Some(l) = live.get(&job.id) {
                *job = l.state.lock().expect("job state lock").summary.clone();
            }
        }
        Ok(jobs)
    }

    /// One job's summary, live progress included.
    pub fn summary(&self, id: &str) -> Result<JobSummary, AppError> {
        if let Some(live) = self.inner.live.lock().expect("live jobs lock").get(id) {
            return Ok(live.state.lock().expect("job state lock").summary.clone());
        }
        self.inner.store().summary(id).map_err(store_error)?.ok_or_else(|| not_found(id))
    }

    /// One job with its items and log.
    pub fn job(&self, id: &str) -> Result<Job, AppError> {
        self.job_with_log_tail(id, None)
    }

    /// A job with the newest `log_tail` lines of its log (all for `None`), live state included.
    pub fn job_with_log_tail(&self, id: &str, log_tail: Option<usize>) -> Result<Job, AppError> {
        let mut job = self
            .inner
            .store()
            .job_with_log_tail(id, log_tail)
            .map_err(store_error)?
            .ok_or_else(|| not_found(id))?;
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
        self.inner.shared.events.subscribe()
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
    AppError::NotFound(crate::msg!(JobNotFound, id))
}

/// Waits for a worker, runs the job's kind, and records how it ended.
async fn run(inner: Arc<Inner>, context: JobContext, request: JobRequest, slot: QueueSlot) {
    let permit = tokio::select! {
        permit = inner.pool.clone().acquire_owned() => permit.ok(),
        () = context.cancel_token().cancelled() => None,
    };
    // Running, or never to run: either way it no longer waits.
    drop(slot);
    let outcome = if permit.is_some() {
        context.update_summary(|s| {
            s.status = JobStatus::Running;
            s.started_at = Some(now());
        });
        context.log(LogLevel::Info, crate::msg!(JobStarted));
        let work = AssertUnwindSafe(kinds::run(&context, &request)).catch_unwind();
        // A kind stops by itself at its next step boundary once cancelled; one stuck in a request
        // (a registry that does not answer) is dropped after a grace period. Tags are written last,
        // so dropping it leaves none half-written.
        let stuck = async {
            context.cancel_token().cancelled().await;
            tokio::time::sleep(CANCEL_GRACE).await;
        };
        tokio::select! {
            result = work => match result {
                Ok(result) => result.map_err(|error| error.to_message()),
                Err(_) => Err(crate::msg!(JobInternalError)),
            },
            () = stuck => {
                context.warn(crate::msg!(StepAbandoned));
                Ok(())
            }
        }
    } else {
        Ok(())
    };
    finish(&inner, &context, outcome);
    drop(permit);
}

/// Closes what the job did not reach, records its final status, and lets it go from the live jobs.
fn finish(inner: &Inner, context: &JobContext, result: Result<(), Message>) {
    let cancelled = context.is_cancelled();
    if let Err(error) = &result
        && !cancelled
    {
        context.error(error.clone());
    }
    // Whatever did not run will not run now.
    let open: Vec<usize> = context
        .items()
        .iter()
        .enumerate()
        .filter(|(_, item)| !item.status.is_finished())
        .map(|(index, _)| index)
        .collect();
    let detail = match (cancelled, context.started()) {
        (true, false) => crate::msg!(CancelledBeforeStart),
        (true, true) => crate::msg!(CancelledBeforeEnd),
        (false, _) => crate::msg!(NotRun),
    };
    let status = if cancelled { ItemStatus::Cancelled } else { ItemStatus::Failed };
    for index in open {
        context.amend_item(index, |outcome| {
            let outcome = if outcome.detail.is_empty() { outcome.noted(detail.clone()) } else { outcome };
            outcome.with_status(status)
        });
    }
    let (status, error) = final_status(&context.items(), cancelled, &result);
    context.log(
        if status == JobStatus::Succeeded { LogLevel::Info } else { LogLevel::Warn },
        match &error {
            Some(error) => crate::msg!(JobFinishedWith, status.as_str(), error.clone()),
            None => crate::msg!(JobFinished, status.as_str()),
        },
    );
    context.update_summary(|s| {
        s.status = status;
        s.error = error;
        s.finished_at = Some(now());
    });
    inner.live.lock().expect("live jobs lock").remove(&context.id());
    if let Err(error) = inner.store().apply_retention(inner.retention) {
        tracing::error!(%error, "cannot apply SYNC_JOB_RETENTION");
    }
}

/// The final status from the items and the run's own result.
pub fn final_status(
    items: &[JobItem],
    cancelled: bool,
    result: &Result<(), Message>,
) -> (JobStatus, Option<Message>) {
    if cancelled {
        return (JobStatus::Cancelled, Some(crate::msg!(JobCancelledByUser)));
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
            (JobStatus::Failed, Some(items[0].detail.clone().unwrap_or_else(|| crate::msg!(JobItemFailed))))
        }
        (f, 0) if f == total => (JobStatus::Failed, Some(crate::msg!(JobItemsFailedAll, total))),
        (_, 0) => (JobStatus::Partial, Some(crate::msg!(JobItemsFailed, failed, total))),
        (0, _) => (JobStatus::Partial, Some(crate::msg!(JobItemsSkipped, skipped))),
        _ => (JobStatus::Partial, Some(crate::msg!(JobItemsFailedSkipped, failed, total, skipped))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::lang::Lang;

    fn item(status: ItemStatus) -> JobItem {
        JobItem { source: "a".into(), target: "b".into(), status, detail: None, digest: None }
    }

    #[test]
    fn the_queue_refuses_past_its_size_and_frees_a_place_when_a_job_leaves_it() {
        let queue = Queue::new(2);
        let first = queue.enter().unwrap();
        let _second = queue.enter().unwrap();
        let refused = queue.enter().err().expect("a third job waits in a queue of 2");
        assert_eq!(refused.status_code(), 429);
        assert!(refused.to_string().contains("MAX_QUEUED_JOBS=2"), "{refused}");
        drop(first);
        let _third = queue.enter().expect("a place came free");
        assert_eq!(queue.waiting.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn final_status_follows_the_items() {
        use ItemStatus::*;
        let ok = Ok(());
        assert_eq!(final_status(&[item(Succeeded), item(Succeeded)], false, &ok).0, JobStatus::Succeeded);
        assert_eq!(final_status(&[], false, &ok).0, JobStatus::Succeeded);
        let text = |error: Option<Message>, lang| error.map(|e| e.render(lang)).unwrap_or_default();
        let (status, error) = final_status(&[item(Succeeded), item(Failed)], false, &ok);
        assert_eq!((status, text(error, Lang::En)), (JobStatus::Partial, "1 of 2 items failed".into()));
        let (status, error) = final_status(&[item(Failed), item(Failed)], false, &ok);
        assert_eq!((status, text(error, Lang::ZhCn)), (JobStatus::Failed, "全部 2 个条目失败".into()));
        let (status, error) = final_status(&[item(Succeeded), item(Skipped)], false, &ok);
        assert_eq!((status, text(error, Lang::En)), (JobStatus::Partial, "1 skipped".into()));
        let (_, error) = final_status(&[item(Succeeded), item(Failed), item(Skipped)], false, &ok);
        assert_eq!(text(error.clone(), Lang::En), "1 of 3 items failed, 1 skipped");
        assert_eq!(text(error, Lang::ZhCn), "1 个条目失败（共 3 个），1 个已跳过");
        let (status, error) = final_status(&[item(Succeeded)], true, &ok);
        assert_eq!((status, text(error, Lang::ZhCn)), (JobStatus::Cancelled, "已被用户取消".into()));
        // A job-level failure keeps its message, keyed or verbatim.
        let (status, error) = final_status(&[item(Succeeded)], false, &Err("source unreachable".into()));
        assert_eq!((status, text(error, Lang::ZhCn)), (JobStatus::Failed, "source unreachable".into()));
        // One item's failure is the job's: its detail, in the reader's language.
        let failed = JobItem { detail: Some(crate::msg!(CopyCancelledShort)), ..item(Failed) };
        let (_, error) = final_status(&[failed], false, &ok);
        assert_eq!(error.and_then(|e| e.code()), Some("copy_cancelled_short"));
    }
}
