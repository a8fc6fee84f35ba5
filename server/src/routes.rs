//! The router: REST under `/api`, server functions under `/rpc`, pages, static files (`/pkg`:
//! [`crate::static_files`]; the rest of the site by leptos' file handler), the session form
//! posts (`/login`, `/logout`, `/setup`) and the language switch (`/lang/{code}`, a `GET` that
//! sets a cookie). Middleware refuses foreign hosts and cross-site changes, adds the security
//! headers, and puts the caller on every request; the service layer decides what the caller may do.

use std::sync::Arc;

use app::backend::AppState;
use app::backend::http_policy::HttpPolicy;
use app::{App, shell};
use axum::Router;
use axum::routing::{get, post};
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::trace::TraceLayer;

use crate::middleware::provide_csp_nonce;

/// Builds the whole application router. Server functions (`/rpc/*`) are registered by
/// `leptos_routes_with_context`, which provides `AppState` as context to them.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let policy = Arc::new(HttpPolicy::from_config(&state.config));
    Router::new()
        .nest("/api", crate::rest::router())
        .route("/login", post(crate::session::login))
        .route("/logout", post(crate::session::logout))
        .route("/setup", post(crate::session::setup))
        .route("/lang/{code}", get(crate::lang::switch))
        .leptos_routes_with_context(&state, routes, provide_csp_nonce, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(provide_csp_nonce, shell))
        .layer(axum::middleware::from_fn(crate::static_files::html_no_cache))
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::middleware::authenticate))
        .layer(axum::middleware::from_fn(crate::middleware::rpc_error_status))
        .layer(axum::middleware::from_fn(crate::middleware::limit_body))
        // Added after `authenticate`, so not wrapped by it: the built JS/WASM/CSS are public (the
        // sign-in page needs them) and a first page fetches dozens of chunks at once, each of
        // which would otherwise look up the session in the store. The Host check and the
        // security headers below still apply.
        .nest_service("/pkg", crate::static_files::pkg_router(std::path::Path::new(&*state.leptos_options.site_root)))
        .layer(axum::middleware::from_fn_with_state(policy, crate::middleware::refuse_foreign))
        .layer(axum::middleware::from_fn(crate::middleware::security_headers))
        // The path only: a query string may carry a secret (`/setup?token=…`).
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::extract::Request| {
            tracing::debug_span!("request", method = %request.method(), path = request.uri().path())
        }))
        .with_state(state)
}
