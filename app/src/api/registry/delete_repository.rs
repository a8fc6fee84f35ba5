use leptos::prelude::*;

use crate::model::{AppError, DeleteRepositoryResult};

/// Deletes every tag of a repository. `confirmation` must repeat the repository name.
#[server(prefix = "/rpc", endpoint = "delete-repository")]
pub async fn delete_repository(
    repository: String,
    confirmation: String,
) -> Result<DeleteRepositoryResult, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::registry::delete_repository(&state, &who, &repository, Some(&confirmation)).await
}
