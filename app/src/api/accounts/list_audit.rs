use leptos::prelude::*;

use crate::model::{AppError, AuditList, AuditQuery};

/// The audit log, newest first, filtered (admin).
#[server(prefix = "/rpc", endpoint = "list-audit")]
pub async fn list_audit(query: AuditQuery) -> Result<AuditList, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::accounts::audit(&state.auth, &who, &query)
}
