//! Storage usage: the figures (kept from the last `storage-scan` job, answered at once), a new
//! scan, one repository's figures per tag, and removing an empty repository where this server
//! has the registry's storage.

use super::{change, check};
use crate::backend::AppState;
use crate::backend::auth::principal::Principal;
use crate::backend::empty_repository;
use crate::backend::registry::reference::RepositoryName;
use crate::model::{
    AppError, EmptyRepositoryRemoved, JobRequest, JobSummary, Operation, RepositoryStorage,
    StorageScanRequest, StorageUsage,
};
use crate::msg;
use crate::ui::lang::Lang;

/// Every repository's bytes, dedup-aware (see `backend/storage.rs`), from the kept figures. With
/// none yet, `complete: false` and the scan under way as `scan_job_id`: one is started if none
/// runs, unless the last one failed less than `SCAN_BACKOFF` ago.
pub async fn usage(state: &AppState, who: &Principal, lang: Lang) -> Result<StorageUsage, AppError> {
    check(state, who, Operation::ReadStorage)?;
    let running = running_scan(state, false);
    match state.storage.cached(&state.registry).await {
        Some(usage) => Ok(StorageUsage { scan_job_id: running, ..usage }.localized(lang)),
        None => Ok(StorageUsage { scan_job_id: running_scan(state, true), ..StorageUsage::default() }),
    }
}

/// One repository's figures and each tag's "only this tag" bytes. Before the first scan has
/// finished: `complete: false`, no tags, and the scan under way if one runs. Reading one
/// repository's page starts no scan (`GET /api/storage` does): a job is not a side effect of
/// browsing.
pub async fn repository_usage(
    state: &AppState,
    who: &Principal,
    repository: &str,
    lang: Lang,
) -> Result<RepositoryStorage, AppError> {
    check(state, who, Operation::ReadStorage)?;
    let name: RepositoryName = repository.parse()?;
    let running = running_scan(state, false);
    match state.storage.repository(&state.registry, &name).await {
        Some(Some(figures)) => Ok(RepositoryStorage { scan_job_id: running, ..figures }.localized(lang)),
        Some(None) => Err(AppError::NotFound(msg!(StorageRepositoryNotFound, name.as_str()))),
        None => Ok(RepositoryStorage {
            name: name.to_string(),
            scan_job_id: running,
            ..RepositoryStorage::default()
        }),
    }
}

/// Starts a scan of the whole registry (operator, audited; allowed under `READ_ONLY`, it only
/// reads). While one runs, that one is the answer: there is never more than one.
pub async fn start_scan(state: &AppState, who: &Principal) -> Result<JobSummary, AppError> {
    change(state, who, Operation::StartStorageScan, "storage usage", async {
        let mut slot = state.storage.scan_slot();
        if let Some(id) = slot.job_id().map(str::to_owned) {
            match state.jobs.summary(&id) {
                Ok(summary) if !summary.status.is_finished() => return Ok(summary),
                _ => slot.clear_job(),
            }
        }
        let summary = state.jobs.submit(JobRequest::StorageScan(StorageScanRequest {}), None)?;
        slot.set_job(&summary.id);
        Ok(summary)
    })
    .await
}

/// The scan job running now; with `start`, one is started when none runs and none failed less
/// than `SCAN_BACKOFF` ago. Starting here is part of reading the figures (a viewer's read), so it
/// has no audit entry of its own; the job is in the job history.
fn running_scan(state: &AppState, start: bool) -> Option<String> {
    let mut slot = state.storage.scan_slot();
    if let Some(id) = slot.job_id().map(str::to_owned) {
        match state.jobs.summary(&id) {
            Ok(summary) if !summary.status.is_finished() => return Some(id),
            _ => slot.clear_job(),
        }
    }
    if !start || slot.backing_off() {
        return None;
    }
    match state.jobs.submit(JobRequest::StorageScan(StorageScanRequest {}), None) {
        Ok(summary) => {
            slot.set_job(&summary.id);
            Some(summary.id)
        }
        Err(error) => {
            tracing::warn!(%error, "cannot start a storage scan");
            None
        }
    }
}

/// Removes a repository with no tags from the registry's storage for good (admin, audited). Only
/// where this server has the storage (`REGISTRY_MODE=embedded`); elsewhere a 400 says what to do
/// on the registry's host. The tags are checked again right before, through the registry and on
/// disk (`backend/empty_repository.rs`): a repository with a tag is refused.
pub async fn remove_empty_repository(
    state: &AppState,
    who: &Principal,
    repository: &str,
) -> Result<EmptyRepositoryRemoved, AppError> {
    change(state, who, Operation::RemoveEmptyRepository, repository, async {
        let name: RepositoryName = repository.parse()?;
        let embedded = state
            .embedded
            .as_ref()
            .ok_or_else(|| AppError::BadRequest(msg!(EmptyRepositoryNoStorageAccess)))?;
        match state.registry.list_tags(&name).await {
            Ok(tags) if !tags.is_empty() => {
                return Err(AppError::BadRequest(msg!(EmptyRepositoryHasTags, name.as_str(), tags.len())));
            }
            // Not known by its tags: the storage directory decides (404 when it is not there).
            Ok(_) => {}
            Err(error) if error.is_not_found() => {}
            Err(error) => return Err(error.into()),
        }
        let root = embedded.storage_dir();
        let target = name.clone();
        tokio::task::spawn_blocking(move || empty_repository::remove(&root, &target)).await.map_err(
            |_| {
                tracing::error!("removing an empty repository panicked");
                AppError::Internal
            },
        )??;
        // Everything that keeps figures about it (tag counts, storage usage) reads it again.
        state.registry.invalidate_repository(&name);
        Ok(EmptyRepositoryRemoved { repository: name.to_string() })
    })
    .await
}

/// Whether this server can remove empty repositories (it has the registry's storage).
pub fn can_remove_empty(state: &AppState) -> bool {
    state.embedded.is_some()
}
