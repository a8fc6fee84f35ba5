//! The registry backend (`app::backend::registry` and `app::backend::browse`) against real
//! distribution 2.8.2 registries started by the harness: plain, Basic, Bearer token and TLS.
//! One test binary (one link) with a module per area; each test starts its own registry.

mod auth;
mod catalog;
mod common;
mod delete;
mod media;
mod tags;
mod validation;
