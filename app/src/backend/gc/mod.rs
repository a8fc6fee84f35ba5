//! Garbage collection of a registry this server can operate (issue 15, point 2): the
//! [`GcTarget`] the `gc` job kind (`jobs/kinds/gc.rs`) works through. There are three, and start-up
//! refuses a config naming more than one:
//!
//! - [`GcTarget::Embedded`]: the registry this server runs (`REGISTRY_MODE=embedded`); the sweep
//!   restarts it read-only (distribution's `storage.maintenance.readonly`), then writable again.
//! - [`GcTarget::Container`]: a registry container reached through the Docker socket
//!   (`REGISTRY_CONTAINER`). `garbage-collect` runs in a one-off container of the same image with
//!   `--volumes-from` the registry and no network; the registry is stopped for the sweep and
//!   started again, also when the sweep fails.
//! - [`GcTarget::HostBinary`]: a registry on this host described by its `config.yml`
//!   (`REGISTRY_CONFIG`), collected with its binary (`REGISTRY_BIN`). This server does not run it,
//!   so it cannot make it read-only: the sweep runs only while the config says it is read-only
//!   or nothing answers on its address, and is refused otherwise, saying what to do.
//!
//! Each can run the dry run (what would go, with sizes), sweep with pushes kept out, restore
//! service whatever happened, and measure the bytes the dry run listed before and after.

pub mod config;
mod container;
mod host;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::backend::registry_process::EmbeddedRegistry;
use crate::backend::registry_process::last_lines;
pub use crate::backend::registry_process::{GcReport, parse_gc_output};
use crate::model::Message;
use crate::msg;
pub use container::ContainerTarget;
pub use host::HostTarget;

/// How this server collects the registry's garbage (`/api/health`'s `gc_method`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "lowercase")]
pub enum GcMethod {
    Embedded,
    Container,
    Host,
    None,
}

impl GcMethod {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A registry this server can collect the garbage of. Cheap to clone.
#[derive(Clone)]
pub enum GcTarget {
    Embedded(EmbeddedRegistry),
    Container(ContainerTarget),
    HostBinary(HostTarget),
}

/// What a dry run found: the report and the size of each blob it lists (`None`: not in
/// storage, or its size could not be read).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Preview {
    pub report: GcReport,
    pub sizes: BTreeMap<String, Option<u64>>,
}

impl Preview {
    /// The bytes the listed blobs hold: what the sweep should free.
    pub fn bytes(&self) -> u64 {
        self.sizes.values().flatten().sum()
    }
}

/// How pushes were kept out of the sweep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fence {
    /// This server restarted its registry read-only, then writable again.
    ReadOnly,
    /// This server stopped the registry container, then started it again.
    Stopped { container: String },
    /// The registry was already read-only or not answering, as its operator left it: this
    /// server changed nothing about it (the reason, for the log).
    AsFound(Message),
}

/// What a sweep did. Built by [`GcTarget::sweep`], which never returns early: service is
/// restored before it returns.
pub struct SweepOutcome {
    /// The sweep's own report, or why it failed (or did not run).
    pub result: Result<GcReport, Message>,
    /// How pushes were kept out; `None` when the sweep stopped before touching the registry.
    pub fence: Option<Fence>,
    /// How long the registry was read-only or stopped, in seconds.
    pub fenced_secs: f64,
    /// Why normal service could not be restored, if it could not.
    pub restore_error: Option<Message>,
    /// Bytes of the listed blobs before minus after.
    pub freed: u64,
    /// Listed blobs still in storage afterwards.
    pub still_stored: Vec<String>,
}

impl SweepOutcome {
    /// A sweep that ended, with `error`, before the registry was touched.
    pub(super) fn not_swept(error: Message) -> SweepOutcome {
        SweepOutcome {
            result: Err(error),
            fence: None,
            fenced_secs: 0.0,
            restore_error: None,
            freed: 0,
            still_stored: Vec::new(),
        }
    }
}

impl GcTarget {
    pub fn method(&self) -> GcMethod {
        match self {
            Self::Embedded(_) => GcMethod::Embedded,
            Self::Container(_) => GcMethod::Container,
            Self::HostBinary(_) => GcMethod::Host,
        }
    }

    /// What runs `garbage-collect`, for the job log: a binary's path, or the one-off container.
    pub fn program(&self) -> String {
        match self {
            Self::Embedded(registry) => registry.binary().display().to_string(),
            Self::Container(target) => target.program(),
            Self::HostBinary(target) => target.binary().display().to_string(),
        }
    }

    /// Takes the lock that keeps collections of this registry one at a time; `None` while
    /// another runs.
    pub fn try_lock(&self) -> Option<OwnedMutexGuard<()>> {
        match self {
            Self::Embedded(registry) => registry.try_lock_gc(),
            Self::Container(target) => target.lock().try_lock_owned().ok(),
            Self::HostBinary(target) => target.lock().try_lock_owned().ok(),
        }
    }

    /// Before a real run: whether a sweep may go ahead at all (the host binary's refusal when
    /// its registry takes pushes). Asked before the dry run, so a refused job changes nothing.
    pub async fn check_sweep(&self) -> Result<(), Message> {
        match self {
            Self::HostBinary(target) => target.fence().await.map(|_| ()),
            _ => Ok(()),
        }
    }

    /// `garbage-collect --dry-run [--delete-untagged]`, and the size of every blob it lists.
    pub async fn dry_run(&self, delete_untagged: bool) -> Result<Preview, Message> {
        match self {
            Self::Embedded(registry) => {
                let report = registry.garbage_collect(true, delete_untagged).await?;
                let sizes = report.blobs.iter().map(|d| (d.clone(), registry.blob_size(d))).collect();
                Ok(Preview { report, sizes })
            }
            Self::Container(target) => target.dry_run(delete_untagged).await,
            Self::HostBinary(target) => target.dry_run(delete_untagged).await,
        }
    }

    /// Keeps pushes out, sweeps, restores normal service whatever happened, and measures the
    /// listed blobs before and after. Run it in a task of its own: it is not to be cut short.
    pub async fn sweep(&self, delete_untagged: bool, blobs: Vec<String>) -> SweepOutcome {
        match self {
            Self::Embedded(registry) => sweep_embedded(registry, delete_untagged, blobs).await,
            Self::Container(target) => target.sweep(delete_untagged, blobs).await,
            Self::HostBinary(target) => target.sweep(delete_untagged, blobs).await,
        }
    }
}

/// Sums the sizes of blobs still stored and lists them; a blob whose size is unknown counts as
/// gone only when it is known to be gone.
fn measure(sizes: impl IntoIterator<Item = (String, Option<u64>)>) -> (u64, Vec<String>) {
    let mut bytes = 0;
    let mut present = Vec::new();
    for (digest, size) in sizes {
        if let Some(size) = size {
            bytes += size;
            present.push(digest);
        }
    }
    (bytes, present)
}

/// Read-only, sweep, normal service again. The guard restores service if anything in between
/// panics.
async fn sweep_embedded(
    registry: &EmbeddedRegistry,
    delete_untagged: bool,
    blobs: Vec<String>,
) -> SweepOutcome {
    let sizes =
        |blobs: &[String]| blobs.iter().map(|d| (d.clone(), registry.blob_size(d))).collect::<Vec<_>>();
    let (before, _) = measure(sizes(&blobs));
    let guard = registry.restore_on_drop();
    let started = Instant::now();
    let result = match registry.restart(true).await {
        Ok(()) => registry.garbage_collect(false, delete_untagged).await,
        Err(error) => Err(msg!(GcReadOnlyRestartFailed, error)),
    };
    let restore_error = registry.restart(false).await.err();
    let fenced_secs = started.elapsed().as_secs_f64();
    if restore_error.is_none() {
        guard.disarm();
    }
    let (after, still_stored) = measure(sizes(&blobs));
    SweepOutcome {
        result,
        fence: Some(Fence::ReadOnly),
        fenced_secs,
        restore_error: restore_error.map(|e| msg!(GcRestoreFailed, e)),
        freed: before.saturating_sub(after),
        still_stored,
    }
}

/// A fresh lock for a target's collections.
fn new_lock() -> Arc<Mutex<()>> {
    Arc::default()
}
