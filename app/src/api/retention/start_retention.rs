use leptos::prelude::*;

use crate::model::{AppError, JobSummary, RetentionJobRequest};

/// Runs a retention policy, or dry-runs it (`dry_run`: the job lists the tags that would go).
#[server(prefix = "/rpc", endpoint = "start-retention")]
pub async fn start_retention(request: RetentionJobRequest) -> Result<JobSummary, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::retention::start(&state, &who, &request).await.map(crate::api::for_reader)
}
