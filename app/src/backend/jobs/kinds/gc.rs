//! Garbage collection (`gc`) of a registry the manager operates (`REGISTRY_MODE=embedded`).
//!
//! Every run starts with `garbage-collect --dry-run`: its items are the blobs (and, with
//! `delete_untagged`, the manifests) that would go, each with its size from the storage
//! directory, and the job's `bytes_total` is what they add up to. A dry run stops there. A real
//! run then restarts the registry read-only (distribution's `storage.maintenance.readonly`:
//! pulls go on, pushes are refused, so no push races the sweep), sweeps, and restores normal
//! service whatever happened; it reports how long the registry was read-only and the bytes
//! actually freed (`bytes_done`: the blob files' total before minus after).
//!
//! Cancel works until the sweep starts. The sweep and the restore run in a task of their own, so
//! even a job the engine abandons after a cancel finishes them and never leaves the registry
//! read-only.

use std::time::Instant;

use crate::backend::jobs::context::{Deps, JobContext};
use crate::backend::jobs::outcome::ItemOutcome;
use crate::backend::jobs::plan::Plan;
use crate::backend::registry_process::{EmbeddedRegistry, GcReport};
use crate::format::bytes as format_bytes;
use crate::model::{AppError, GC_ITEM_BLOB, GC_ITEM_MANIFEST, GcRequest, ItemStatus, JobItem, Message};
use crate::msg;

pub fn plan(request: &GcRequest, deps: &Deps) -> Result<Plan, AppError> {
    if deps.embedded.is_none() {
        return Err(AppError::BadRequest(msg!(GcNotOperated)));
    }
    Ok(Plan {
        source_image: crate::msg!(LabelRegistryStorage),
        target_image: if request.dry_run {
            crate::msg!(LabelGcDryRun)
        } else {
            crate::msg!(LabelGcCollected)
        },
        items: Vec::new(),
    })
}

pub async fn run(context: &JobContext, request: &GcRequest) -> Result<(), AppError> {
    let registry =
        context.deps().embedded.clone().ok_or_else(|| AppError::BadRequest(msg!(GcNotOperated)))?;
    let lock = registry.try_lock_gc().ok_or_else(|| AppError::BadRequest(msg!(GcAlreadyRunning)))?;
    context.info(msg!(
        GcDryRunCommand,
        registry.binary().display().to_string(),
        if request.delete_untagged { " --delete-untagged" } else { "" }
    ));
    let preview =
        registry.garbage_collect(true, request.delete_untagged).await.map_err(AppError::Upstream)?;
    let predicted = announce(context, &registry, &preview);
    if request.dry_run {
        for index in 0..context.items().len() {
            context.finish_item(index, ItemOutcome::succeeded(msg!(GcWouldDelete), None));
        }
        return Ok(());
    }
    if preview.blobs.is_empty() && preview.manifests.is_empty() {
        context.info(msg!(GcNothingToCollect));
        return Ok(());
    }
    if context.is_cancelled() {
        return Ok(());
    }
    // From here on the work runs to its end in its own task: a sweep is never cut short, and the
    // registry always gets its normal service back.
    let sweep = tokio::spawn(sweep(registry, request.delete_untagged, lock));
    let outcome = sweep.await.map_err(|_| {
        tracing::error!("the garbage collection task panicked");
        AppError::Internal
    })?;
    if let Some(error) = &outcome.restore_error {
        context.error(msg!(GcRestoreFailed, error.clone()));
    }
    let seconds = format!("{:.1}", outcome.read_only_secs);
    context.info(if outcome.restore_error.is_none() {
        msg!(GcReadOnlyForWritable, seconds)
    } else {
        msg!(GcReadOnlyFor, seconds)
    });
    match outcome.result {
        Ok(report) => {
            for (index, item) in context.items().into_iter().enumerate() {
                let gone = !is_blob(&item) || outcome.registry.blob_size(&item.source).is_none();
                let result = if gone {
                    ItemOutcome::succeeded(msg!(GcDeleted), None)
                } else {
                    ItemOutcome::failed(msg!(GcStillStored))
                };
                context.finish_item(index, result);
            }
            context.add_bytes(0, outcome.freed);
            context.info(msg!(
                GcFreed,
                format_bytes(outcome.freed),
                outcome.freed,
                predicted,
                report.blobs.len(),
                report.manifests.len()
            ));
            Ok(())
        }
        Err(error) => {
            for index in 0..context.items().len() {
                context.finish_item(index, ItemOutcome::failed(error.clone()));
            }
            Err(AppError::Upstream(error))
        }
    }
}

/// Items for what the dry run found; their total bytes go to `bytes_total`. Returns that total.
fn announce(context: &JobContext, registry: &EmbeddedRegistry, preview: &GcReport) -> u64 {
    let mut total = 0;
    let mut items = Vec::with_capacity(preview.blobs.len() + preview.manifests.len());
    for digest in &preview.blobs {
        let size = registry.blob_size(digest).unwrap_or_default();
        total += size;
        items.push(JobItem {
            source: digest.clone(),
            target: GC_ITEM_BLOB.to_owned(),
            status: ItemStatus::Pending,
            detail: Some(msg!(GcBlobItem, size)),
            digest: Some(digest.clone()),
        });
    }
    for digest in &preview.manifests {
        items.push(JobItem {
            source: digest.clone(),
            target: GC_ITEM_MANIFEST.to_owned(),
            status: ItemStatus::Pending,
            detail: Some(msg!(GcUntaggedManifest)),
            digest: Some(digest.clone()),
        });
    }
    context.set_items(items);
    context.add_bytes(total, 0);
    context.info(msg!(
        GcFound,
        preview.blobs_marked,
        preview.blobs.len(),
        preview.manifests.len(),
        format_bytes(total),
        total
    ));
    total
}

fn is_blob(item: &JobItem) -> bool {
    item.target == GC_ITEM_BLOB
}

/// What the sweep task hands back.
struct SweepOutcome {
    registry: EmbeddedRegistry,
    result: Result<GcReport, Message>,
    freed: u64,
    read_only_secs: f64,
    restore_error: Option<Message>,
}

/// Read-only, sweep, normal service again. The guard restores service if anything in between
/// returns early or panics.
async fn sweep(
    registry: EmbeddedRegistry,
    delete_untagged: bool,
    _lock: tokio::sync::OwnedMutexGuard<()>,
) -> SweepOutcome {
    let before = registry.blob_bytes();
    let guard = registry.restore_on_drop();
    let started = Instant::now();
    let result = match registry.restart(true).await {
        Ok(()) => registry.garbage_collect(false, delete_untagged).await,
        Err(error) => Err(msg!(GcReadOnlyRestartFailed, error)),
    };
    let restore_error = registry.restart(false).await.err();
    let read_only_secs = started.elapsed().as_secs_f64();
    if restore_error.is_none() {
        guard.disarm();
    }
    let freed = before.saturating_sub(registry.blob_bytes());
    SweepOutcome { registry, result, freed, read_only_secs, restore_error }
}
