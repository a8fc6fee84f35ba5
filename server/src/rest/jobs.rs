//! Jobs under `/api`: the original tool's `/api/sync-jobs` family (list, get, start a sync), the
//! rename, batch delete, merge and split starters, cancel, retry, and the live streams (Server-Sent Events).
//!
//! Jobs are answered in the original's shape (`app::model::original_job`): `status` is
//! `running`/`success`/`failed`, `job_type` its names, `logs` strings; `state` and `log_entries`
//! carry our detail. The SSE streams are ours and keep the rich model.
//!
//! SSE: `GET /api/sync-jobs/{id}/events` sends `snapshot` (the whole job, log backlog included)
//! and then `log`, `item` and `summary` events, each `data:` a JSON [`JobEvent`]; it ends once the
//! job has finished. `GET /api/sync-jobs/events` sends a `summary` of the newest jobs, then one for
//! every job change.

use std::convert::Infallible;

use super::json::AppJson;
use app::backend::AppState;
use app::backend::service::jobs as service;
use app::model::{
    JobEvent, JobRequest, MergeRequest, RemotePrefixRequest, SplitRequest, SyncRequest, original_job_in,
    original_summary_in,
};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::{Stream, StreamExt as _};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::lang::RequestLang;
use crate::middleware::Caller;

#[derive(Debug, Deserialize)]
pub struct ListParams {
    limit: Option<usize>,
}

/// `GET /api/sync-jobs?limit=` (default 50, at most 1000) → `{jobs: [...]}`, newest first, each
/// with the last 300 lines of its log.
pub async fn list(
    State(state): State<AppState>,
    Caller(who): Caller,
    RequestLang(lang): RequestLang,
    Query(params): Query<ListParams>,
) -> Response {
    service::list_jobs(&state, &who, params.limit)
        .map(|jobs| {
            let jobs: Vec<Value> =
                jobs.iter().map(|job| original_summary_in(&job.summary, &job.logs, lang)).collect();
            Json(json!({ "jobs": jobs }))
        })
        .into_response()
}

/// `GET /api/sync-jobs/{id}` → the job with items and log.
pub async fn get(
    State(state): State<AppState>,
    Caller(who): Caller,
    RequestLang(lang): RequestLang,
    Path(id): Path<String>,
) -> Response {
    service::get(&state, &who, &id).map(|job| Json(original_job_in(&job, lang))).into_response()
}

/// Starts a job and answers it (with items and log, as the original did). The service checks the
/// caller, then the request.
pub(super) async fn start(
    state: &AppState,
    who: &app::backend::auth::principal::Principal,
    request: JobRequest,
    confirm: Option<&str>,
    lang: app::ui::lang::Lang,
) -> Response {
    service::start(state, who, request, confirm)
        .await
        .and_then(|summary| state.jobs.job(&summary.id))
        .map(|job| Json(original_job_in(&job, lang)))
        .into_response()
}

/// `POST /api/sync-jobs {source_image, target_repository?, target_tag?, platforms?, cleanup_local_images?}`.
pub async fn start_sync(
    State(state): State<AppState>,
    Caller(who): Caller,
    RequestLang(lang): RequestLang,
    AppJson(request): AppJson<SyncRequest>,
) -> Response {
    start(&state, &who, JobRequest::Sync(request), None, lang).await
}

/// `POST /api/remote-prefix-jobs {repositories, prefix_mode, prefix_value, cleanup_source_tag, target_registry_host?, overwrite?}`.
pub async fn start_remote_prefix(
    State(state): State<AppState>,
    Caller(who): Caller,
    RequestLang(lang): RequestLang,
    AppJson(request): AppJson<RemotePrefixRequest>,
) -> Response {
    start(&state, &who, JobRequest::RemotePrefix(request), None, lang).await
}

/// `POST /api/remote-prefix-jobs/preview`: same body, answers old → new names and conflicts.
pub async fn preview_remote_prefix(
    State(state): State<AppState>,
    Caller(who): Caller,
    RequestLang(lang): RequestLang,
    AppJson(request): AppJson<RemotePrefixRequest>,
) -> Response {
    service::preview_remote_prefix(&state, &who, &request, lang).await.map(Json).into_response()
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
    RequestLang(lang): RequestLang,
    AppJson(RepositoryDeleteBody { repositories, confirmation }): AppJson<RepositoryDeleteBody>,
) -> Response {
    let request = JobRequest::RepositoryDelete(app::model::RepositoryDeleteRequest { repositories });
    start(&state, &who, request, confirmation.as_deref(), lang).await
}

/// `POST /api/merge-jobs {sources, target} | {repository, suffixes, target_repository?}` (with
/// `overwrite?`, `delete_sources?`): one multi-arch tag per group of single-arch tags.
pub async fn start_merge(
    State(state): State<AppState>,
    Caller(who): Caller,
    RequestLang(lang): RequestLang,
    AppJson(request): AppJson<MergeRequest>,
) -> Response {
    start(&state, &who, JobRequest::Merge(request), None, lang).await
}

/// `POST /api/merge-jobs/preview`: same body, answers each target tag with its children
/// (tag, digest, platform, size) and conflicts.
pub async fn preview_merge(
    State(state): State<AppState>,
    Caller(who): Caller,
    RequestLang(lang): RequestLang,
    AppJson(request): AppJson<MergeRequest>,
) -> Response {
    service::preview_merge(&state, &who, &request, lang).await.map(Json).into_response()
}

/// `POST /api/split-jobs {source, suffixes: {"linux/amd64": "-x86", …}, target_repository?, overwrite?}`.
pub async fn start_split(
    State(state): State<AppState>,
    Caller(who): Caller,
    RequestLang(lang): RequestLang,
    AppJson(request): AppJson<SplitRequest>,
) -> Response {
    start(&state, &who, JobRequest::Split(request), None, lang).await
}

/// `POST /api/sync-jobs/{id}/cancel` → the job.
pub async fn cancel(
    State(state): State<AppState>,
    Caller(who): Caller,
    RequestLang(lang): RequestLang,
    Path(id): Path<String>,
) -> Response {
    service::cancel(&state, &who, &id)
        .await
        .and_then(|summary| state.jobs.job(&summary.id))
        .map(|job| Json(original_job_in(&job, lang)))
        .into_response()
}

/// `POST /api/sync-jobs/{id}/retry` → the new job.
pub async fn retry(
    State(state): State<AppState>,
    Caller(who): Caller,
    RequestLang(lang): RequestLang,
    Path(id): Path<String>,
) -> Response {
    service::retry(&state, &who, &id)
        .await
        .and_then(|summary| state.jobs.job(&summary.id))
        .map(|job| Json(original_job_in(&job, lang)))
        .into_response()
}

fn sse_event(event: JobEvent) -> Result<Event, Infallible> {
    let mut sse = Event::default().event(event.name());
    if let JobEvent::Log { line, .. } = &event {
        sse = sse.id(line.seq.to_string());
    }
    Ok(sse.json_data(&event).unwrap_or_else(|_| Event::default().comment("unserialisable event")))
}

/// The stream in `lang`: log lines are rendered for this viewer.
fn sse(
    stream: impl Stream<Item = JobEvent> + Send + 'static,
    lang: app::ui::lang::Lang,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    Sse::new(stream.map(move |event| sse_event(event.localized(lang)))).keep_alive(KeepAlive::default())
}

/// `GET /api/sync-jobs/{id}/events`: one job, live.
pub async fn events(
    State(state): State<AppState>,
    Caller(who): Caller,
    RequestLang(lang): RequestLang,
    Path(id): Path<String>,
) -> Response {
    match service::watch(&state, &who, &id) {
        Ok(stream) => sse(stream, lang).into_response(),
        Err(error) => error.into_response(),
    }
}

/// `GET /api/sync-jobs/events?limit=`: the newest `limit` jobs (default 50), then every job's
/// summary as it changes.
pub async fn all_events(
    State(state): State<AppState>,
    Caller(who): Caller,
    RequestLang(lang): RequestLang,
    Query(params): Query<ListParams>,
) -> Response {
    match service::watch_all(&state, &who, params.limit) {
        Ok(stream) => sse(stream, lang).into_response(),
        Err(error) => error.into_response(),
    }
}
