//! `/api/repositories…`: the original tool's browsing and deletion routes.
//!
//! Repository names contain slashes (`team/app/api`), which one path segment cannot hold, so
//! everything after `/api/repositories/` is one wildcard, split by [`RepositoryPath::parse`]
//! (shared with the UI's routes).

use app::backend::AppState;
use app::backend::access::{Operation, confirm_repository_delete};
use app::backend::browse::{self, TagQuery};
use app::model::{AppError, DeleteScope, TagSort};
use app::naming::RepositoryPath;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct CatalogParams {
    n: Option<u32>,
    last: Option<String>,
    /// Only names containing this (case-insensitive).
    filter: Option<String>,
    #[serde(default)]
    non_empty_only: bool,
    #[serde(default)]
    details: bool,
}

/// `GET /api/repositories?n=&last=&filter=&non_empty_only=&details=` → `{repositories, next}`.
/// `n` defaults to, and is capped at, `MAX_CATALOG_RESULTS`.
pub async fn list(State(state): State<AppState>, Query(params): Query<CatalogParams>) -> Response {
    let max = state.config.max_catalog_results;
    let n = params.n.unwrap_or(max).clamp(1, max);
    let last = params.last.as_deref().filter(|l| !l.is_empty());
    let filter = params.filter.as_deref();
    browse::repositories_matching(&state.registry, n, last, filter, params.non_empty_only, params.details)
        .await
        .map(Json)
        .into_response()
}

#[derive(Debug, Deserialize)]
pub struct TagParams {
    #[serde(default)]
    details: bool,
    filter: Option<String>,
    sort: Option<TagSort>,
    #[serde(default)]
    descending: bool,
    #[serde(default)]
    offset: usize,
    limit: Option<usize>,
}

#[derive(Debug, Deserialize)]
pub struct DeleteParams {
    scope: Option<DeleteScope>,
    /// For a whole repository: must repeat the repository name.
    confirm: Option<String>,
}

/// `GET /api/repositories/{repo}/tags?details=` and `GET /api/repositories/{repo}/tags/{tag}`.
pub async fn get(
    State(state): State<AppState>,
    Path(path): Path<String>,
    Query(params): Query<TagParams>,
) -> Response {
    match RepositoryPath::parse(&path) {
        RepositoryPath::Tags(repository) => {
            let query = TagQuery {
                filter: params.filter,
                sort: params.sort.unwrap_or_default(),
                descending: params.descending,
                offset: params.offset,
                limit: params.limit,
            };
            browse::tags(&state.registry, repository, params.details, &query).await.map(Json).into_response()
        }
        RepositoryPath::Tag(repository, tag) => {
            browse::tag_detail(&state.registry, repository, tag).await.map(Json).into_response()
        }
        RepositoryPath::Repository(_) => AppError::NotFound(
            "no such API route: use /api/repositories/{repo}/tags or /api/repositories/{repo}/tags/{tag}"
                .into(),
        )
        .into_response(),
    }
}

/// `DELETE /api/repositories/{repo}/tags/{tag}?scope=tag|image` (default `tag`: sibling tags on
/// the same digest survive) and `DELETE /api/repositories/{repo}?confirm={repo}` (every tag).
pub async fn delete(
    State(state): State<AppState>,
    Path(path): Path<String>,
    Query(params): Query<DeleteParams>,
) -> Response {
    match RepositoryPath::parse(&path) {
        RepositoryPath::Tag(repository, tag) => {
            if let Err(e) = state.authorize(Operation::DeleteTag) {
                return e.into_response();
            }
            let scope = params.scope.unwrap_or_default();
            browse::delete_tag(&state.registry, repository, tag, scope).await.map(Json).into_response()
        }
        RepositoryPath::Repository(repository) => {
            if let Err(e) = state.authorize(Operation::DeleteRepository) {
                return e.into_response();
            }
            if let Err(e) =
                confirm_repository_delete(repository, params.confirm.as_deref().unwrap_or_default())
            {
                return e.into_response();
            }
            browse::delete_repository(&state.registry, repository).await.map(Json).into_response()
        }
        RepositoryPath::Tags(repository) => AppError::BadRequest(format!(
            "name the tag to delete: DELETE /api/repositories/{repository}/tags/{{tag}}"
        ))
        .into_response(),
    }
}
