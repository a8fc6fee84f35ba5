//! The router: REST under `/api`, server functions under `/rpc`, pages, static files.

use app::backend::AppState;
use app::{App, shell};
use axum::Router;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::trace::TraceLayer;

/// Builds the whole application router. Server functions (`/rpc/*`) are registered by
/// `leptos_routes_with_context`, which provides `AppState` as context to them.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    Router::new()
        .nest("/api", crate::rest::router())
        .leptos_routes_with_context(&state, routes, || (), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
