//! Registry Manager's application crate.
//!
//! Data flows one way: `ui` → `api` (server functions) → `backend` → registry or Docker daemon.
//! `model` holds the typed structs every layer shares, `naming` the pure rules that UI previews
//! and jobs must agree on, and `format` how sizes and times are written (views and command line);
//! all three compile to the browser as well as to the server.

pub mod api;
pub mod format;
pub mod model;
pub mod naming;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod backend;
#[cfg(feature = "ssr")]
pub mod messages;

pub use ui::{App, shell};
