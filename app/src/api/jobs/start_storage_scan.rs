//! The server function that starts a storage usage scan.

use leptos::prelude::*;

use crate::model::{AppError, JobSummary};

/// Scans the registry's storage usage again (a `storage-scan` job); the running scan if one runs
/// already. Operator; allowed under `READ_ONLY`.
#[server(prefix = "/rpc", endpoint = "start-storage-scan")]
pub async fn start_storage_scan() -> Result<JobSummary, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::storage::start_scan(&state, &who).await
}
