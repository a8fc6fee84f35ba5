//! Local Docker images under `/api`: the original tool's scan, push and delete routes. Thin
//! adapters over `app::backend`; a daemon that cannot be reached answers 502 with its reason.

use app::backend::AppState;
use app::backend::access::Operation;
use app::model::{JobRequest, LocalDeleteRequest, LocalPushRequest};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::jobs::{body, start};

#[derive(Debug, Deserialize)]
pub struct ListParams {
    limit: Option<usize>,
    #[serde(default)]
    all: bool,
}

/// `GET /api/local-images?limit=&all=` → `{images, detected_arch}`; `all=true` adds dangling images.
pub async fn list(State(state): State<AppState>, Query(params): Query<ListParams>) -> Response {
    app::backend::docker::local::list_local_images(&state.docker, params.all, params.limit)
        .await
        .map(Json)
        .into_response()
}

/// `POST /api/local-push-jobs {image_refs, prefix_mode, prefix_value, arch_mode, arch_value,
/// target_registry_host?, cleanup_local_tag, cleanup_registry_source_tag}` → the job.
pub async fn start_push(
    State(state): State<AppState>,
    request: Result<Json<LocalPushRequest>, JsonRejection>,
) -> Response {
    start(&state, body(request).map(JobRequest::LocalPush))
}

/// `POST /api/local-push-jobs/preview`: same body, answers old → new names per image.
pub async fn preview_push(
    State(state): State<AppState>,
    request: Result<Json<LocalPushRequest>, JsonRejection>,
) -> Response {
    match body(request) {
        Ok(request) => app::backend::jobs::kinds::preview_local_push(&request, state.jobs.deps())
            .await
            .map(Json)
            .into_response(),
        Err(error) => error.into_response(),
    }
}

/// `POST /api/local-delete-jobs {image_refs}` → the job.
pub async fn start_delete(
    State(state): State<AppState>,
    request: Result<Json<LocalDeleteRequest>, JsonRejection>,
) -> Response {
    let request = state.authorize(Operation::DeleteLocalImage).and(body(request));
    start(&state, request.map(JobRequest::LocalDelete))
}

/// `POST /api/local-delete-jobs/preview {image_refs}`: per image ID, the tags selected and the
/// other tags that go with it.
pub async fn preview_delete(
    State(state): State<AppState>,
    request: Result<Json<LocalDeleteRequest>, JsonRejection>,
) -> Response {
    match body(request) {
        Ok(request) => app::backend::jobs::kinds::preview_local_delete(&state.docker, &request.image_refs)
            .await
            .map(Json)
            .into_response(),
        Err(error) => error.into_response(),
    }
}
