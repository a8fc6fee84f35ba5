//! Jobs: long work run in the background with live progress, cancellation and a history that
//! survives restarts. `engine` runs them, `store` keeps them (SQLite), `kinds` holds what each kind
//! does, `sources` reaches registries other than ours.

mod engine;
pub mod kinds;
pub mod sources;
pub mod store;

pub use engine::{Deps, JobContext, JobManager, JobsConfig, final_status, now};
pub use sources::SourceRegistries;
pub use store::{Store, StoreError};
