use leptos::prelude::*;

use crate::model::{AppError, Job};

/// One job with its items and log.
#[server(prefix = "/rpc", endpoint = "get-job")]
pub async fn get_job(id: String) -> Result<Job, AppError> {
    crate::api::state()?.jobs.job(&id)
}
