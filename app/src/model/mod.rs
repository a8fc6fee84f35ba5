//! Typed structs shared by the UI, the server functions, the REST API and the backend.

mod error;
mod health;

pub use error::AppError;
pub use health::{Health, RegistryAuthMode};
