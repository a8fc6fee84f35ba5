//! The job kinds: each validates its request up front (`plan`: bad input changes nothing) and runs
//! against a [`JobContext`], reporting each item's [`ItemOutcome`](super::ItemOutcome). What a retry
//! redoes is the model's rule (`Job::retry_request`), shared with the UI.
//!
//! This file only picks the kind; no kind imports another (what two kinds share sits one level
//! up, in `jobs/plan.rs` and `jobs/daemon.rs`).

mod gc;
mod local_delete;
mod local_push;
mod merge;
mod remote_prefix;
mod repository_delete;
mod retention;
mod split;
mod storage_scan;
mod sync;

use super::context::{Deps, JobContext};
use super::plan::Plan;
use crate::model::{AppError, JobRequest};

pub use local_delete::preview as preview_local_delete;
pub use local_push::preview as preview_local_push;
pub use merge::preview as preview_merge;
pub use remote_prefix::preview as preview_remote_prefix;
pub use sync::SyncPlan;
pub use sync::preview as preview_sync;

pub fn plan(request: &JobRequest, deps: &Deps) -> Result<Plan, AppError> {
    match request {
        JobRequest::Sync(r) => sync::plan(r, deps).map(SyncPlan::into_plan),
        JobRequest::RemotePrefix(r) => remote_prefix::plan(r, deps),
        JobRequest::RepositoryDelete(r) => repository_delete::plan(r),
        JobRequest::LocalPush(r) => local_push::plan(r, deps),
        JobRequest::LocalDelete(r) => local_delete::plan(r),
        JobRequest::Merge(r) => merge::plan(r, deps),
        JobRequest::Split(r) => split::plan(r, deps),
        JobRequest::Retention(r) => retention::plan(r, deps),
        JobRequest::Gc(r) => gc::plan(r, deps),
        JobRequest::StorageScan(r) => storage_scan::plan(r, deps),
    }
}

/// Runs a job. `Err` is a failure of the job as a whole (before or outside its items).
pub async fn run(context: &JobContext, request: &JobRequest) -> Result<(), AppError> {
    match request {
        JobRequest::Sync(r) => sync::run(context, r).await,
        JobRequest::RemotePrefix(r) => remote_prefix::run(context, r).await,
        JobRequest::RepositoryDelete(r) => repository_delete::run(context, r).await,
        JobRequest::LocalPush(r) => local_push::run(context, r).await,
        JobRequest::LocalDelete(r) => local_delete::run(context, r).await,
        JobRequest::Merge(r) => merge::run(context, r).await,
        JobRequest::Split(r) => split::run(context, r).await,
        JobRequest::Retention(r) => retention::run(context, r).await,
        JobRequest::Gc(r) => gc::run(context, r).await,
        JobRequest::StorageScan(r) => storage_scan::run(context, r).await,
    }
}
