//! The REST API under `/api`, compatible with the original tool's routes. Handlers are thin
//! adapters over `app::backend`; they hold no logic of their own.

mod health;
mod repositories;

use app::backend::AppState;
use app::model::AppError;
use axum::Router;
use axum::routing::get;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health::get))
        .route("/repositories", get(repositories::list))
        .route("/repositories/{*path}", get(repositories::get).delete(repositories::delete))
        .fallback(|| async {
            AppError::NotFound("no such API route: see the README for the routes under /api".to_owned())
        })
}
