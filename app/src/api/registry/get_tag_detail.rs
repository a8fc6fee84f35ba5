use leptos::prelude::*;

use crate::model::{AppError, TagDetail};

/// Everything about one tag: manifest, platforms, layers, config, history, sibling tags.
#[server(prefix = "/rpc", endpoint = "tag-detail")]
pub async fn get_tag_detail(repository: String, tag: String) -> Result<TagDetail, AppError> {
    let (state, who) = crate::api::caller()?;
    let lang = crate::ui::lang::Lang::of_current_request();
    crate::backend::service::registry::tag_detail(&state, &who, &repository, &tag, lang).await
}
