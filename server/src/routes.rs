//! The router: REST under `/api`, server functions under `/rpc`, pages, static files (`/pkg`:
//! [`crate::static_files`]; the rest of the site by leptos' file handler), the session form
//! posts (`/login`, `/logout`, `/setup`) and the language and theme switches (`/lang/{code}`,
//! `/theme/{mode}`: `GET`s that set a cookie). Middleware refuses foreign hosts and cross-site changes, adds the security
//! headers, and puts the caller on every request; the service layer decides what the caller may do.

use std::sync::{Arc, OnceLock};

use app::backend::AppState;
use app::backend::http_policy::HttpPolicy;
use app::{App, shell};
use axum::Router;
use axum::routing::{MethodRouter, get, post};
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tower_http::trace::TraceLayer;

use crate::middleware::provide_csp_nonce;

/// The page routes, generated once per process. Generating them runs the app with resource loads
/// suppressed through a process-wide flag of leptos, and a page that another thread renders in
/// that moment waits for its data forever (leptos issue 4773). The binary builds its router before
/// it serves; the tests build one per test, in parallel, and hung now and then until the list was
/// made once, before any router can serve.
fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The switches that only set a preference cookie and return to the page (see [`crate::lang`]):
/// open to anyone, signed in or not. The permission matrix (server/tests/permissions.rs) takes
/// its rows for them from [`preference_paths`].
fn preference_routes() -> [(&'static str, MethodRouter<AppState>); 2] {
    [("/lang/{code}", get(crate::lang::switch)), ("/theme/{mode}", get(crate::theme::switch))]
}

/// The paths of [`preference_routes`], all `GET`.
pub fn preference_paths() -> Vec<&'static str> {
    preference_routes().map(|(path, _)| path).to_vec()
}

/// Builds the whole application router. Server functions (`/rpc/*`) are registered by
/// `leptos_routes_with_context`, which provides `AppState` as context to them.
pub fn router(state: AppState) -> Router {
    let routes = page_routes();
    let policy = Arc::new(HttpPolicy::from_config(&state.config));
    let router = Router::new()
        .nest("/api", crate::rest::router())
        .route("/login", post(crate::session::login))
        .route("/logout", post(crate::session::logout))
        .route("/setup", post(crate::session::setup));
    preference_routes()
        .into_iter()
        .fold(router, |router, (path, route)| router.route(path, route))
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
