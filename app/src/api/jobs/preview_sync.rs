use leptos::prelude::*;

use crate::model::{AppError, SyncPreview, SyncRequest};

/// The normalised source and the resulting target of a sync, by the rules the job uses.
#[server(prefix = "/rpc", endpoint = "preview-sync")]
pub async fn preview_sync(request: SyncRequest) -> Result<SyncPreview, AppError> {
    let state = crate::api::state()?;
    let plan = crate::backend::jobs::kinds::SyncPlan::new(&request, state.jobs.deps())?;
    Ok(SyncPreview { source: plan.source.normalized(), target: plan.target_reference })
}
