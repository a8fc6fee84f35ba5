//! `/api/gc-jobs`: garbage collection of the registry's storage (a registry this server runs).

use app::backend::AppState;
use app::backend::service::gc as service;
use app::model::{GcRequest, original_job_in};
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::json::AppJson;
use crate::lang::RequestLang;
use crate::middleware::Caller;

/// `POST /api/gc-jobs {dry_run, delete_untagged}` → the job (as the other starters answer). A
/// dry run is the preview; `dry_run: false` is the confirmation. Admin only.
pub async fn start(
    State(state): State<AppState>,
    Caller(who): Caller,
    RequestLang(lang): RequestLang,
    AppJson(request): AppJson<GcRequest>,
) -> Response {
    service::start_gc(&state, &who, request)
        .await
        .and_then(|summary| state.jobs.job(&summary.id))
        .map(|job| Json(original_job_in(&job, lang)))
        .into_response()
}
