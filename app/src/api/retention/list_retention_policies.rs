use leptos::prelude::*;

use crate::model::{AppError, RetentionPolicyList};

/// Every retention policy.
#[server(prefix = "/rpc", endpoint = "list-retention-policies")]
pub async fn list_retention_policies() -> Result<RetentionPolicyList, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::retention::list(&state, &who)
}
