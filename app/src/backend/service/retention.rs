//! Retention policies: list and read (viewer), create, change and delete (admin, each audited),
//! start a run (admin) or a dry run (operator), and the scheduler, which starts a policy's run at
//! each fire time of its cron schedule as the `scheduler` principal (so the audit log says who).

use std::collections::BTreeMap;
use std::time::Duration;

use super::{Audited, change, check};
use crate::backend::AppState;
use crate::backend::auth::principal::Principal;
use crate::backend::retention::schedule::Schedule;
use crate::backend::retention::{CompiledPolicy, normalize};
use crate::backend::store::now_ms;
use crate::model::{
    AppError, JobRequest, JobSummary, Operation, RetentionJobRequest, RetentionPolicy, RetentionPolicyList,
    RetentionPolicySpec, RetentionRequest,
};
use crate::msg;

impl Audited for RetentionPolicy {}

/// How often the scheduler looks for due policies: a run starts at most this long after its time.
pub const SCHEDULER_TICK: Duration = Duration::from_secs(5);

fn not_found(id: i64) -> AppError {
    AppError::NotFound(msg!(RetentionPolicyNotFound, id))
}

/// The rules as stored and run: trimmed, then every rule checked (see `CompiledPolicy::compile`).
fn validated(spec: &RetentionPolicySpec) -> Result<RetentionPolicySpec, AppError> {
    let spec = normalize(spec);
    CompiledPolicy::compile(&spec)?;
    Ok(spec)
}

fn target(spec: &RetentionPolicySpec) -> String {
    format!("retention policy \"{}\" ({})", spec.name.trim(), spec.repositories.trim())
}

/// What the audit log names as a retention job's target.
pub fn job_target(request: &RetentionRequest) -> String {
    let dry = if request.dry_run { ", dry run" } else { "" };
    format!("{}{dry}", target(&request.policy))
}

pub fn list(state: &AppState, who: &Principal) -> Result<RetentionPolicyList, AppError> {
    check(state, who, Operation::ListRetentionPolicies)?;
    Ok(RetentionPolicyList { policies: state.auth.db().retention_policies()? })
}

pub fn get(state: &AppState, who: &Principal, id: i64) -> Result<RetentionPolicy, AppError> {
    check(state, who, Operation::ListRetentionPolicies)?;
    state.auth.db().retention_policy(id)?.ok_or_else(|| not_found(id))
}

pub async fn create(
    state: &AppState,
    who: &Principal,
    spec: &RetentionPolicySpec,
) -> Result<RetentionPolicy, AppError> {
    change(state, who, Operation::ManageRetentionPolicies, &target(spec), async {
        let spec = validated(spec)?;
        Ok(state.auth.db().insert_retention_policy(&spec, now_ms())?)
    })
    .await
}

pub async fn update(
    state: &AppState,
    who: &Principal,
    id: i64,
    spec: &RetentionPolicySpec,
) -> Result<RetentionPolicy, AppError> {
    change(state, who, Operation::ManageRetentionPolicies, &format!("{id}: {}", target(spec)), async {
        let spec = validated(spec)?;
        state.auth.db().update_retention_policy(id, &spec, now_ms())?.ok_or_else(|| not_found(id))
    })
    .await
}

pub async fn delete(state: &AppState, who: &Principal, id: i64) -> Result<(), AppError> {
    change(state, who, Operation::ManageRetentionPolicies, &format!("retention policy {id}"), async {
        if state.auth.db().delete_retention_policy(id)? { Ok(()) } else { Err(not_found(id)) }
    })
    .await
}

/// Starts a retention job for a stored policy (`policy_id`) or one given whole (`policy`). A dry
/// run (`dry_run: true`) deletes nothing and needs the operator role; a real run needs admin.
pub async fn start(
    state: &AppState,
    who: &Principal,
    request: &RetentionJobRequest,
) -> Result<JobSummary, AppError> {
    let operation = if request.dry_run { Operation::PreviewRetention } else { Operation::StartRetention };
    let audit_target = match (request.policy_id, &request.policy) {
        (_, Some(spec)) => target(spec),
        (Some(id), None) => format!("retention policy {id}"),
        (None, None) => String::new(),
    };
    let audit_target = if request.dry_run { format!("{audit_target}, dry run") } else { audit_target };
    change(state, who, operation, &audit_target, async {
        let (policy_id, spec) = match (request.policy_id, &request.policy) {
            (Some(id), None) => {
                (Some(id), state.auth.db().retention_policy(id)?.ok_or_else(|| not_found(id))?.spec)
            }
            (None, Some(spec)) => (None, spec.clone()),
            (Some(_), Some(_)) => {
                return Err(AppError::BadRequest(msg!(RetentionPolicyIdAndRules)));
            }
            (None, None) => {
                return Err(AppError::BadRequest(msg!(RetentionPolicyIdOrRules)));
            }
        };
        let policy = validated(&spec)?;
        state.jobs.submit(
            JobRequest::Retention(RetentionRequest { policy_id, policy, dry_run: request.dry_run }),
            None,
        )
    })
    .await
}

/// What the scheduler remembers per scheduled policy: the schedule it computed for, and the
/// next fire time (unix seconds).
pub type SchedulePlan = BTreeMap<i64, (String, i64)>;

/// One look at the clock (`now`, unix seconds): starts a (real) run of every policy whose next
/// fire time has come, and works out the next fire time of policies new or changed since the last
/// look (they fire from then on, not for a time already past). Returns the jobs started.
pub async fn tick(state: &AppState, plan: &mut SchedulePlan, now: i64) -> Vec<JobSummary> {
    let policies = match state.auth.db().retention_policies() {
        Ok(policies) => policies,
        Err(error) => {
            tracing::error!(%error, "retention scheduler: cannot read the policies");
            return Vec::new();
        }
    };
    plan.retain(|id, _| policies.iter().any(|p| p.id == *id && p.spec.schedule.is_some()));
    let who = Principal::scheduler();
    let mut started = Vec::new();
    for policy in policies {
        let Some(expression) = policy.spec.schedule.clone() else { continue };
        let Ok(schedule) = Schedule::parse(&expression) else {
            tracing::warn!(policy = policy.id, %expression, "retention scheduler: invalid schedule, skipped");
            continue;
        };
        let due = match plan.get(&policy.id) {
            Some((known, next)) if *known == expression => *next <= now,
            _ => false,
        };
        if due {
            let request = RetentionJobRequest { policy_id: Some(policy.id), policy: None, dry_run: false };
            match start(state, &who, &request).await {
                Ok(job) => {
                    tracing::info!(policy = policy.id, job = %job.id, "retention scheduler: started a scheduled run");
                    started.push(job);
                }
                Err(error) => {
                    tracing::warn!(policy = policy.id, %error, "retention scheduler: the run did not start")
                }
            }
        }
        if due || plan.get(&policy.id).is_none_or(|(known, _)| *known != expression) {
            match schedule.next_after(now) {
                Some(next) => {
                    plan.insert(policy.id, (expression, next));
                }
                None => {
                    plan.remove(&policy.id);
                }
            }
        }
    }
    started
}

/// Runs the scheduler until the server stops: a [`tick`] every [`SCHEDULER_TICK`].
pub fn spawn_scheduler(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut plan = SchedulePlan::new();
        let mut interval = tokio::time::interval(SCHEDULER_TICK);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            tick(&state, &mut plan, time::OffsetDateTime::now_utc().unix_timestamp()).await;
        }
    })
}
