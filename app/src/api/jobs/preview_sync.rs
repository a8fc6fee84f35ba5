use leptos::prelude::*;

use crate::model::{AppError, SyncPreview, SyncRequest};

/// The normalised source and the resulting target of a sync, by the rules the job uses, with the
/// digest each holds now and whether the target tag would be overwritten.
#[server(prefix = "/rpc", endpoint = "preview-sync")]
pub async fn preview_sync(request: SyncRequest) -> Result<SyncPreview, AppError> {
    let (state, who) = crate::api::caller()?;
    let lang = crate::ui::lang::Lang::of_current_request();
    crate::backend::service::jobs::preview_sync(&state, &who, &request, lang).await
}
