//! Retention policies (issue 15 point 3): rules that say which tags of which repositories go,
//! stored on the server, run as `retention` jobs on demand or on a cron schedule. The same structs
//! travel through server functions, the REST API and the job history. Patterns are checked (and
//! regexes compiled) on the server only: nothing here parses them, so no regex engine reaches the
//! browser.

use serde::{Deserialize, Serialize};

/// The rules of a policy, as written by a person (`POST`/`PUT /api/retention-policies`).
///
/// Per tag of every repository matching `repositories`, in this order:
/// 1. a tag matching `protect_regex` is never touched;
/// 2. a tag matching `keep_regex` is kept;
/// 3. of the other tags, the newest `keep_last` by created time are kept;
/// 4. with `older_than_days`, a remaining tag created more than that many days ago goes (younger
///    ones stay); without it, every remaining tag goes.
///
/// A tag whose created time is unknown is kept. A digest is deleted only when no kept tag points
/// at it; otherwise only the tag goes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionPolicySpec {
    pub name: String,
    /// Glob over repository names: `*` within one path segment, `**` across (`team/**`).
    pub repositories: String,
    /// Keep the newest N tags (by created time); the others are candidates for deletion.
    #[serde(default)]
    pub keep_last: Option<i64>,
    /// Keep tags matching this regex (e.g. `^v\d+\.\d+\.\d+$`).
    #[serde(default)]
    pub keep_regex: Option<String>,
    /// Delete tags created more than this many days ago (and not kept by another rule).
    #[serde(default)]
    pub older_than_days: Option<i64>,
    /// Never touch tags matching this regex (e.g. `^latest$`).
    #[serde(default)]
    pub protect_regex: Option<String>,
    /// A 5-field cron expression (minute hour day-of-month month day-of-week, UTC), or none.
    #[serde(default)]
    pub schedule: Option<String>,
    /// After a run that deleted something, start a garbage collection where one is available.
    #[serde(default)]
    pub gc_after: bool,
}

/// A stored policy: its id and its rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionPolicy {
    pub id: i64,
    #[serde(flatten)]
    pub spec: RetentionPolicySpec,
}

/// `GET /api/retention-policies`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionPolicyList {
    pub policies: Vec<RetentionPolicy>,
}

/// `POST /api/retention-jobs`: run a stored policy (`policy_id`) or one given whole (`policy`).
/// `dry_run: true` deletes nothing: the job's items are the tags that would go, each with why.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionJobRequest {
    #[serde(default)]
    pub policy_id: Option<i64>,
    #[serde(default)]
    pub policy: Option<RetentionPolicySpec>,
    #[serde(default)]
    pub dry_run: bool,
}

/// What a `retention` job runs: the policy's rules as they were when it started (a later edit
/// does not change a queued job or its retry), the stored policy it came from, if any.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionRequest {
    #[serde(default)]
    pub policy_id: Option<i64>,
    pub policy: RetentionPolicySpec,
    pub dry_run: bool,
}
