use leptos::prelude::*;

use crate::model::{AppError, EmptyRepositoryRemoved};

/// Removes a repository with no tags from the registry's storage (admin; only where this server
/// runs the registry).
#[server(prefix = "/rpc", endpoint = "remove-empty-repository")]
pub async fn remove_empty_repository(repository: String) -> Result<EmptyRepositoryRemoved, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::storage::remove_empty_repository(&state, &who, &repository).await
}
