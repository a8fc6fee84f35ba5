//! The REST API under `/api`, compatible with the original tool's routes. Handlers are one-line
//! adapters over `app::backend::service`, which checks the caller, validates and audits.
//!
//! Routes are added through [`Api`], which also records each `(method, path)`: the permission
//! matrix test enumerates them from here, so a route added without its row fails that test.

mod accounts;
mod gc;
mod health;
mod jobs;
mod json;
mod local;
mod repositories;
mod retention;
mod storage;

use app::backend::AppState;
use app::model::AppError;
use axum::Router;
use axum::handler::Handler;
use axum::routing::{MethodRouter, delete, get, post, put};

/// The `/api` router and the list of what it serves.
pub struct Api {
    router: Router<AppState>,
    routes: Vec<(&'static str, &'static str)>,
}

impl Api {
    fn add(mut self, method: &'static str, path: &'static str, route: MethodRouter<AppState>) -> Self {
        self.router = self.router.route(path, route);
        self.routes.push((method, path));
        self
    }

    fn get<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, handler: H) -> Self {
        self.add("GET", path, get(handler))
    }

    fn post<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, handler: H) -> Self {
        self.add("POST", path, post(handler))
    }

    fn put<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, handler: H) -> Self {
        self.add("PUT", path, put(handler))
    }

    fn delete<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, handler: H) -> Self {
        self.add("DELETE", path, delete(handler))
    }

    /// `(method, path)` of every route, paths relative to `/api`.
    pub fn routes(&self) -> &[(&'static str, &'static str)] {
        &self.routes
    }
}

pub fn api() -> Api {
    Api { router: Router::new(), routes: Vec::new() }
        .get("/health", health::get)
        .get("/repositories", repositories::list)
        .get("/repositories/{*path}", repositories::get)
        .delete("/repositories/{*path}", repositories::delete)
        .get("/storage", storage::get)
        .get("/storage/{*repository}", storage::get_repository)
        .post("/storage-scan-jobs", storage::start_scan)
        .delete("/empty-repositories/{*repository}", storage::remove_empty)
        .get("/sync-jobs", jobs::list)
        .post("/sync-jobs", jobs::start_sync)
        .get("/sync-jobs/events", jobs::all_events)
        .get("/sync-jobs/{id}", jobs::get)
        .get("/sync-jobs/{id}/events", jobs::events)
        .post("/sync-jobs/{id}/cancel", jobs::cancel)
        .post("/sync-jobs/{id}/retry", jobs::retry)
        .post("/remote-prefix-jobs", jobs::start_remote_prefix)
        .post("/remote-prefix-jobs/preview", jobs::preview_remote_prefix)
        .post("/repository-delete-jobs", jobs::start_repository_delete)
        .post("/merge-jobs", jobs::start_merge)
        .post("/merge-jobs/preview", jobs::preview_merge)
        .post("/split-jobs", jobs::start_split)
        .get("/retention-policies", retention::list)
        .post("/retention-policies", retention::create)
        .get("/retention-policies/{id}", retention::get)
        .put("/retention-policies/{id}", retention::update)
        .delete("/retention-policies/{id}", retention::delete)
        .post("/retention-jobs", retention::start)
        .post("/gc-jobs", gc::start)
        .get("/local-images", local::list)
        .post("/local-push-jobs", local::start_push)
        .post("/local-push-jobs/preview", local::preview_push)
        .post("/local-delete-jobs", local::start_delete)
        .post("/local-delete-jobs/preview", local::preview_delete)
        .get("/me", accounts::me)
        .get("/tokens", accounts::list_tokens)
        .post("/tokens", accounts::create_token)
        .delete("/tokens/{id}", accounts::revoke_token)
        .get("/audit", accounts::audit)
}

pub fn router() -> Router<AppState> {
    api().router.fallback(|| async { AppError::NotFound(app::msg!(NoSuchApiRoute)) })
}
