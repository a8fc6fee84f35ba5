use app::backend::{AppState, health};
use app::model::Health;
use axum::Json;
use axum::extract::State;

/// `GET /api/health`: always 200; health is in the body (`registry_healthy`, `docker_healthy`).
pub async fn get(State(state): State<AppState>) -> Json<Health> {
    Json(health::check(&state).await)
}
