//! `/api/repositories…`: the original tool's browsing and deletion routes.
//!
//! Repository names contain slashes (`team/app/api`), which one path segment cannot hold, so
//! everything after `/api/repositories/` is one wildcard, split by [`RepositoryPath::parse`]
//! (shared with the UI's routes).

use app::backend::AppState;
use app::backend::browse::{RepositoryQuery, TagQuery};
use app::backend::service::registry as service;
use app::model::{AppError, DeleteScope, TagSort};
use app::naming::RepositoryPath;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::lang::RequestLang;
use crate::middleware::Caller;

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
pub async fn list(
    State(state): State<AppState>,
    Caller(who): Caller,
    RequestLang(lang): RequestLang,
    Query(params): Query<CatalogParams>,
) -> Response {
    let query = RepositoryQuery {
        n: params.n,
        last: params.last,
        filter: params.filter,
        non_empty_only: params.non_empty_only,
        details: params.details,
    };
    service::list_repositories(&state, &who, query, lang).await.map(Json).into_response()
}

#[derive(Debug, Deserialize)]
pub struct TagParams {
    /// Digest, size, created and platforms of each tag, as the original always sent; `false` for
    /// names only.
    #[serde(default = "details_by_default")]
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
    /// For a whole repository: if sent, must repeat the repository name.
    confirm: Option<String>,
}

fn details_by_default() -> bool {
    true
}

/// `GET /api/repositories/{repo}/tags?details=` and `GET /api/repositories/{repo}/tags/{tag}`.
pub async fn get(
    State(state): State<AppState>,
    Caller(who): Caller,
    RequestLang(lang): RequestLang,
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
                details: params.details,
            };
            service::list_tags(&state, &who, repository, &query, lang).await.map(Json).into_response()
        }
        RepositoryPath::Tag(repository, tag) => {
            service::tag_detail(&state, &who, repository, tag, lang).await.map(Json).into_response()
        }
        RepositoryPath::Repository(_) => AppError::NotFound(app::msg!(NoSuchRepositoryRoute)).into_response(),
    }
}

/// `DELETE /api/repositories/{repo}/tags/{tag}?scope=tag|image` (default `tag`: sibling tags on
/// the same digest survive) and `DELETE /api/repositories/{repo}[?confirm={repo}]` (every tag;
/// a `confirm` that is sent must repeat the name).
pub async fn delete(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(path): Path<String>,
    Query(params): Query<DeleteParams>,
) -> Response {
    match RepositoryPath::parse(&path) {
        RepositoryPath::Tag(repository, tag) => {
            let scope = params.scope.unwrap_or_default();
            service::delete_tag(&state, &who, repository, tag, scope).await.map(Json).into_response()
        }
        RepositoryPath::Repository(repository) => {
            service::delete_repository(&state, &who, repository, params.confirm.as_deref())
                .await
                .map(Json)
                .into_response()
        }
        RepositoryPath::Tags(repository) => {
            AppError::BadRequest(app::msg!(NameTheTagToDelete, repository)).into_response()
        }
    }
}
