use leptos::prelude::*;

use crate::model::{AppError, JobList};

/// The newest `limit` jobs (default 50), newest first.
#[server(prefix = "/rpc", endpoint = "list-jobs")]
pub async fn list_jobs(limit: Option<usize>) -> Result<JobList, AppError> {
    let (state, who) = crate::api::caller()?;
    let jobs = crate::backend::service::jobs::list(&state, &who, limit)?;
    Ok(JobList { jobs: jobs.into_iter().map(crate::api::for_reader).collect() })
}
