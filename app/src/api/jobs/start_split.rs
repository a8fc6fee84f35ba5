use leptos::prelude::*;

use crate::model::{AppError, JobSummary, SplitRequest};

/// Starts writing one tag per platform of a multi-arch tag.
#[server(prefix = "/rpc", endpoint = "start-split")]
pub async fn start_split(request: SplitRequest) -> Result<JobSummary, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::jobs::start(&state, &who, crate::model::JobRequest::Split(request), None)
        .await
        .map(crate::api::for_reader)
}
