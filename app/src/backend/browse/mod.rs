//! Registry browsing and deletion, composed from the registry client into the shared model types.
//! The service layer calls these; neither REST handlers nor server functions hold logic of their own.
//!
//! * `catalog.rs`: repository pages ([`RepositoryQuery`]): paging, filtering, hiding empty ones;
//! * `index.rs`: the tag count index ([`TagIndex`]), kept under `DATA_DIR` and revalidated, which
//!   those pages read counts from;
//! * `tags.rs`: a repository's tags ([`TagQuery`]): filtering, sorting, paging, and the per-tag
//!   summary (digest, size, created, platforms);
//! * `detail.rs`: everything about one tag or digest;
//! * `delete.rs`: deleting a tag (only it, or its whole image) and a whole repository.
//!
//! Names, tags and digests arrive parsed ([`RepositoryName`], [`Reference`]): the caller checked
//! the grammar at the edge, so nothing malformed reaches a registry URL.
//!
//! Speed: tag details cost one manifest `GET` per tag and one config `GET` per distinct config
//! when cold (concurrent, at most [`MAX_IN_FLIGHT`] in flight); warm, the tag list is read fresh
//! (1 request) and everything else comes from the client's caches (see `registry/cache.rs`); past
//! the tag TTL, the cached details are shown while they are revalidated in the background.
//! Sorting by name pages before reading details, so only the shown tags are read.
//!
//! [`RepositoryName`]: crate::backend::registry::reference::RepositoryName
//! [`Reference`]: crate::backend::registry::reference::Reference

mod catalog;
mod delete;
mod detail;
mod index;
mod tags;

pub use catalog::{RepositoryQuery, repositories};
pub use delete::{delete_repository, delete_tag};
pub use detail::tag_detail;
pub use index::{IndexedCount, TagIndex};
pub use tags::{TagQuery, sort_tags, tags, tags_by_digest, timestamp};

use crate::backend::registry::reference::RepositoryName;
use crate::backend::registry::{MAX_IN_FLIGHT, RegistryError};
use crate::model::AppError;

/// How many per-item tasks (tags, repositories) run at once; the client bounds the requests.
const FAN_OUT: usize = MAX_IN_FLIGHT * 2;

/// A not-found error said in the caller's terms; anything else as usual.
fn or_not_found(error: RegistryError, what: impl FnOnce() -> crate::model::Message) -> AppError {
    if error.is_not_found() { AppError::NotFound(what()) } else { error.into() }
}

fn repository_not_found(repository: &RepositoryName) -> impl FnOnce() -> crate::model::Message + '_ {
    move || crate::msg!(RepositoryNotInRegistry, repository)
}
