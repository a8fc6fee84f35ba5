use leptos::prelude::*;

use crate::model::{AppError, SyncPreview, SyncRequest};

/// The normalised source and the resulting target of a sync, by the rules the job uses, with the
/// digest each holds now and whether the target tag would be overwritten.
#[server(prefix = "/rpc", endpoint = "preview-sync")]
pub async fn preview_sync(request: SyncRequest) -> Result<SyncPreview, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::jobs::preview_sync(&state, &who, &request).await
}
