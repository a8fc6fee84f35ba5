use leptos::prelude::*;

use crate::model::{AppError, JobSummary};

/// Asks a queued or running job to stop at its next step.
#[server(prefix = "/rpc", endpoint = "cancel-job")]
pub async fn cancel_job(id: String) -> Result<JobSummary, AppError> {
    let state = crate::api::state()?;
    state.authorize(crate::backend::access::Operation::CancelJob)?;
    state.jobs.cancel(&id)
}
