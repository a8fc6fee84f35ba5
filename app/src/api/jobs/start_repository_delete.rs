use leptos::prelude::*;

use crate::model::{AppError, JobSummary};

/// Starts deleting repositories. `confirmation` must be the phrase
/// [`crate::naming::batch_delete_phrase`] gives for their count.
#[server(prefix = "/rpc", endpoint = "start-repository-delete")]
pub async fn start_repository_delete(
    repositories: Vec<String>,
    confirmation: String,
) -> Result<JobSummary, AppError> {
    let (state, who) = crate::api::caller()?;
    let request =
        crate::model::JobRequest::RepositoryDelete(crate::model::RepositoryDeleteRequest { repositories });
    crate::backend::service::jobs::start(&state, &who, request, Some(&confirmation))
        .await
        .map(crate::api::for_reader)
}
