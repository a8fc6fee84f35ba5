use leptos::prelude::*;

use crate::model::{AppError, JobSummary, RemotePrefixRequest};

/// Starts renaming repositories by prefix (every tag).
#[server(prefix = "/rpc", endpoint = "start-remote-prefix")]
pub async fn start_remote_prefix(request: RemotePrefixRequest) -> Result<JobSummary, AppError> {
    let state = crate::api::state()?;
    state.authorize(crate::backend::access::Operation::StartJob)?;
    state.jobs.submit(crate::model::JobRequest::RemotePrefix(request), None)
}
