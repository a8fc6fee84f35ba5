//! Registry Manager's application crate.
//!
//! Data flows one way: `ui` → `api` (server functions) → `backend` → registry or Docker daemon.
//! `model` holds the typed structs every layer shares, and `naming` the pure rules that UI previews
//! and jobs must agree on, so both compile to the browser as well as to the server.

pub mod api;
pub mod model;
pub mod naming;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod backend;

pub use ui::{App, shell};
