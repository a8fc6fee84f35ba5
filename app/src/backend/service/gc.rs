//! Garbage collection of the registry's storage: start a `gc` job (dry run or real), and whether
//! this server can run one at all. Other operations that end with a collection (a retention run
//! with `gc_after`) start it through [`start_gc`] too, so the check and the audit entry are the
//! same whoever asks.

use super::jobs;
use crate::backend::AppState;
use crate::backend::auth::principal::Principal;
use crate::backend::config::RegistryMode;
use crate::model::{AppError, GcRequest, JobRequest, JobSummary};

/// Starts a garbage collection job (admin only, audited). A dry run only reports; a real run
/// makes the registry read-only for the sweep (see `jobs/kinds/gc.rs`). Refused with `400` and
/// what to run instead when this server does not operate the registry.
pub async fn start_gc(state: &AppState, who: &Principal, request: GcRequest) -> Result<JobSummary, AppError> {
    jobs::start(state, who, JobRequest::Gc(request), None).await
}

/// Whether this server can collect the registry's garbage, and if not, why (for the status view
/// and `/api/health`).
pub fn availability(state: &AppState) -> (bool, Option<String>) {
    match (state.config.registry_mode, &state.embedded) {
        (RegistryMode::Embedded, Some(_)) => (true, None),
        _ => (
            false,
            Some(format!(
                "REGISTRY_MODE=external: the registry at {} is run elsewhere, so garbage collection runs on its host \
                 (`registry garbage-collect /etc/docker/registry/config.yml` while it is read-only or stopped)",
                state.config.registry_api_url().as_str().trim_end_matches('/')
            )),
        ),
    }
}
