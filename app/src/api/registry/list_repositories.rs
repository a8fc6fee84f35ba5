use leptos::prelude::*;

use crate::model::{AppError, RepositoryPage};

/// One page of repositories (`MAX_CATALOG_RESULTS` long) after `last` whose names contain
/// `filter`, with tag counts. `non_empty_only` absent: empty repositories are hidden where this
/// server cannot remove them (an external registry), shown where it can; the page's
/// `non_empty_only` says which applied.
#[server(prefix = "/rpc", endpoint = "repositories")]
pub async fn list_repositories(
    last: Option<String>,
    filter: Option<String>,
    non_empty_only: Option<bool>,
) -> Result<RepositoryPage, AppError> {
    let (state, who) = crate::api::caller()?;
    let non_empty_only =
        non_empty_only.unwrap_or_else(|| !crate::backend::service::storage::can_remove_empty(&state));
    let query =
        crate::backend::browse::RepositoryQuery { n: None, last, filter, non_empty_only, details: true };
    let lang = crate::ui::lang::Lang::of_current_request();
    let page = crate::backend::service::registry::list_repositories(&state, &who, query, lang).await?;
    Ok(RepositoryPage { non_empty_only, ..page })
}
