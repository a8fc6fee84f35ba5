use leptos::prelude::*;

use crate::model::{AppError, RetentionPolicy, RetentionPolicySpec};

/// Creates a retention policy (`id` none) or changes one.
#[server(prefix = "/rpc", endpoint = "save-retention-policy")]
pub async fn save_retention_policy(
    id: Option<i64>,
    spec: RetentionPolicySpec,
) -> Result<RetentionPolicy, AppError> {
    let (state, who) = crate::api::caller()?;
    match id {
        Some(id) => crate::backend::service::retention::update(&state, &who, id, &spec).await,
        None => crate::backend::service::retention::create(&state, &who, &spec).await,
    }
}
