//! The REST API under `/api`, compatible with the original tool's routes. Handlers are thin
//! adapters over `app::backend`; they hold no logic of their own.

mod health;
mod jobs;
mod local;
mod repositories;

use app::backend::AppState;
use app::model::AppError;
use axum::Router;
use axum::routing::{get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health::get))
        .route("/repositories", get(repositories::list))
        .route("/repositories/{*path}", get(repositories::get).delete(repositories::delete))
        .route("/sync-jobs", get(jobs::list).post(jobs::start_sync))
        .route("/sync-jobs/events", get(jobs::all_events))
        .route("/sync-jobs/{id}", get(jobs::get))
        .route("/sync-jobs/{id}/events", get(jobs::events))
        .route("/sync-jobs/{id}/cancel", post(jobs::cancel))
        .route("/sync-jobs/{id}/retry", post(jobs::retry))
        .route("/remote-prefix-jobs", post(jobs::start_remote_prefix))
        .route("/remote-prefix-jobs/preview", post(jobs::preview_remote_prefix))
        .route("/repository-delete-jobs", post(jobs::start_repository_delete))
        .route("/local-images", get(local::list))
        .route("/local-push-jobs", post(local::start_push))
        .route("/local-push-jobs/preview", post(local::preview_push))
        .route("/local-delete-jobs", post(local::start_delete))
        .route("/local-delete-jobs/preview", post(local::preview_delete))
        .fallback(|| async {
            AppError::NotFound("no such API route: see the README for the routes under /api".to_owned())
        })
}
