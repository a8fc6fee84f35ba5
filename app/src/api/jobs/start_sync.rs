use leptos::prelude::*;

use crate::model::{AppError, JobRequest, JobSummary, SyncRequest};

/// Starts copying one image into our registry.
#[server(prefix = "/rpc", endpoint = "start-sync")]
pub async fn start_sync(request: SyncRequest) -> Result<JobSummary, AppError> {
    let state = crate::api::state()?;
    state.authorize(crate::backend::access::Operation::StartJob)?;
    state.jobs.submit(JobRequest::Sync(request), None)
}
