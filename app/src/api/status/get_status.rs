use leptos::prelude::*;

use crate::model::{AppError, Health};

/// Registry and Docker daemon health for the status view (the same data as `GET /api/health`).
#[server(prefix = "/rpc", endpoint = "status")]
pub async fn get_status() -> Result<Health, AppError> {
    let (state, who) = crate::api::caller()?;
    let lang = crate::ui::lang::Lang::of_current_request();
    crate::backend::service::status::status(&state, &who, lang).await
}
