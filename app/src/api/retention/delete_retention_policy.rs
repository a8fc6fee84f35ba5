use leptos::prelude::*;

use crate::model::AppError;

/// Deletes a retention policy.
#[server(prefix = "/rpc", endpoint = "delete-retention-policy")]
pub async fn delete_retention_policy(id: i64) -> Result<(), AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::retention::delete(&state, &who, id).await
}
