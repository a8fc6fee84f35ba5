//! Jobs: long work run in the background with live progress, cancellation and a history that
//! survives restarts. `engine` queues and runs them, `store` keeps them (SQLite), `kinds` holds what
//! each kind does. A kind sees only `context` (its deps, and the job it reports to), reports each
//! item as an `outcome`, and shares with other kinds only what sits beside it here: `plan` (the
//! checks of a request), `daemon` (steps through the Docker daemon) and `multiarch` (reading
//! and writing a multi-arch tag over single-arch ones: a merge, and a local push that also writes
//! it). Kinds never import each other or the engine.

mod context;
mod daemon;
mod engine;
pub mod kinds;
mod multiarch;
mod outcome;
mod plan;
pub mod store;

pub use context::{Deps, GcHook, JobContext, StartGc, now};
pub use engine::{JobManager, JobsConfig, WeakJobManager, final_status};
pub use outcome::ItemOutcome;
pub use plan::Plan;
pub use store::{Store, StoreError};
