use leptos::prelude::*;

use crate::model::{AppError, JobSummary};

/// Starts a new job for the failed, cancelled or interrupted items of a finished one.
#[server(prefix = "/rpc", endpoint = "retry-job")]
pub async fn retry_job(id: String) -> Result<JobSummary, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::jobs::retry(&state, &who, &id).await.map(crate::api::for_reader)
}
