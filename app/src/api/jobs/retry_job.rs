use leptos::prelude::*;

use crate::model::{AppError, JobSummary};

/// Starts a new job for the failed, cancelled or interrupted items of a finished one.
#[server(prefix = "/rpc", endpoint = "retry-job")]
pub async fn retry_job(id: String) -> Result<JobSummary, AppError> {
    let state = crate::api::state()?;
    state.authorize(crate::backend::access::Operation::StartJob)?;
    state.jobs.retry(&id)
}
