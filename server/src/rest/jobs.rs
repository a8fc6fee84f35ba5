//! Jobs under `/api`: the original tool's `/api/sync-jobs` family (list, get, start a sync), the
//! rename and batch delete starters, cancel, retry, and the live streams (Server-Sent Events).
//!
//! SSE: `GET /api/sync-jobs/{id}/events` sends `snapshot` (the whole job, log backlog included)
//! and then `log`, `item` and `summary` events, each `data:` a JSON [`JobEvent`]; it ends once the
//! job has finished. `GET /api/sync-jobs/events` sends a `summary` of the newest jobs, then one for
//! every job change.

use std::convert::Infallible;

use app::backend::AppState;
use app::backend::service::jobs as service;
use app::model::{AppError, JobEvent, JobList, JobRequest, RemotePrefixRequest, SyncRequest};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::{Stream, StreamExt as _};
use serde::Deserialize;

use crate::middleware::Caller;

#[derive(Debug, Deserialize)]
pub struct ListParams {
    limit: Option<usize>,
}

/// `GET /api/sync-jobs?limit=` (default 50, at most 1000) → `{jobs: [...]}`, newest first.
pub async fn list(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(params): Query<ListParams>,
) -> Response {
    service::list(&state, &who, params.limit).map(|jobs| Json(JobList { jobs })).into_response()
}

/// `GET /api/sync-jobs/{id}` → the job with items and log.
pub async fn get(State(state): State<AppState>, Caller(who): Caller, Path(id): Path<String>) -> Response {
    service::get(&state, &who, &id).map(Json).into_response()
}

/// A JSON body, or a 400 that says what was wrong with it.
pub(super) fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, AppError> {
    body.map(|Json(value)| value)
        .map_err(|rejection| AppError::BadRequest(format!("invalid request body: {}", rejection.body_text())))
}

/// Starts a job and answers it (with items and log, as the original did). A body that does not
/// parse is a 400 before anything else; the service checks the caller, then the request.
pub(super) async fn start(
    state: &AppState,
    who: &app::backend::auth::principal::Principal,
    request: Result<JobRequest, AppError>,
    confirm: Option<&str>,
) -> Response {
    let started = match request {
        Ok(request) => service::start(state, who, request, confirm).await,
        Err(error) => Err(error),
    };
    started.and_then(|summary| state.jobs.job(&summary.id)).map(Json).into_response()
}

/// `POST /api/sync-jobs {source_image, target_repository?, target_tag?, platforms?, cleanup_local_images?}`.
pub async fn start_sync(
    State(state): State<AppState>,
    Caller(who): Caller,
    request: Result<Json<SyncRequest>, JsonRejection>,
) -> Response {
    start(&state, &who, body(request).map(JobRequest::Sync), None).await
}

/// `POST /api/remote-prefix-jobs {repositories, prefix_mode, prefix_value, cleanup_source_tag, target_registry_host?, overwrite?}`.
pub async fn start_remote_prefix(
    State(state): State<AppState>,
    Caller(who): Caller,
    request: Result<Json<RemotePrefixRequest>, JsonRejection>,
) -> Response {
    start(&state, &who, body(request).map(JobRequest::RemotePrefix), None).await
}

/// `POST /api/remote-prefix-jobs/preview`: same body, answers old → new names and conflicts.
pub async fn preview_remote_prefix(
    State(state): State<AppState>,
    Caller(who): Caller,
    request: Result<Json<RemotePrefixRequest>, JsonRejection>,
) -> Response {
    match body(request) {
        Ok(request) => service::preview_remote_prefix(&state, &who, &request).await.map(Json).into_response(),
        Err(error) => error.into_response(),
    }
}

/// `POST /api/repository-delete-jobs {repositories, confirmation?}`: the original's body; a
/// `confirmation` phrase (`delete N repositories`), if sent, is checked.
#[derive(Debug, Deserialize)]
pub struct RepositoryDeleteBody {
    repositories: Vec<String>,
    confirmation: Option<String>,
}

pub async fn start_repository_delete(
    State(state): State<AppState>,
    Caller(who): Caller,
    request: Result<Json<RepositoryDeleteBody>, JsonRejection>,
) -> Response {
    let (request, confirm) = match body(request) {
        Ok(RepositoryDeleteBody { repositories, confirmation }) => (
            Ok(JobRequest::RepositoryDelete(app::model::RepositoryDeleteRequest { repositories })),
            confirmation,
        ),
        Err(error) => (Err(error), None),
    };
    start(&state, &who, request, confirm.as_deref()).await
}

/// `POST /api/sync-jobs/{id}/cancel`.
pub async fn cancel(State(state): State<AppState>, Caller(who): Caller, Path(id): Path<String>) -> Response {
    service::cancel(&state, &who, &id).await.map(Json).into_response()
}

/// `POST /api/sync-jobs/{id}/retry` → the new job.
pub async fn retry(State(state): State<AppState>, Caller(who): Caller, Path(id): Path<String>) -> Response {
    service::retry(&state, &who, &id)
        .await
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
pub async fn events(State(state): State<AppState>, Caller(who): Caller, Path(id): Path<String>) -> Response {
    match service::watch(&state, &who, &id) {
        Ok(stream) => sse(stream).into_response(),
        Err(error) => error.into_response(),
    }
}

/// `GET /api/sync-jobs/events?limit=`: the newest `limit` jobs (default 50), then every job's
/// summary as it changes.
pub async fn all_events(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(params): Query<ListParams>,
) -> Response {
    match service::watch_all(&state, &who, params.limit) {
        Ok(stream) => sse(stream).into_response(),
        Err(error) => error.into_response(),
    }
}
