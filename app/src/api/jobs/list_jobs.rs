use leptos::prelude::*;

use crate::model::{AppError, JobList};

/// The newest `limit` jobs (default 50), newest first.
#[server(prefix = "/rpc", endpoint = "list-jobs")]
pub async fn list_jobs(limit: Option<usize>) -> Result<JobList, AppError> {
    let (state, who) = crate::api::caller()?;
    Ok(JobList { jobs: crate::backend::service::jobs::list(&state, &who, limit)? })
}
