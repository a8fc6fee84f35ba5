//! Jobs: start, watch, cancel, retry. Live updates come over SSE (`/api/sync-jobs/{id}/events`),
//! which the browser reads with `EventSource`.

mod cancel_job;
mod get_job;
mod list_jobs;
mod preview_merge;
mod preview_remote_prefix;
mod preview_sync;
mod retry_job;
mod start_gc;
mod start_merge;
mod start_remote_prefix;
mod start_repository_delete;
mod start_split;
mod start_storage_scan;
mod start_sync;

pub use cancel_job::*;
pub use get_job::*;
pub use list_jobs::*;
pub use preview_merge::*;
pub use preview_remote_prefix::*;
pub use preview_sync::*;
pub use retry_job::*;
pub use start_gc::*;
pub use start_merge::*;
pub use start_remote_prefix::*;
pub use start_repository_delete::*;
pub use start_split::*;
pub use start_storage_scan::*;
pub use start_sync::*;
