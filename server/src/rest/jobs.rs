//! Jobs under `/api`: the original tool's `/api/sync-jobs` family (list, get, start a sync), the
//! rename and batch delete starters, cancel, retry, and the live streams (Server-Sent Events).
//!
//! SSE: `GET /api/sync-jobs/{id}/events` sends `snapshot` (the whole job, log backlog included)
//! and then `log`, `item` and `summary` events, each `data:` a JSON [`JobEvent`]; it ends once the
//! job has finished. `GET /api/sync-jobs/events` sends a `summary` of the newest jobs, then one for
//! every job change.

use std::convert::Infallible;

use app::backend::AppState;
use app::backend::access::Operation;
use app::model::{
    AppError, JobEvent, JobList, JobRequest, RemotePrefixRequest, RepositoryDeleteRequest, SyncRequest,
};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::{Stream, StreamExt as _};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct ListParams {
    limit: Option<usize>,
}

/// `GET /api/sync-jobs?limit=` (default 50, at most 1000) → `{jobs: [...]}`, newest first.
pub async fn list(State(state): State<AppState>, Query(params): Query<ListParams>) -> Response {
    let limit = params.limit.unwrap_or(50).clamp(1, 1000);
    state.jobs.list(limit).map(|jobs| Json(JobList { jobs })).into_response()
}

/// `GET /api/sync-jobs/{id}` → the job with items and log.
pub async fn get(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    state.jobs.job(&id).map(Json).into_response()
}

/// A JSON body, or a 400 that says what was wrong with it.
pub(super) fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, AppError> {
    body.map(|Json(value)| value)
        .map_err(|rejection| AppError::BadRequest(format!("invalid request body: {}", rejection.body_text())))
}

pub(super) fn start(state: &AppState, request: Result<JobRequest, AppError>) -> Response {
    let started = state
        .authorize(Operation::StartJob)
        .and(request)
        .and_then(|request| state.jobs.submit(request, None))
        .and_then(|summary| state.jobs.job(&summary.id));
    started.map(Json).into_response()
}

/// `POST /api/sync-jobs {source_image, target_repository?, target_tag?, platforms?, cleanup_local_images?}`.
pub async fn start_sync(
    State(state): State<AppState>,
    request: Result<Json<SyncRequest>, JsonRejection>,
) -> Response {
    start(&state, body(request).map(JobRequest::Sync))
}

/// `POST /api/remote-prefix-jobs {repositories, prefix_mode, prefix_value, cleanup_source_tag, target_registry_host?, overwrite?}`.
pub async fn start_remote_prefix(
    State(state): State<AppState>,
    request: Result<Json<RemotePrefixRequest>, JsonRejection>,
) -> Response {
    start(&state, body(request).map(JobRequest::RemotePrefix))
}

/// `POST /api/remote-prefix-jobs/preview`: same body, answers old → new names and conflicts.
pub async fn preview_remote_prefix(
    State(state): State<AppState>,
    request: Result<Json<RemotePrefixRequest>, JsonRejection>,
) -> Response {
    match body(request) {
        Ok(request) => app::backend::jobs::kinds::preview_remote_prefix(&request, state.jobs.deps())
            .await
            .map(Json)
            .into_response(),
        Err(error) => error.into_response(),
    }
}

/// `POST /api/repository-delete-jobs {repositories}`.
pub async fn start_repository_delete(
    State(state): State<AppState>,
    request: Result<Json<RepositoryDeleteRequest>, JsonRejection>,
) -> Response {
    let request = state.authorize(Operation::DeleteRepository).and(body(request));
    start(&state, request.map(JobRequest::RepositoryDelete))
}

/// `POST /api/sync-jobs/{id}/cancel`.
pub async fn cancel(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    state.authorize(Operation::CancelJob).and_then(|()| state.jobs.cancel(&id)).map(Json).into_response()
}

/// `POST /api/sync-jobs/{id}/retry` → the new job.
pub async fn retry(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    state
        .authorize(Operation::StartJob)
        .and_then(|()| state.jobs.retry(&id))
        .and_then(|summary| state.jobs.job(&summary.id))
        .map(Json)
        .into_response()
}

fn sse_event(event: JobEvent) -> Result<Event, Infallible> {
    let mut sse = Event::default().event(event.name());
    if let JobEvent::Log { line, .. } = &event {
        sse = sse.id(line.seq.to_string());
    }
    Ok(sse.json_data(&event).unwrap_or_else(|_| Event::default().comment("unserialisable event")))
}

fn sse(
    stream: impl Stream<Item = JobEvent> + Send + 'static,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    Sse::new(stream.map(sse_event)).keep_alive(KeepAlive::default())
}

/// `GET /api/sync-jobs/{id}/events`: one job, live.
pub async fn events(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match state.jobs.watch(&id) {
        Ok(stream) => sse(stream).into_response(),
        Err(error) => error.into_response(),
    }
}

/// `GET /api/sync-jobs/events?limit=`: the newest `limit` jobs (default 50), then every job's
/// summary as it changes.
pub async fn all_events(State(state): State<AppState>, Query(params): Query<ListParams>) -> Response {
    sse(state.jobs.watch_all(params.limit.unwrap_or(50).clamp(1, 1000))).into_response()
}
