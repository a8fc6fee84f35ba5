use leptos::prelude::*;

use crate::model::{AppError, RemotePrefixRequest, RenamePreview};

/// Old → new names of a prefix rename, tag by tag, with conflicts. Changes nothing.
#[server(prefix = "/rpc", endpoint = "preview-remote-prefix")]
pub async fn preview_remote_prefix(request: RemotePrefixRequest) -> Result<RenamePreview, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::jobs::preview_remote_prefix(
        &state,
        &who,
        &request,
        crate::ui::lang::Lang::of_current_request(),
    )
    .await
}
