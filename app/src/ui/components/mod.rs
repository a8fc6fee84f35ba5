//! Reusable view pieces.

mod badge;
mod copy_button;
mod dialog;
mod error_list;
mod form;
mod local_time;
mod progress_bar;
mod selection_bar;

pub use badge::{Badge, Tone};
pub use copy_button::CopyButton;
pub use dialog::Dialog;
pub use error_list::ErrorList;
pub use form::{
    ConfirmActions, PreviewStartActions, Previewed, checkbox, choice, password_field, preview_errors, reason,
    text_field,
};
pub use local_time::{LocalTime, TimeStyle};
pub use progress_bar::ProgressBar;
pub use selection_bar::{SelectionActions, SelectionBar};
