use leptos::prelude::*;

use crate::model::{AppError, JobSummary, LocalPushRequest};

/// Starts tagging and pushing local images to the registry.
#[server(prefix = "/rpc", endpoint = "start-local-push")]
pub async fn start_local_push(request: LocalPushRequest) -> Result<JobSummary, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::jobs::start(&state, &who, crate::model::JobRequest::LocalPush(request), None)
        .await
        .map(crate::api::for_reader)
}
