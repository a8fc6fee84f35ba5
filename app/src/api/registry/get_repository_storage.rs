use leptos::prelude::*;

use crate::model::{AppError, RepositoryStorage};

/// One repository's storage figures, with each tag's "only this tag" bytes.
#[server(prefix = "/rpc", endpoint = "repository-storage")]
pub async fn get_repository_storage(repository: String) -> Result<RepositoryStorage, AppError> {
    let (state, who) = crate::api::caller()?;
    let lang = crate::ui::lang::Lang::of_current_request();
    crate::backend::service::storage::repository_usage(&state, &who, &repository, lang).await
}
