use leptos::prelude::*;

use crate::model::{AppError, LocalDeletePreview};

/// What removing these images takes with them: per image ID, the tags selected and the other
/// tags on the same image. Changes nothing.
#[server(prefix = "/rpc", endpoint = "preview-local-delete")]
pub async fn preview_local_delete(image_refs: Vec<String>) -> Result<LocalDeletePreview, AppError> {
    let state = crate::api::state()?;
    crate::backend::jobs::kinds::preview_local_delete(&state.docker, &image_refs).await
}
