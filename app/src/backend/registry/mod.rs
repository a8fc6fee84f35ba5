//! Client for the registry HTTP API (distribution v2 / OCI distribution spec), on reqwest.
//!
//! Split by API area, each its own `impl RegistryClient` block; transport and auth stay private.

mod auth;
mod client;
mod error;

pub use auth::{Challenge, Credentials};
pub use client::{PingOutcome, RegistryClient, RegistryClientOptions};
pub use error::{OciErrorBody, OciErrorEntry, RegistryError};
