//! Reusable view pieces.

mod badge;
mod copy_button;
mod dialog;
mod error_list;

pub use badge::{Badge, Tone};
pub use copy_button::CopyButton;
pub use dialog::Dialog;
pub use error_list::ErrorList;
