use leptos::prelude::*;

use crate::model::{AppError, JobSummary};

/// Asks a queued or running job to stop at its next step.
#[server(prefix = "/rpc", endpoint = "cancel-job")]
pub async fn cancel_job(id: String) -> Result<JobSummary, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::jobs::cancel(&state, &who, &id).await.map(crate::api::for_reader)
}
