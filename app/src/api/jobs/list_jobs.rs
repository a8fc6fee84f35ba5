use leptos::prelude::*;

use crate::model::{AppError, JobList};

/// The newest `limit` jobs (default 50), newest first.
#[server(prefix = "/rpc", endpoint = "list-jobs")]
pub async fn list_jobs(limit: Option<usize>) -> Result<JobList, AppError> {
    let state = crate::api::state()?;
    Ok(JobList { jobs: state.jobs.list(limit.unwrap_or(50).clamp(1, 1000))? })
}
