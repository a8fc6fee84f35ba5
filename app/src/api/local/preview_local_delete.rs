use leptos::prelude::*;

use crate::model::{AppError, LocalDeletePreview};

/// What removing these images takes with them: per image ID, the tags selected and the other
/// tags on the same image. Changes nothing.
#[server(prefix = "/rpc", endpoint = "preview-local-delete")]
pub async fn preview_local_delete(image_refs: Vec<String>) -> Result<LocalDeletePreview, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::local::preview_delete(
        &state,
        &who,
        &image_refs,
        crate::ui::lang::Lang::of_current_request(),
    )
    .await
}
