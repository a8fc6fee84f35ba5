use leptos::prelude::*;

use crate::model::{AppError, JobSummary, MergeRequest};

/// Starts combining single-arch tags into multi-arch tags.
#[server(prefix = "/rpc", endpoint = "start-merge")]
pub async fn start_merge(request: MergeRequest) -> Result<JobSummary, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::jobs::start(&state, &who, crate::model::JobRequest::Merge(request), None)
        .await
        .map(crate::api::for_reader)
}
