use leptos::prelude::*;

use crate::model::{AppError, LocalPushPreview, LocalPushRequest};

/// Old → new names of a local push, by the job's own rules (each image's architecture for
/// `arch_mode: auto`). Changes nothing.
#[server(prefix = "/rpc", endpoint = "preview-local-push")]
pub async fn preview_local_push(request: LocalPushRequest) -> Result<LocalPushPreview, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::local::preview_push(
        &state,
        &who,
        &request,
        crate::ui::lang::Lang::of_current_request(),
    )
    .await
}
