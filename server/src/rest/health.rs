use app::backend::AppState;
use app::backend::service::status;
use app::model::HealthView;
use axum::Json;
use axum::extract::State;

use crate::lang::RequestLang;
use crate::middleware::Caller;

/// `GET /api/health`: always 200, open to anyone; health is in the body (`registry_healthy`,
/// `docker_healthy`). Signed-in callers also get errors, versions and host facts, our wording in
/// the request's language.
pub async fn get(
    State(state): State<AppState>,
    Caller(who): Caller,
    RequestLang(lang): RequestLang,
) -> Json<HealthView> {
    Json(status::health(&state, &who, lang).await)
}
