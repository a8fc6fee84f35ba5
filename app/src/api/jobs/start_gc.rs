//! The server function that starts a garbage collection job.

use leptos::prelude::*;

use crate::model::{AppError, GcRequest, JobSummary};

/// Starts garbage collection of the registry's storage: a dry run (`dry_run: true`) reports what
/// would go; a real run sweeps it with the registry read-only. Admin only.
#[server(prefix = "/rpc", endpoint = "start-gc")]
pub async fn start_gc(request: GcRequest) -> Result<JobSummary, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::gc::start_gc(&state, &who, request).await.map(crate::api::for_reader)
}
