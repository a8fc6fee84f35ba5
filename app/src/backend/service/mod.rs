//! The service layer: every operation the REST API (`/api`) and the server functions (`/rpc`)
//! offer, as one function taking the caller ([`Principal`]) and a typed request. Each checks the
//! permission ([`crate::model::Operation`]'s role, and `READ_ONLY`), validates, runs, and — for a
//! change — writes one audit entry. REST handlers and server functions are one-line adapters over
//! these; neither checks anything itself.
//!
//! The one difference between the two doors is written here, in [`confirmation`].

pub mod accounts;
mod confirm;
pub mod gc;
pub mod jobs;
pub mod local;
pub mod registry;
pub mod retention;
pub mod status;
pub mod storage;
pub mod streams;

pub use confirm::{confirm_batch_delete, confirm_repository_delete, confirmation};

use std::future::Future;

use super::AppState;
use super::auth::authenticator::Auth;
use super::auth::principal::Principal;
use super::store::{Db, NewAuditEntry, StoreError, now_ms};
use crate::model::{AppError, AuditOutcome, Job, JobSummary, Operation};

impl From<StoreError> for AppError {
    /// A conflict (a username or token name taken) is the caller's to fix; anything else is ours,
    /// logged and shown as an internal error.
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict(message) => AppError::BadRequest(message),
            other => {
                tracing::error!(error = %other, "store");
                AppError::Internal
            }
        }
    }
}

/// What the permission check and the audit entry need: the store, and whether `READ_ONLY` is set.
/// Built from the whole [`AppState`], or from [`Auth`] alone where no registry, daemon or job
/// engine exists (the command line on the server's `DATA_DIR`).
#[derive(Clone, Copy)]
pub struct Gate<'a> {
    db: &'a Db,
    read_only: bool,
}

impl<'a> From<&'a AppState> for Gate<'a> {
    fn from(state: &'a AppState) -> Self {
        Gate { db: state.auth.db(), read_only: state.config.read_only }
    }
}

impl<'a> From<&'a Auth> for Gate<'a> {
    /// Accounts, tokens and sessions are the server's own data: `READ_ONLY` does not apply.
    fn from(auth: &'a Auth) -> Self {
        Gate { db: auth.db(), read_only: false }
    }
}

/// The permission check: the caller's role, then the server's `READ_ONLY` policy.
pub fn check<'a>(gate: impl Into<Gate<'a>>, who: &Principal, operation: Operation) -> Result<(), AppError> {
    let gate = gate.into();
    who.require(operation)?;
    if gate.read_only && operation.blocked_by_read_only() {
        return Err(AppError::Forbidden(crate::msg!(ReadOnly, operation)));
    }
    Ok(())
}

/// A change: the permission check, then `run`, then one audit entry with how it ended (a refused
/// attempt is recorded as `denied`).
pub async fn change<'a, T: Audited>(
    gate: impl Into<Gate<'a>>,
    who: &Principal,
    operation: Operation,
    target: &str,
    run: impl Future<Output = Result<T, AppError>>,
) -> Result<T, AppError> {
    let gate = gate.into();
    if let Err(error) = check(gate, who, operation) {
        record(gate, who, operation, target, Err(&error), None);
        return Err(error);
    }
    let result = run.await;
    let job_id = result.as_ref().ok().and_then(Audited::job_id);
    record(gate, who, operation, target, result.as_ref().map(|_| ()), job_id);
    result
}

/// Writes one audit entry. A store failure is logged, never shown: the operation already happened.
pub fn record<'a>(
    gate: impl Into<Gate<'a>>,
    who: &Principal,
    operation: Operation,
    target: &str,
    outcome: Result<(), &AppError>,
    job_id: Option<&str>,
) {
    let (outcome, error) = match outcome {
        Ok(()) => (AuditOutcome::Ok, None),
        // Refused by the permission check; a wrong password at login is a failed login instead.
        Err(error @ (AppError::Unauthorized(_) | AppError::Forbidden(_))) if operation.role().is_some() => {
            (AuditOutcome::Denied, Some(error.to_string()))
        }
        Err(error) => (AuditOutcome::Failed, Some(error.to_string())),
    };
    let actor = who.actor_name();
    let client = who.client_addr.map(|addr| addr.to_string());
    let entry = NewAuditEntry {
        at_ms: now_ms(),
        actor: &actor,
        client_addr: client.as_deref(),
        operation: operation.as_str(),
        target,
        outcome,
        error: error.as_deref(),
        job_id,
    };
    if let Err(error) = gate.into().db.append_audit(&entry) {
        tracing::error!(%error, operation = operation.as_str(), "could not write the audit entry");
    }
}

/// What an audited result contributes to its entry: the job it started, if any.
pub trait Audited {
    fn job_id(&self) -> Option<&str> {
        None
    }
}

impl Audited for () {}
impl Audited for JobSummary {
    fn job_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}
impl Audited for Job {
    fn job_id(&self) -> Option<&str> {
        Some(&self.summary.id)
    }
}
impl Audited for crate::model::EmptyRepositoryRemoved {}
