//! Storage usage.

use super::check;
use crate::backend::AppState;
use crate::backend::auth::principal::Principal;
use crate::model::{AppError, Operation, StorageUsage};

/// Every repository's bytes, dedup-aware (see `backend/storage.rs`); the first call scans the
/// registry.
pub async fn usage(
    state: &AppState,
    who: &Principal,
    lang: crate::ui::lang::Lang,
) -> Result<StorageUsage, AppError> {
    check(state, who, Operation::ReadStorage)?;
    Ok(state.storage.usage(&state.registry).await?.localized(lang))
}
