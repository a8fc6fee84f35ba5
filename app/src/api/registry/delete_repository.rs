use leptos::prelude::*;

use crate::model::{AppError, DeleteRepositoryResult};

/// Deletes every tag of a repository. `confirmation` must repeat the repository name.
#[server(prefix = "/rpc", endpoint = "delete-repository")]
pub async fn delete_repository(
    repository: String,
    confirmation: String,
) -> Result<DeleteRepositoryResult, AppError> {
    let state = crate::api::state()?;
    state.authorize(crate::backend::access::Operation::DeleteRepository)?;
    crate::backend::access::confirm_repository_delete(&repository, &confirmation)?;
    crate::backend::browse::delete_repository(&state.registry, &repository).await
}
