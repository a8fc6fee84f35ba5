use leptos::prelude::*;

use crate::model::{AppError, JobSummary};

/// Starts deleting repositories. `confirmation` must be the phrase
/// [`crate::naming::batch_delete_phrase`] gives for their count.
#[server(prefix = "/rpc", endpoint = "start-repository-delete")]
pub async fn start_repository_delete(
    repositories: Vec<String>,
    confirmation: String,
) -> Result<JobSummary, AppError> {
    let state = crate::api::state()?;
    state.authorize(crate::backend::access::Operation::DeleteRepository)?;
    crate::backend::access::confirm_batch_delete(repositories.len(), &confirmation)?;
    state.jobs.submit(
        crate::model::JobRequest::RepositoryDelete(crate::model::RepositoryDeleteRequest { repositories }),
        None,
    )
}
