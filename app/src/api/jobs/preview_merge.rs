use leptos::prelude::*;

use crate::model::{AppError, MergePreview, MergeRequest};

/// Each target tag of a multi-arch merge with its children (tag, digest, platform, size) and
/// conflicts. Changes nothing.
#[server(prefix = "/rpc", endpoint = "preview-merge")]
pub async fn preview_merge(request: MergeRequest) -> Result<MergePreview, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::jobs::preview_merge(
        &state,
        &who,
        &request,
        crate::ui::lang::Lang::of_current_request(),
    )
    .await
}
