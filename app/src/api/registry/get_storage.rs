use leptos::prelude::*;

use crate::model::{AppError, StorageUsage};

/// Storage usage per repository, dedup-aware (the first call scans the registry).
#[server(prefix = "/rpc", endpoint = "storage")]
pub async fn get_storage() -> Result<StorageUsage, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::storage::usage(&state, &who, crate::ui::lang::Lang::of_current_request()).await
}
