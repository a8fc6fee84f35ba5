//! Local Docker images: scan, push (prefix, arch suffix) and delete, through the daemon at
//! `DOCKER_HOST`. A daemon that cannot be reached answers 502 with its reason.

mod list_local_images;
mod preview_local_delete;
mod preview_local_push;
mod start_local_delete;
mod start_local_push;

pub use list_local_images::*;
pub use preview_local_delete::*;
pub use preview_local_push::*;
pub use start_local_delete::*;
pub use start_local_push::*;
