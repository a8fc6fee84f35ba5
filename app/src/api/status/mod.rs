mod get_status;

pub use get_status::*;
