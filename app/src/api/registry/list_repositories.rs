use leptos::prelude::*;

use crate::model::{AppError, RepositoryPage};

/// One page of repositories (`MAX_CATALOG_RESULTS` long) after `last` whose names contain
/// `filter`, with tag counts.
#[server(prefix = "/rpc", endpoint = "repositories")]
pub async fn list_repositories(
    last: Option<String>,
    filter: Option<String>,
    non_empty_only: bool,
) -> Result<RepositoryPage, AppError> {
    let state = crate::api::state()?;
    let n = state.config.max_catalog_results;
    let browse = crate::backend::browse::repositories_matching;
    browse(&state.registry, n, last.as_deref(), filter.as_deref(), non_empty_only, true).await
}
