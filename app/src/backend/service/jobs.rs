//! Jobs: start (one operation per kind), watch, cancel, retry, and the previews of what a start
//! would do.

use futures::Stream;

use super::{change, check, confirm_batch_delete, confirmation};
use crate::backend::AppState;
use crate::backend::auth::principal::{Channel, Principal};
use crate::backend::jobs::kinds;
use crate::model::{
    AppError, Job, JobEvent, JobKind, JobRequest, JobSummary, LIST_LOG_LINES, MergePreview, MergeRequest,
    Operation, RemotePrefixRequest, RenamePreview, SyncPreview, SyncRequest,
};

/// The operation (and so the role) that starting a job of this kind is.
pub fn start_operation(kind: JobKind) -> Operation {
    match kind {
        JobKind::Sync => Operation::StartSync,
        JobKind::RemotePrefix => Operation::StartRemotePrefix,
        JobKind::RepositoryDelete => Operation::StartRepositoryDelete,
        JobKind::LocalPush => Operation::StartLocalPush,
        JobKind::LocalDelete => Operation::StartLocalDelete,
        JobKind::Merge => Operation::StartMerge,
        JobKind::Split => Operation::StartSplit,
        JobKind::Retention => Operation::StartRetention,
        JobKind::Gc => Operation::StartGc,
        JobKind::StorageScan => Operation::StartStorageScan,
    }
}

/// What the audit log names as a job's target before the job exists.
fn request_target(request: &JobRequest) -> String {
    let list = |names: &[String]| {
        let shown: Vec<&str> = names.iter().take(20).map(String::as_str).collect();
        let more = names.len().saturating_sub(shown.len());
        if more > 0 { format!("{} (+{more} more)", shown.join(", ")) } else { shown.join(", ") }
    };
    match request {
        JobRequest::Sync(r) => r.source_image.clone(),
        JobRequest::RemotePrefix(r) => list(&r.repositories),
        JobRequest::RepositoryDelete(r) => list(&r.repositories),
        JobRequest::LocalPush(r) => list(&r.image_refs),
        JobRequest::LocalDelete(r) => list(&r.image_refs),
        JobRequest::Merge(r) => match (&r.repository, &r.target) {
            (Some(repository), _) if r.sources.is_empty() => {
                format!(
                    "{repository} ({}) → {}",
                    r.suffixes.join(", "),
                    r.target_repository.as_ref().unwrap_or(repository)
                )
            }
            (_, target) => format!("{} → {}", list(&r.sources), target.as_deref().unwrap_or_default()),
        },
        JobRequest::Split(r) => r.source.clone(),
        JobRequest::Retention(r) => super::retention::job_target(r),
        JobRequest::Gc(r) => format!(
            "registry storage ({}{})",
            if r.dry_run { "dry run" } else { "sweep" },
            if r.delete_untagged { ", untagged manifests too" } else { "" }
        ),
        JobRequest::StorageScan(_) => "storage usage".to_owned(),
    }
}

/// Starts a job. A batch repository delete needs the phrase `delete N repositories` (see
/// [`confirmation`]); the other kinds need none.
pub async fn start(
    state: &AppState,
    who: &Principal,
    request: JobRequest,
    confirm: Option<&str>,
) -> Result<JobSummary, AppError> {
    let operation = start_operation(request.kind());
    let mut request = request;
    let mut target = request_target(&request);
    if let JobRequest::Sync(sync) = &mut request {
        // Over REST an absent `overwrite` replaces the tag, as the original did (its clients
        // re-mirror moving tags such as `latest`); the UI must say so. The job stores the answer,
        // so a retry does the same.
        let overwrite = *sync.overwrite.get_or_insert(who.channel == Channel::Rest);
        if overwrite && who.require(operation).is_ok() {
            target = format!("{target}{}", replaced_note(state, sync).await);
        }
    }
    change(state, who, operation, &target, async {
        if let JobRequest::RepositoryDelete(r) = &request {
            confirmation(who, confirm, |phrase| confirm_batch_delete(r.repositories.len(), phrase))?;
        }
        state.jobs.submit(request, None)
    })
    .await
}

/// What the audit entry of a sync that may overwrite says about the target tag: the digest it
/// holds now, so an overwritten image can be restored. Empty when the tag does not exist (or
/// cannot be asked about: the job then fails or says so itself).
async fn replaced_note(state: &AppState, request: &SyncRequest) -> String {
    let Ok(plan) = kinds::SyncPlan::new(request, state.jobs.deps()) else { return String::new() };
    match plan.target_digest(state.jobs.deps()).await {
        Ok(Some(digest)) => format!(" → {} (held {digest} before)", plan.target),
        _ => String::new(),
    }
}

pub fn list(state: &AppState, who: &Principal, limit: Option<usize>) -> Result<Vec<JobSummary>, AppError> {
    check(state, who, Operation::ListJobs)?;
    state.jobs.list(limit.unwrap_or(50).clamp(1, 1000))
}

/// The newest jobs with their items and the last [`LIST_LOG_LINES`] lines of their logs, for the
/// REST list whose entries carry logs as the original's did.
pub fn list_jobs(state: &AppState, who: &Principal, limit: Option<usize>) -> Result<Vec<Job>, AppError> {
    list(state, who, limit)?
        .iter()
        .map(|summary| state.jobs.job_with_log_tail(&summary.id, Some(LIST_LOG_LINES)))
        .collect()
}

pub fn get(state: &AppState, who: &Principal, id: &str) -> Result<Job, AppError> {
    check(state, who, Operation::GetJob)?;
    state.jobs.job(id)
}

/// One job, live (SSE). Counts against the caller's `MAX_STREAMS_PER_USER` until it ends or the
/// client goes away.
pub fn watch(
    state: &AppState,
    who: &Principal,
    id: &str,
) -> Result<impl Stream<Item = JobEvent> + Send + 'static, AppError> {
    check(state, who, Operation::GetJob)?;
    let slot = state.streams.open(who)?;
    Ok(slot.hold(state.jobs.watch(id)?))
}

/// Every job's summary as it changes (SSE), after the newest `limit`. Counts against the
/// caller's `MAX_STREAMS_PER_USER` as [`watch`] does.
pub fn watch_all(
    state: &AppState,
    who: &Principal,
    limit: Option<usize>,
) -> Result<impl Stream<Item = JobEvent> + Send + 'static, AppError> {
    check(state, who, Operation::ListJobs)?;
    let slot = state.streams.open(who)?;
    Ok(slot.hold(state.jobs.watch_all(limit.unwrap_or(50).clamp(1, 1000))))
}

pub async fn cancel(state: &AppState, who: &Principal, id: &str) -> Result<JobSummary, AppError> {
    change(state, who, Operation::CancelJob, id, async { state.jobs.cancel(id) }).await
}

/// A retry starts a job of the same kind, so it also needs the role that kind's start needs
/// (retrying a batch repository delete is an admin's).
pub async fn retry(state: &AppState, who: &Principal, id: &str) -> Result<JobSummary, AppError> {
    change(state, who, Operation::RetryJob, id, async {
        let kind = state.jobs.job(id)?.summary.job_type;
        who.require(start_operation(kind))?;
        state.jobs.retry(id)
    })
    .await
}

pub async fn preview_sync(
    state: &AppState,
    who: &Principal,
    request: &SyncRequest,
    lang: crate::ui::lang::Lang,
) -> Result<SyncPreview, AppError> {
    check(state, who, Operation::PreviewSync)?;
    kinds::preview_sync(request, state.jobs.deps(), lang).await
}

pub async fn preview_remote_prefix(
    state: &AppState,
    who: &Principal,
    request: &RemotePrefixRequest,
    lang: crate::ui::lang::Lang,
) -> Result<RenamePreview, AppError> {
    check(state, who, Operation::PreviewRemotePrefix)?;
    kinds::preview_remote_prefix(request, state.jobs.deps(), lang).await
}

pub async fn preview_merge(
    state: &AppState,
    who: &Principal,
    request: &MergeRequest,
    lang: crate::ui::lang::Lang,
) -> Result<MergePreview, AppError> {
    check(state, who, Operation::PreviewMerge)?;
    kinds::preview_merge(request, state.jobs.deps(), lang).await
}
