use leptos::prelude::*;

use crate::model::{AppError, Job};

/// One job with its items and log.
#[server(prefix = "/rpc", endpoint = "get-job")]
pub async fn get_job(id: String) -> Result<Job, AppError> {
    let (state, who) = crate::api::caller()?;
    let job = crate::backend::service::jobs::get(&state, &who, &id)?;
    Ok(job.localized(crate::ui::lang::Lang::of_current_request()))
}
