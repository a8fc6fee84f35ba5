//! Garbage collection (`gc`) of a registry this server can operate: the [`GcTarget`] in
//! `Deps.gc_target` (the embedded registry, a registry container, or a host registry described by
//! its config; see `backend/gc`).
//!
//! Every run starts with `garbage-collect --dry-run`: its items are the blobs (and, with
//! `delete_untagged`, the manifests) that would go, each with its size from the registry's
//! storage, and the job's `bytes_total` is what they add up to. A dry run stops there. A real
//! run then keeps pushes out (the embedded registry restarts read-only, a container is stopped,
//! a host registry must already be read-only or down), sweeps, and restores normal service
//! whatever happened; it reports how long the registry was read-only or down and the bytes
//! actually freed (`bytes_done`: the listed blobs' bytes before minus after).
//!
//! Cancel works until the sweep starts. The sweep and the restore run in a task of their own, so
//! even a job the engine abandons after a cancel finishes them and never leaves the registry
//! read-only or stopped.

use crate::backend::gc::{Fence, Preview};
use crate::backend::jobs::context::{Deps, JobContext};
use crate::backend::jobs::outcome::ItemOutcome;
use crate::backend::jobs::plan::Plan;
use crate::format::bytes as format_bytes;
use crate::model::{AppError, GC_ITEM_BLOB, GC_ITEM_MANIFEST, GcRequest, ItemStatus, JobItem};
use crate::msg;

pub fn plan(request: &GcRequest, deps: &Deps) -> Result<Plan, AppError> {
    if deps.gc_target.is_none() {
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
    let target = context.deps().gc_target.clone().ok_or_else(|| AppError::BadRequest(msg!(GcNotOperated)))?;
    let lock = target.try_lock().ok_or_else(|| AppError::BadRequest(msg!(GcAlreadyRunning)))?;
    if !request.dry_run {
        // A sweep that cannot keep pushes out is refused before anything runs.
        target.check_sweep().await.map_err(AppError::BadRequest)?;
    }
    context.info(msg!(
        GcDryRunCommand,
        target.program(),
        if request.delete_untagged { " --delete-untagged" } else { "" }
    ));
    let preview = target.dry_run(request.delete_untagged).await.map_err(AppError::Upstream)?;
    let predicted = announce(context, &preview);
    if request.dry_run {
        for index in 0..context.items().len() {
            context.finish_item(index, ItemOutcome::succeeded(msg!(GcWouldDelete), None));
        }
        return Ok(());
    }
    if preview.report.blobs.is_empty() && preview.report.manifests.is_empty() {
        context.info(msg!(GcNothingToCollect));
        return Ok(());
    }
    if context.is_cancelled() {
        return Ok(());
    }
    // From here on the work runs to its end in its own task: a sweep is never cut short, and the
    // registry always gets its normal service back.
    let blobs = preview.report.blobs.clone();
    let delete_untagged = request.delete_untagged;
    let sweep = tokio::spawn(async move {
        let _lock = lock;
        target.sweep(delete_untagged, blobs).await
    });
    let outcome = sweep.await.map_err(|_| {
        tracing::error!("the garbage collection task panicked");
        AppError::Internal
    })?;
    if let Some(error) = &outcome.restore_error {
        context.error(error.clone());
    }
    let seconds = format!("{:.1}", outcome.fenced_secs);
    let restored = outcome.restore_error.is_none();
    if let Some(fence) = &outcome.fence {
        context.info(match (fence, restored) {
            (Fence::ReadOnly, true) => msg!(GcReadOnlyForWritable, seconds),
            (Fence::ReadOnly, false) => msg!(GcReadOnlyFor, seconds),
            (Fence::Stopped { container }, true) => msg!(GcStoppedForRunning, container.as_str(), seconds),
            (Fence::Stopped { container }, false) => msg!(GcStoppedFor, container.as_str(), seconds),
            (Fence::AsFound(reason), _) => msg!(GcSweptAsFound, reason.clone(), seconds),
        });
    }
    match outcome.result {
        Ok(report) => {
            for (index, item) in context.items().into_iter().enumerate() {
                let gone = !is_blob(&item) || !outcome.still_stored.contains(&item.source);
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
fn announce(context: &JobContext, preview: &Preview) -> u64 {
    let report = &preview.report;
    let total = preview.bytes();
    let mut items = Vec::with_capacity(report.blobs.len() + report.manifests.len());
    for digest in &report.blobs {
        let size = preview.sizes.get(digest).copied().flatten().unwrap_or_default();
        items.push(JobItem {
            source: digest.clone(),
            target: GC_ITEM_BLOB.to_owned(),
            status: ItemStatus::Pending,
            detail: Some(msg!(GcBlobItem, size)),
            digest: Some(digest.clone()),
        });
    }
    for digest in &report.manifests {
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
        report.blobs_marked,
        report.blobs.len(),
        report.manifests.len(),
        format_bytes(total),
        total
    ));
    total
}

fn is_blob(item: &JobItem) -> bool {
    item.target == GC_ITEM_BLOB
}
