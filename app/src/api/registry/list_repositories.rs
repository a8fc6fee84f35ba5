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
    let (state, who) = crate::api::caller()?;
    let query =
        crate::backend::browse::RepositoryQuery { n: None, last, filter, non_empty_only, details: true };
    let lang = crate::ui::lang::Lang::of_current_request();
    crate::backend::service::registry::list_repositories(&state, &who, query, lang).await
}
