use leptos::prelude::*;

use crate::model::{AppError, JobSummary};

/// Starts removing local images (by image ID, forced: every tag on each goes).
#[server(prefix = "/rpc", endpoint = "start-local-delete")]
pub async fn start_local_delete(image_refs: Vec<String>) -> Result<JobSummary, AppError> {
    let (state, who) = crate::api::caller()?;
    let request = crate::model::JobRequest::LocalDelete(crate::model::LocalDeleteRequest { image_refs });
    crate::backend::service::jobs::start(&state, &who, request, None).await.map(crate::api::for_reader)
}
