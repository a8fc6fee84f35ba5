mod get_status;
mod get_ui_config;

pub use get_status::*;
pub use get_ui_config::*;
