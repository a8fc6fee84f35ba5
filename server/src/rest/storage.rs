//! `/api/storage…`: storage usage, dedup-aware, kept from the last `storage-scan` job; a new scan;
//! one repository's figures per tag; and removing an empty repository.

use app::backend::AppState;
use app::backend::service::storage as service;
use app::model::original_job_in;
use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use crate::lang::RequestLang;
use crate::middleware::Caller;

/// `GET /api/storage` → `{total_unique_bytes, repositories: [{name, unique_bytes, shared_bytes,
/// tag_count}], computed_at, complete, empty_repositories, scan_job_id?}`, at once: before the
/// first scan has finished, `complete: false` and the running scan's `scan_job_id`.
pub async fn get(
    State(state): State<AppState>,
    Caller(who): Caller,
    RequestLang(lang): RequestLang,
) -> Response {
    service::usage(&state, &who, lang).await.map(Json).into_response()
}

/// `GET /api/storage/{repository}` → `{name, unique_bytes, shared_bytes, tag_count, tags: [{tag,
/// digest, bytes, only_bytes}], computed_at, complete, error?, scan_job_id?}`.
pub async fn get_repository(
    State(state): State<AppState>,
    Caller(who): Caller,
    RequestLang(lang): RequestLang,
    Path(repository): Path<String>,
) -> Response {
    service::repository_usage(&state, &who, &repository, lang).await.map(Json).into_response()
}

/// `POST /api/storage-scan-jobs` (no body) → the scan job, in the job contract's shape; the
/// running one if a scan runs already. Operator; allowed under `READ_ONLY`.
pub async fn start_scan(
    State(state): State<AppState>,
    Caller(who): Caller,
    RequestLang(lang): RequestLang,
) -> Response {
    service::start_scan(&state, &who)
        .await
        .and_then(|summary| state.jobs.job(&summary.id))
        .map(|job| Json(original_job_in(&job, lang)))
        .into_response()
}

/// `DELETE /api/empty-repositories/{repository}` → `{repository}`. Admin; only where this server
/// runs the registry (`REGISTRY_MODE=embedded`), else 400 with what to run on its host.
pub async fn remove_empty(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(repository): Path<String>,
) -> Response {
    service::remove_empty_repository(&state, &who, &repository).await.map(Json).into_response()
}
