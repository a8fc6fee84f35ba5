//! Garbage collection of the registry's storage: start a `gc` job (dry run or real), and whether
//! this server can run one at all. Other operations that end with a collection (a retention run
//! with `gc_after`) start it through [`start_gc`] too, so the check and the audit entry are the
//! same whoever asks.

use super::{Gate, check, jobs, record};
use crate::backend::AppState;
use crate::backend::auth::principal::Principal;
use crate::backend::gc::GcMethod;
use crate::backend::jobs::{StartGc, WeakJobManager};
use crate::backend::store::Db;
use crate::model::{AppError, GcRequest, JobRequest, JobSummary, Operation};

/// Starts a garbage collection job (admin only, audited). A dry run only reports; a real run
/// keeps pushes out for the sweep: read-only, or stopped (see `jobs/kinds/gc.rs`). Refused with `400` and
/// what to run instead when this server does not operate the registry.
pub async fn start_gc(state: &AppState, who: &Principal, request: GcRequest) -> Result<JobSummary, AppError> {
    jobs::start(state, who, JobRequest::Gc(request), None).await
}

/// Whether this server can collect the registry's garbage, and if not, why (for the status view
/// and `/api/health`), to render in the reader's language.
pub fn availability(state: &AppState) -> (bool, Option<crate::model::Message>) {
    match method(state) {
        GcMethod::None => (
            false,
            Some(crate::msg!(GcExternal, state.config.registry_api_url().as_str().trim_end_matches('/'))),
        ),
        _ => (true, None),
    }
}

/// How this server collects the registry's garbage (`gc_method` in `/api/health`).
pub fn method(state: &AppState) -> GcMethod {
    state.jobs.deps().gc_target.as_ref().map_or(GcMethod::None, |target| target.method())
}

/// What a retention run with `gc_after` calls once it has deleted tags: a real (not dry-run)
/// collection, started as the `scheduler` principal (admin, as it runs what an admin set up),
/// with the same permission check and audit entry as [`start_gc`]. Installed only when this server
/// operates the registry.
pub struct GcAfterRetention {
    jobs: WeakJobManager,
    db: Db,
    read_only: bool,
}

impl GcAfterRetention {
    /// Installs the starter into the jobs' dependencies when a collection is possible here.
    pub fn install(state: &AppState) {
        if availability(state).0 {
            let starter = GcAfterRetention {
                jobs: state.jobs.downgrade(),
                db: state.auth.db().clone(),
                read_only: state.config.read_only,
            };
            state.jobs.deps().gc.set(std::sync::Arc::new(starter));
        }
    }
}

impl StartGc for GcAfterRetention {
    fn start_gc(&self, reason: &str) -> Result<String, crate::model::Message> {
        let who = Principal::scheduler();
        let gate = Gate { db: &self.db, read_only: self.read_only };
        let target = format!("registry storage (sweep), {reason}");
        let result = check(gate, &who, Operation::StartGc).and_then(|()| match self.jobs.upgrade() {
            Some(jobs) => {
                jobs.submit(JobRequest::Gc(GcRequest { dry_run: false, delete_untagged: false }), None)
            }
            None => Err(AppError::BadRequest(crate::msg!(ServerStopping))),
        });
        record(
            gate,
            &who,
            Operation::StartGc,
            &target,
            result.as_ref().map(|_| ()),
            result.as_ref().ok().map(|j| j.id.as_str()),
        );
        result.map(|job| job.id).map_err(|error| error.to_message())
    }
}
