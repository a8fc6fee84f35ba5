//! The job kinds: each validates its request up front (`plan`: bad input changes nothing) and runs
//! against a [`JobContext`]. What a retry redoes is the model's rule (`Job::retry_request`), shared
//! with the UI.

mod local_delete;
mod local_push;
mod remote_prefix;
mod repository_delete;
mod sync;

use super::engine::{Deps, JobContext};
use crate::backend::copy::{CopyError, CopyOutcome};
use crate::format::decimal_bytes;
use crate::model::{AppError, ItemStatus, JobItem, JobRequest};

pub use local_delete::preview as preview_local_delete;
pub use local_push::preview as preview_local_push;
pub use remote_prefix::{preview as preview_remote_prefix, resolve_target};
pub use sync::SyncPlan;

/// What a job will do, known before it is queued.
pub struct Plan {
    /// For people and the original's `source_image` field.
    pub source_image: String,
    /// For people and the original's `target_image` field.
    pub target_image: String,
    /// Items known up front (a rename learns its tags when it starts).
    pub items: Vec<JobItem>,
}

pub fn plan(request: &JobRequest, deps: &Deps) -> Result<Plan, AppError> {
    match request {
        JobRequest::Sync(r) => sync::plan(r, deps).map(SyncPlan::into_plan),
        JobRequest::RemotePrefix(r) => remote_prefix::plan(r, deps),
        JobRequest::RepositoryDelete(r) => repository_delete::plan(r),
        JobRequest::LocalPush(r) => local_push::plan(r, deps),
        JobRequest::LocalDelete(r) => local_delete::plan(r),
    }
}

/// Runs a job. `Err` is a failure of the job as a whole (before or outside its items).
pub async fn run(context: &JobContext, request: &JobRequest) -> Result<(), String> {
    match request {
        JobRequest::Sync(r) => sync::run(context, r).await,
        JobRequest::RemotePrefix(r) => remote_prefix::run(context, r).await,
        JobRequest::RepositoryDelete(r) => repository_delete::run(context, r).await,
        JobRequest::LocalPush(r) => local_push::run(context, r).await,
        JobRequest::LocalDelete(r) => local_delete::run(context, r).await,
    }
}

/// Repository names from a request: trimmed, de-duplicated (first occurrence kept), each valid.
fn repository_list(field: &str, names: &[String]) -> Result<Vec<String>, AppError> {
    let mut out: Vec<String> = Vec::new();
    let mut errors = Vec::new();
    for name in names {
        let name = name.trim().trim_matches('/');
        if let Err(reason) = crate::backend::registry::reference::validate_repository(name) {
            errors.push(format!("{name:?}: {reason}"));
        } else if !out.iter().any(|n| n == name) {
            out.push(name.to_owned());
        }
    }
    if !errors.is_empty() {
        return Err(AppError::BadRequest(format!("{field}: {}", errors.join("; "))));
    }
    if out.is_empty() {
        return Err(AppError::BadRequest(format!("{field} is empty: name at least one repository")));
    }
    Ok(out)
}

/// One message per pair of sources that would get the same target name.
fn collisions(pairs: &[(String, String)]) -> Vec<String> {
    let mut seen = std::collections::BTreeMap::new();
    pairs
        .iter()
        .filter_map(|(source, target)| {
            seen.insert(target, source)
                .map(|other| format!("{other} and {source} would both become {target}"))
        })
        .collect()
}

/// `3 repositories (a, b, c)`, shortened past a few names.
fn describe_repositories(names: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut listed = names.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > SHOWN {
        listed.push_str(&format!(", … {} more", names.len() - SHOWN));
    }
    match names.len() {
        1 => names[0].clone(),
        n => format!("{n} repositories ({listed})"),
    }
}

fn copy_detail(outcome: &CopyOutcome) -> String {
    if outcome.already_present {
        return "already present with the same digest: nothing copied".to_owned();
    }
    format!(
        "{} blobs mounted, {} streamed ({}), {} already present",
        outcome.blobs_mounted,
        outcome.blobs_streamed,
        decimal_bytes(outcome.bytes_streamed),
        outcome.blobs_present
    )
}

/// What a copy's result makes of its item: status, detail, digest. A finished copy is a verified
/// one: the copy engine compared the digest the registry computed for the written tag (its answer
/// to the PUT) with the source's, and a difference fails the copy.
fn copy_result(result: &Result<CopyOutcome, CopyError>) -> (ItemStatus, String, Option<String>) {
    match result {
        Ok(outcome) => (ItemStatus::Succeeded, copy_detail(outcome), Some(outcome.digest.clone())),
        Err(CopyError::Conflict { existing, .. }) => (
            ItemStatus::Skipped,
            format!("conflict: the target tag exists with another digest ({existing}); not overwritten"),
            None,
        ),
        Err(CopyError::Cancelled) => {
            (ItemStatus::Cancelled, "cancelled; the target tag was not written".to_owned(), None)
        }
        Err(error) => (ItemStatus::Failed, error.to_string(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_lists_are_cleaned_and_checked() {
        let names = ["a/b".to_owned(), " a/b ".to_owned(), "/c/".to_owned()];
        assert_eq!(repository_list("repositories", &names).unwrap(), ["a/b", "c"]);
        let error = repository_list("repositories", &["ok".into(), "Bad".into()]).unwrap_err().to_string();
        assert!(error.starts_with("repositories: \"Bad\""), "{error}");
        assert!(repository_list("repositories", &[]).unwrap_err().to_string().contains("is empty"));
        assert_eq!(describe_repositories(&["a".into()]), "a");
        assert_eq!(
            describe_repositories(&["a".into(), "b".into(), "c".into(), "d".into()]),
            "4 repositories (a, b, c, … 1 more)"
        );
    }
}
