use leptos::prelude::*;

use crate::model::{AppError, LocalImageList};

/// The daemon's images, one row per tag, newest first; dangling images only when asked for.
#[server(prefix = "/rpc", endpoint = "list-local-images")]
pub async fn list_local_images(include_dangling: bool) -> Result<LocalImageList, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::local::list(&state, &who, include_dangling, None).await
}
