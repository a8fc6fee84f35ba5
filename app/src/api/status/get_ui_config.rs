use leptos::prelude::*;

use crate::model::{AppError, UiConfig};

/// The server settings the UI needs: push host for `docker pull` lines, read-only mode.
#[server(prefix = "/rpc", endpoint = "ui-config")]
pub async fn get_ui_config() -> Result<UiConfig, AppError> {
    let state = crate::api::state()?;
    Ok(UiConfig {
        registry_push_host: state.config.registry_push_host(),
        read_only: state.config.read_only,
        max_catalog_results: state.config.max_catalog_results,
    })
}
