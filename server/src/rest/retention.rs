//! `/api/retention-policies` (list, read, create, change, delete) and `/api/retention-jobs` (run a
//! policy, or dry-run it): one-line adapters over `app::backend::service::retention`.

use app::backend::AppState;
use app::backend::service::retention as service;
use app::model::{AppError, RetentionJobRequest, RetentionPolicySpec, original_job_in};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::json::AppJson;
use crate::lang::RequestLang;
use crate::middleware::Caller;

/// A policy id from the path; anything but a whole number is a 400 that says so.
fn id(raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::BadRequest(app::msg!(RetentionPolicyIdInvalid, raw)))
}

/// `GET /api/retention-policies` → `{policies: [{id, name, repositories, keep_last, keep_regex,
/// older_than_days, protect_regex, schedule, gc_after}]}`.
pub async fn list(State(state): State<AppState>, Caller(who): Caller) -> Response {
    service::list(&state, &who).map(Json).into_response()
}

/// `POST /api/retention-policies {name, repositories, …}` → the stored policy (201).
pub async fn create(
    State(state): State<AppState>,
    Caller(who): Caller,
    AppJson(spec): AppJson<RetentionPolicySpec>,
) -> Response {
    service::create(&state, &who, &spec).await.map(|p| (StatusCode::CREATED, Json(p))).into_response()
}

/// `GET /api/retention-policies/{id}` → the policy.
pub async fn get(State(state): State<AppState>, Caller(who): Caller, Path(raw): Path<String>) -> Response {
    id(&raw).and_then(|id| service::get(&state, &who, id)).map(Json).into_response()
}

/// `PUT /api/retention-policies/{id} {name, repositories, …}` → the policy as changed.
pub async fn update(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(raw): Path<String>,
    AppJson(spec): AppJson<RetentionPolicySpec>,
) -> Response {
    match id(&raw) {
        Ok(id) => service::update(&state, &who, id, &spec).await.map(Json).into_response(),
        Err(error) => error.into_response(),
    }
}

/// `DELETE /api/retention-policies/{id}` → 204.
pub async fn delete(State(state): State<AppState>, Caller(who): Caller, Path(raw): Path<String>) -> Response {
    match id(&raw) {
        Ok(id) => service::delete(&state, &who, id).await.map(|()| StatusCode::NO_CONTENT).into_response(),
        Err(error) => error.into_response(),
    }
}

/// `POST /api/retention-jobs {policy_id | policy, dry_run}` → the job (`job_type` `retention`).
pub async fn start(
    State(state): State<AppState>,
    Caller(who): Caller,
    RequestLang(lang): RequestLang,
    AppJson(request): AppJson<RetentionJobRequest>,
) -> Response {
    service::start(&state, &who, &request)
        .await
        .and_then(|summary| state.jobs.job(&summary.id))
        .map(|job| Json(original_job_in(&job, lang)))
        .into_response()
}
