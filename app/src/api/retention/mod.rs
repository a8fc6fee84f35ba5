//! Retention policies: list, save (create or change), delete, and run or dry-run one.

mod delete_retention_policy;
mod list_retention_policies;
mod save_retention_policy;
mod start_retention;

pub use delete_retention_policy::*;
pub use list_retention_policies::*;
pub use save_retention_policy::*;
pub use start_retention::*;
