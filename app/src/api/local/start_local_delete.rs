use leptos::prelude::*;

use crate::model::{AppError, JobSummary};

/// Starts removing local images (by image ID, forced: every tag on each goes).
#[server(prefix = "/rpc", endpoint = "start-local-delete")]
pub async fn start_local_delete(image_refs: Vec<String>) -> Result<JobSummary, AppError> {
    let state = crate::api::state()?;
    state.authorize(crate::backend::access::Operation::DeleteLocalImage)?;
    state.authorize(crate::backend::access::Operation::StartJob)?;
    let request = crate::model::LocalDeleteRequest { image_refs };
    state.jobs.submit(crate::model::JobRequest::LocalDelete(request), None)
}
