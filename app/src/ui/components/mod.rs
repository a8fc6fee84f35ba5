//! Reusable view pieces.

mod badge;
mod error_list;

pub use badge::{Badge, Tone};
pub use error_list::ErrorList;
