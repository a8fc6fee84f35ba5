//! Storage usage scan (`storage-scan`): reads every repository's tags and what they refer to
//! (`backend/storage.rs`), one item per repository, `bytes_done` growing by each blob found that
//! no repository read before referred to (so at the end it is the registry's total unique bytes;
//! `bytes_total` stays 0, so progress goes by repositories). Cancel stops it between
//! repositories and keeps the figures it had; otherwise its result becomes the kept figures that
//! `GET /api/storage` answers with. A repository that cannot be read fails its item (the job is
//! then `partial`) and is named in the figures' `errors`.

use futures::{StreamExt, stream};

use crate::backend::jobs::context::{Deps, JobContext};
use crate::backend::jobs::outcome::ItemOutcome;
use crate::backend::jobs::plan::Plan;
use crate::backend::storage::{self, FullScan, REPOSITORIES_AT_ONCE, RepositoryScan};
use crate::format::bytes as format_bytes;
use crate::model::{AppError, JobItem, StorageScanRequest};
use crate::msg;

pub fn plan(_request: &StorageScanRequest, _deps: &Deps) -> Result<Plan, AppError> {
    Ok(Plan {
        source_image: crate::msg!(LabelRegistryStorage),
        target_image: crate::msg!(LabelStorageUsage),
        items: Vec::new(),
    })
}

pub async fn run(context: &JobContext, _request: &StorageScanRequest) -> Result<(), AppError> {
    let index = &context.deps().storage;
    index.scan_started(&context.id());
    let result = scan(context).await;
    if result.is_err() || context.is_cancelled() {
        index.scan_failed();
    }
    result
}

async fn scan(context: &JobContext) -> Result<(), AppError> {
    let deps = context.deps();
    let registry = &deps.registry;
    let mut scan = FullScan::new();
    let names = storage::catalog(registry).await?;
    context.set_items(names.iter().map(|name| JobItem::pending(name.as_str(), "")).collect());
    // Owned names in the stream: borrowed ones make the spawned job's future not general enough.
    let mut results = stream::iter(names.into_iter().enumerate())
        .map(|(index, name)| async move {
            if context.is_cancelled() {
                return None;
            }
            context.start_item(index);
            let result = storage::scan_named(registry, &name).await;
            Some((index, name, result))
        })
        .buffer_unordered(REPOSITORIES_AT_ONCE);
    while let Some(next) = results.next().await {
        let Some((index, name, result)) = next else { break };
        // What the item says, known before the result goes into the scan.
        let said = match &result {
            RepositoryScan::Read(blobs) => Ok(blobs.tag_count),
            RepositoryScan::Gone => Err(None),
            RepositoryScan::Failed(error) => Err(Some(error.clone())),
        };
        let new_bytes = scan.apply(&name, result);
        let outcome = match said {
            Ok(0) => ItemOutcome::succeeded(msg!(StorageScanEmpty), None),
            Ok(tags) => ItemOutcome::succeeded(
                msg!(StorageScanRepository, tags, format_bytes(new_bytes), new_bytes),
                None,
            ),
            Err(None) => ItemOutcome::skipped(msg!(StorageScanGone)),
            Err(Some(error)) => ItemOutcome::failed(error),
        };
        context.finish_item(index, outcome);
        context.add_bytes(0, new_bytes);
    }
    drop(results);
    if context.is_cancelled() {
        context.warn(msg!(StorageScanCancelled));
        return Ok(());
    }
    let (read, empty, _) = scan.counts();
    let total = scan.total_unique_bytes();
    context.info(msg!(StorageScanDone, read + empty, format_bytes(total), total, empty));
    deps.storage.install(scan).await;
    Ok(())
}
