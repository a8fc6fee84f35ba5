//! Server functions: the UI's typed RPC, served under `/rpc/*` (REST stays under `/api/*`).
//! One function per file, grouped by domain; each is a thin call into `backend`.

pub mod jobs;
pub mod local;
pub mod registry;
pub mod status;

/// The application state, provided by the server to every server function.
#[cfg(feature = "ssr")]
pub(crate) fn state() -> Result<crate::backend::AppState, crate::model::AppError> {
    leptos::prelude::use_context::<crate::backend::AppState>().ok_or(crate::model::AppError::Internal)
}
