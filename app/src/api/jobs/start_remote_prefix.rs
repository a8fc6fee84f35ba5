use leptos::prelude::*;

use crate::model::{AppError, JobSummary, RemotePrefixRequest};

/// Starts renaming repositories by prefix (every tag).
#[server(prefix = "/rpc", endpoint = "start-remote-prefix")]
pub async fn start_remote_prefix(request: RemotePrefixRequest) -> Result<JobSummary, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::jobs::start(&state, &who, crate::model::JobRequest::RemotePrefix(request), None)
        .await
        .map(crate::api::for_reader)
}
