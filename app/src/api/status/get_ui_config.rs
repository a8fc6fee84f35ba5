use leptos::prelude::*;

use crate::model::{AppError, UiConfig};

/// The server settings the UI needs: push host for `docker pull` lines, read-only mode.
#[server(prefix = "/rpc", endpoint = "ui-config")]
pub async fn get_ui_config() -> Result<UiConfig, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::status::ui_config(&state, &who)
}
