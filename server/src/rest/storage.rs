//! `/api/storage`: storage usage per repository, dedup-aware.

use app::backend::AppState;
use app::backend::service::storage as service;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::lang::RequestLang;
use crate::middleware::Caller;

/// `GET /api/storage` → `{total_unique_bytes, repositories: [{name, unique_bytes, shared_bytes,
/// tag_count}], computed_at, complete}`.
pub async fn get(
    State(state): State<AppState>,
    Caller(who): Caller,
    RequestLang(lang): RequestLang,
) -> Response {
    service::usage(&state, &who, lang).await.map(Json).into_response()
}
