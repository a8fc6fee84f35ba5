//! Server functions: the UI's typed RPC, served under `/rpc/*` (REST stays under `/api/*`).
//! One function per file, grouped by domain; each is a one-line adapter over `backend::service`,
//! which checks the caller's permission, validates and audits.

pub mod accounts;
pub mod jobs;
pub mod local;
pub mod registry;
pub mod retention;
pub mod status;

/// A job summary as this request's reader sees it: its labels and failure summary in their
/// language (the `lang` cookie, else `Accept-Language`).
#[cfg(feature = "ssr")]
pub(crate) fn for_reader(summary: crate::model::JobSummary) -> crate::model::JobSummary {
    summary.localized(crate::ui::lang::Lang::of_current_request())
}

/// The application state and the caller (the session's principal, which the server's middleware
/// put on the request), for a server function.
#[cfg(feature = "ssr")]
pub(crate) fn caller()
-> Result<(crate::backend::AppState, crate::backend::auth::principal::Principal), crate::model::AppError> {
    use leptos::prelude::use_context;
    let state = use_context::<crate::backend::AppState>().ok_or(crate::model::AppError::Internal)?;
    let parts = use_context::<axum::http::request::Parts>().ok_or(crate::model::AppError::Internal)?;
    let who = parts
        .extensions
        .get::<crate::backend::auth::principal::Principal>()
        .cloned()
        .ok_or(crate::model::AppError::Internal)?;
    Ok((state, who))
}

/// The session cookie's value on this request, if any (to keep it when ending the others).
#[cfg(feature = "ssr")]
pub(crate) fn session_cookie() -> Option<String> {
    let parts = leptos::prelude::use_context::<axum::http::request::Parts>()?;
    crate::backend::auth::authenticator::cookie_value(
        &parts.headers,
        crate::backend::auth::authenticator::SESSION_COOKIE,
    )
}
