//! Server-only backend: configuration, shared state, and the adapters to the registry and the
//! Docker daemon. Nothing in here renders views; nothing outside `api` and `server` calls in here.

pub mod auth;
pub mod browse;
pub mod cli;
pub mod config;
pub mod copy;
pub mod docker;
pub mod empty_repository;
pub mod error_text;
pub mod gc;
pub mod health;
pub mod healthcheck;
pub mod http_policy;
pub mod jobs;
pub mod redact;
pub mod registry;
pub mod registry_process;
pub mod retention;
pub mod service;
pub mod state;
pub mod storage;
pub mod store;

pub use config::Config;
pub use state::AppState;
