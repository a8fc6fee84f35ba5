//! `/api/me`, `/api/tokens` and `/api/audit`: who the caller is, their API tokens, the audit log.

use super::json::AppJson;
use app::backend::AppState;
use app::backend::service::accounts::{self, NewTokenRequest};
use app::model::AuditQuery;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::middleware::Caller;

/// `GET /api/me` → `{username, role, auth_enabled}`.
pub async fn me(State(state): State<AppState>, Caller(who): Caller) -> Response {
    accounts::me(&state.auth, &who).map(Json).into_response()
}

#[derive(Debug, Deserialize)]
pub struct TokenParams {
    #[serde(default)]
    all: bool,
}

/// `GET /api/tokens?all=` → `{tokens}`: the caller's own, or everyone's (`all=true`, admin).
pub async fn list_tokens(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(params): Query<TokenParams>,
) -> Response {
    accounts::list_tokens(&state.auth, &who, params.all).map(Json).into_response()
}

/// `POST /api/tokens {name, role?, expires_in_days?}` → `{token, secret}`; the secret is shown once.
pub async fn create_token(
    State(state): State<AppState>,
    Caller(who): Caller,
    AppJson(request): AppJson<NewTokenRequest>,
) -> Response {
    accounts::create_token(&state.auth, &who, request).await.map(Json).into_response()
}

/// `DELETE /api/tokens/{id}` → the revoked token.
pub async fn revoke_token(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Response {
    accounts::revoke_token(&state.auth, &who, &id).await.map(Json).into_response()
}

/// `GET /api/audit?limit=&before=&actor=&operation=` → `{entries}`, newest first (admin).
pub async fn audit(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(query): Query<AuditQuery>,
) -> Response {
    accounts::audit(&state.auth, &who, &query).map(Json).into_response()
}
