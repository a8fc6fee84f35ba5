//! Health and the settings the UI adapts to.

use super::check;
use crate::backend::auth::principal::Principal;
use crate::backend::{AppState, health};
use crate::model::{AppError, Health, HealthView, Operation, UiConfig};
use crate::ui::lang::Lang;

/// `GET /api/health` stays open to probes and the original's clients: anyone gets the short
/// form; a caller who may read the status gets errors, versions and host facts too, our wording
/// in `lang`.
pub async fn health(state: &AppState, who: &Principal, lang: Lang) -> HealthView {
    let report = health::check(state, lang).await;
    if check(state, who, Operation::ReadStatus).is_ok() {
        HealthView::Full(report)
    } else {
        HealthView::Public(report.into())
    }
}

/// The status view's report (signed in), our wording in `lang`.
pub async fn status(state: &AppState, who: &Principal, lang: Lang) -> Result<Health, AppError> {
    check(state, who, Operation::ReadStatus)?;
    Ok(health::check(state, lang).await)
}

pub fn ui_config(state: &AppState, who: &Principal) -> Result<UiConfig, AppError> {
    check(state, who, Operation::ReadStatus)?;
    Ok(UiConfig {
        registry_push_host: state.config.registry_push_host(),
        read_only: state.config.read_only,
        max_catalog_results: state.config.max_catalog_results,
        can_remove_empty_repositories: super::storage::can_remove_empty(state),
    })
}
