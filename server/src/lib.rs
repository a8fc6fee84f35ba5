//! The axum side of Registry Manager, as a library so integration tests drive the same router the
//! binary serves.

pub mod lang;
pub mod middleware;
pub mod rest;
pub mod routes;
pub mod session;
pub mod static_files;
pub mod theme;

pub use routes::router;
