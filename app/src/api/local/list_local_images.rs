use leptos::prelude::*;

use crate::model::{AppError, LocalImageList};

/// The daemon's images, one row per tag, newest first; dangling images only when asked for.
#[server(prefix = "/rpc", endpoint = "list-local-images")]
pub async fn list_local_images(include_dangling: bool) -> Result<LocalImageList, AppError> {
    let state = crate::api::state()?;
    crate::backend::docker::local::list_local_images(&state.docker, include_dangling, None).await
}
