use leptos::prelude::*;

use crate::model::{AppError, TagList, TagSort};

/// Tags of a repository with details, filtered and sorted over every tag, then paged.
#[server(prefix = "/rpc", endpoint = "tags")]
pub async fn list_tags(
    repository: String,
    filter: Option<String>,
    sort: TagSort,
    descending: bool,
    offset: usize,
    limit: usize,
) -> Result<TagList, AppError> {
    let (state, who) = crate::api::caller()?;
    let query = crate::backend::browse::TagQuery {
        filter,
        sort,
        descending,
        offset,
        limit: Some(limit),
        details: true,
    };
    let lang = crate::ui::lang::Lang::of_current_request();
    crate::backend::service::registry::list_tags(&state, &who, &repository, &query, lang).await
}
