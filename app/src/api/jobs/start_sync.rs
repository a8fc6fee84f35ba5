use leptos::prelude::*;

use crate::model::{AppError, JobSummary, SyncRequest};

/// Starts copying one image into our registry.
#[server(prefix = "/rpc", endpoint = "start-sync")]
pub async fn start_sync(request: SyncRequest) -> Result<JobSummary, AppError> {
    let state = crate::api::state()?;
    state.authorize(crate::backend::access::Operation::StartJob)?;
    state.jobs.submit(crate::model::JobRequest::Sync(request), None)
}
