//! Server functions for browsing the registry, its storage usage, and deleting from it.

mod delete_repository;
mod delete_tag;
mod get_repository_storage;
mod get_storage;
mod get_tag_detail;
mod list_repositories;
mod list_tags;
mod remove_empty_repository;

pub use delete_repository::*;
pub use delete_tag::*;
pub use get_repository_storage::*;
pub use get_storage::*;
pub use get_tag_detail::*;
pub use list_repositories::*;
pub use list_tags::*;
pub use remove_empty_repository::*;
