use leptos::prelude::*;

use crate::model::{AppError, JobSummary, SyncRequest};

/// Starts copying one image into our registry.
#[server(prefix = "/rpc", endpoint = "start-sync")]
pub async fn start_sync(request: SyncRequest) -> Result<JobSummary, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::jobs::start(&state, &who, crate::model::JobRequest::Sync(request), None)
        .await
        .map(crate::api::for_reader)
}
