//! The original tool's job shapes on `/api/*`, which its clients (scripts, its own front-end) poll:
//! `status` in its three values, `job_type` in its names, and `logs` as `"HH:MM:SS message"`
//! strings. Our detail stays, under new names: `state` (the full status) and `log_entries` (the
//! structured lines). Our UI and the SSE streams keep the rich model; only these REST answers are
//! reshaped, here, in one place.

use serde::Serialize;
use serde_json::{Map, Value};

use super::jobs::{Job, JobKind, JobStatus, JobSummary, LogLine};

/// How many log lines a job list entry carries, as the original kept.
pub const LIST_LOG_LINES: usize = 300;

impl JobKind {
    /// The original's `job_type`; kinds it did not have get kebab-case names of their own.
    pub fn original_name(self) -> &'static str {
        match self {
            Self::Sync => "mirror",
            Self::RemotePrefix => "remote-prefix",
            Self::RepositoryDelete => "repo-delete",
            Self::LocalPush => "local-push",
            Self::LocalDelete => "local-delete",
            Self::Merge => "merge",
            Self::Split => "split",
            Self::Retention => "retention",
            Self::Gc => "gc",
            Self::StorageScan => "storage-scan",
        }
    }
}

impl JobStatus {
    /// The original's `status`: `running` until the job ends, then `success`, or `failed` for
    /// every other ending (failed, partial, cancelled, interrupted).
    pub fn original(self) -> &'static str {
        match self {
            Self::Queued | Self::Running => "running",
            Self::Succeeded => "success",
            Self::Partial | Self::Failed | Self::Cancelled | Self::Interrupted => "failed",
        }
    }
}

impl LogLine {
    /// `HH:MM:SS message`, the original's log line (the time of day in UTC).
    pub fn original(&self) -> String {
        let time = self.at.get(11..19).unwrap_or(&self.at);
        format!("{time} {}", self.message)
    }
}

/// A job summary as the original's clients read it, with `logs` (the last [`LIST_LOG_LINES`]
/// lines of `lines`).
pub fn original_summary(summary: &JobSummary, lines: &[LogLine]) -> Value {
    let mut object = object_of(summary);
    reshape(&mut object, summary);
    let from = lines.len().saturating_sub(LIST_LOG_LINES);
    object.insert("logs".into(), lines[from..].iter().map(LogLine::original).collect());
    Value::Object(object)
}

/// [`original_summary`] for a reader of `lang`: `error_detail` in that language, while the
/// original's fields (`error`, `source_image`, `target_image`, `logs`) stay English.
#[cfg(feature = "ssr")]
pub fn original_summary_in(summary: &JobSummary, lines: &[LogLine], lang: crate::ui::lang::Lang) -> Value {
    let mut value = original_summary(summary, lines);
    value["error_detail"] = summary.error.as_ref().map(|error| error.render(lang)).into();
    value
}

/// A whole job as the original's clients read it: `logs` as strings, the structured lines in
/// `log_entries`.
pub fn original_job(job: &Job) -> Value {
    let mut object = object_of(job);
    reshape(&mut object, &job.summary);
    let entries = object.remove("logs").unwrap_or_default();
    object.insert("log_entries".into(), entries);
    object.insert("logs".into(), job.logs.iter().map(LogLine::original).collect());
    Value::Object(object)
}

/// [`original_job`] for a reader of `lang`: `log_entries`, `items` and `error_detail` in that
/// language, while the original's fields (`logs`, `error`, `source_image`, `target_image`) stay
/// English, so scripts written for the original that read or grep them keep working.
#[cfg(feature = "ssr")]
pub fn original_job_in(job: &Job, lang: crate::ui::lang::Lang) -> Value {
    let localized = Job { summary: job.summary.clone(), ..job.clone().localized(lang) };
    let mut value = original_job(&localized);
    value["logs"] = job.logs.iter().map(LogLine::original).collect();
    value["error_detail"] = job.summary.error.as_ref().map(|error| error.render(lang)).into();
    value
}

/// `status` and `job_type` in the original's values; the full status as `state`; beside the
/// original's `error` (English), `error_code` (the message's stable key, `null` for text that has
/// none) and `error_detail` (the reader's language; English here, see [`original_job_in`]).
fn reshape(object: &mut Map<String, Value>, summary: &JobSummary) {
    object.insert("state".into(), Value::from(summary.status.as_str()));
    object.insert("status".into(), Value::from(summary.status.original()));
    object.insert("job_type".into(), Value::from(summary.job_type.original_name()));
    object.insert("error_code".into(), summary.error.as_ref().and_then(|error| error.code()).into());
    object.insert("error_detail".into(), summary.error.as_ref().map(ToString::to_string).into());
}

fn object_of(value: &impl Serialize) -> Map<String, Value> {
    match serde_json::to_value(value) {
        Ok(Value::Object(object)) => object,
        // Jobs and summaries are structs: they always serialise to an object.
        _ => unreachable!("a job serialises to a JSON object"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{JobRequest, LogLevel, RepositoryDeleteRequest};

    fn line(seq: u64, message: &str) -> LogLine {
        LogLine { seq, at: "2026-12-01T08:51:36.123Z".into(), level: LogLevel::Info, message: message.into() }
    }

    #[test]
    fn statuses_and_kinds_take_the_original_values() {
        use JobStatus::*;
        let cases = [
            (Queued, "running"),
            (Running, "running"),
            (Succeeded, "success"),
            (Partial, "failed"),
            (Failed, "failed"),
            (Cancelled, "failed"),
            (Interrupted, "failed"),
        ];
        for (status, original) in cases {
            assert_eq!(status.original(), original, "{status:?}");
        }
        let kinds = [
            (JobKind::Sync, "mirror"),
            (JobKind::RemotePrefix, "remote-prefix"),
            (JobKind::RepositoryDelete, "repo-delete"),
            (JobKind::LocalPush, "local-push"),
            (JobKind::LocalDelete, "local-delete"),
            (JobKind::Merge, "merge"),
            (JobKind::Split, "split"),
            (JobKind::Retention, "retention"),
            (JobKind::Gc, "gc"),
            (JobKind::StorageScan, "storage-scan"),
        ];
        for (kind, name) in kinds {
            assert_eq!(kind.original_name(), name);
        }
    }

    #[test]
    fn jobs_carry_the_original_fields_and_ours_under_new_names() {
        let summary = JobSummary::example("j1", JobKind::RepositoryDelete, JobStatus::Partial);
        let job = Job {
            summary: summary.clone(),
            request: JobRequest::RepositoryDelete(RepositoryDeleteRequest { repositories: vec!["a".into()] }),
            items: Vec::new(),
            logs: vec![line(1, "deleted a"), line(2, "b: not found")],
            logs_dropped: 0,
        };
        let value = original_job(&job);
        assert_eq!(value["status"], "failed");
        assert_eq!(value["state"], "partial");
        assert_eq!(value["job_type"], "repo-delete");
        assert_eq!(value["logs"], serde_json::json!(["08:51:36 deleted a", "08:51:36 b: not found"]));
        assert_eq!(value["log_entries"][1]["message"], "b: not found");
        assert_eq!(value["id"], "j1");

        let many: Vec<LogLine> =
            (0..LIST_LOG_LINES as u64 + 5).map(|i| line(i, &format!("line {i}"))).collect();
        let entry = original_summary(&summary, &many);
        let logs = entry["logs"].as_array().unwrap();
        assert_eq!(logs.len(), LIST_LOG_LINES);
        assert_eq!(logs[0], "08:51:36 line 5", "the last lines are kept");
        assert_eq!((entry["status"].as_str(), entry["state"].as_str()), (Some("failed"), Some("partial")));
    }
}
