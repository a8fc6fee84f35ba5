//! Local Docker images under `/api`: the original tool's scan, push and delete routes. Thin
//! adapters over `app::backend`; a daemon that cannot be reached answers 502 with its reason.

use super::json::AppJson;
use app::backend::AppState;
use app::backend::service::local as service;
use app::model::{JobRequest, LocalDeleteRequest, LocalPushRequest};
use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::jobs::start;
use crate::lang::RequestLang;
use crate::middleware::Caller;

#[derive(Debug, Deserialize)]
pub struct ListParams {
    limit: Option<usize>,
    #[serde(default)]
    all: bool,
}

/// `GET /api/local-images?limit=&all=` → `{images, detected_arch}`; `all=true` adds dangling images.
pub async fn list(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(params): Query<ListParams>,
) -> Response {
    service::list(&state, &who, params.all, params.limit).await.map(Json).into_response()
}

/// `POST /api/local-push-jobs {image_refs, prefix_mode, prefix_value, arch_mode, arch_value,
/// target_registry_host?, cleanup_local_tag, cleanup_registry_source_tag}` → the job.
pub async fn start_push(
    State(state): State<AppState>,
    Caller(who): Caller,
    RequestLang(lang): RequestLang,
    AppJson(request): AppJson<LocalPushRequest>,
) -> Response {
    start(&state, &who, JobRequest::LocalPush(request), None, lang).await
}

/// `POST /api/local-push-jobs/preview`: same body, answers old → new names per image.
pub async fn preview_push(
    State(state): State<AppState>,
    Caller(who): Caller,
    RequestLang(lang): RequestLang,
    AppJson(request): AppJson<LocalPushRequest>,
) -> Response {
    service::preview_push(&state, &who, &request, lang).await.map(Json).into_response()
}

/// `POST /api/local-delete-jobs {image_refs}` → the job.
pub async fn start_delete(
    State(state): State<AppState>,
    Caller(who): Caller,
    RequestLang(lang): RequestLang,
    AppJson(request): AppJson<LocalDeleteRequest>,
) -> Response {
    start(&state, &who, JobRequest::LocalDelete(request), None, lang).await
}

/// `POST /api/local-delete-jobs/preview {image_refs}`: per image ID, the tags selected and the
/// other tags that go with it.
pub async fn preview_delete(
    State(state): State<AppState>,
    Caller(who): Caller,
    RequestLang(lang): RequestLang,
    AppJson(request): AppJson<LocalDeleteRequest>,
) -> Response {
    service::preview_delete(&state, &who, &request.image_refs, lang).await.map(Json).into_response()
}
