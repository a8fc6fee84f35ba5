//! The retry rule: which items a retry of a finished job takes. One rule, read by the server when
//! it starts the retry and by the UI when it offers "Retry".

use super::jobs::{
    ItemStatus, Job, JobItem, JobRequest, JobStatus, RemotePrefixRequest, RepositoryDeleteRequest,
};
use super::local::{LocalDeleteRequest, LocalPushRequest};

impl Job {
    /// The request a retry starts: it redoes the items this job left undone (failed, cancelled,
    /// never run) or, when the job failed before it had any items, all of it. `None` when nothing
    /// is left to redo: the job succeeded, or its items only succeeded or were skipped.
    pub fn retry_request(&self) -> Option<JobRequest> {
        if self.summary.status == JobStatus::Succeeded {
            return None;
        }
        if self.items.is_empty() {
            return Some(self.request.clone());
        }
        let undone: Vec<String> =
            self.items.iter().filter(|i| is_undone(i)).map(|i| i.source.clone()).collect();
        if undone.is_empty() {
            return None;
        }
        Some(match &self.request {
            JobRequest::Sync(r) => JobRequest::Sync(r.clone()),
            JobRequest::RemotePrefix(r) => {
                let mut repositories: Vec<String> = Vec::new();
                for repository in undone.iter().map(|source| item_repository(source)) {
                    if !repositories.iter().any(|r| r == repository) {
                        repositories.push(repository.to_owned());
                    }
                }
                JobRequest::RemotePrefix(RemotePrefixRequest { repositories, ..r.clone() })
            }
            JobRequest::RepositoryDelete(_) => {
                JobRequest::RepositoryDelete(RepositoryDeleteRequest { repositories: undone })
            }
            JobRequest::LocalPush(r) => {
                JobRequest::LocalPush(LocalPushRequest { image_refs: undone, ..r.clone() })
            }
            JobRequest::LocalDelete(_) => JobRequest::LocalDelete(LocalDeleteRequest { image_refs: undone }),
            // A merge or split redoes the whole request: what is in place already is found so
            // (the same index digest, the same child digest) and left as it is.
            JobRequest::Merge(r) => JobRequest::Merge(r.clone()),
            JobRequest::Split(r) => JobRequest::Split(r.clone()),
            // A retention run decides again from what the registry holds now: tags deleted
            // already are gone from its view, the rest are decided by the same rules.
            JobRequest::Retention(r) => JobRequest::Retention(r.clone()),
            // A collection finds again what is left to collect.
            JobRequest::Gc(r) => JobRequest::Gc(*r),
            // A scan reads everything again.
            JobRequest::StorageScan(r) => JobRequest::StorageScan(*r),
        })
    }

    /// Whether "Retry" can do something: the job has finished and left work to redo.
    pub fn can_retry(&self) -> bool {
        self.summary.status.is_finished() && self.retry_request().is_some()
    }
}

/// An item a retry takes: it failed, was cancelled, or never ran.
fn is_undone(item: &JobItem) -> bool {
    matches!(item.status, ItemStatus::Failed | ItemStatus::Cancelled | ItemStatus::Pending)
}

/// The repository a rename's item works on: items are `repository:tag`, or a bare repository when
/// its tags could not be listed.
fn item_repository(source: &str) -> &str {
    match source.rsplit_once(':') {
        Some((repository, tag)) if !tag.contains('/') => repository,
        _ => source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::JobSummary;
    use crate::naming::PrefixMode;

    fn job(status: JobStatus, request: JobRequest, items: &[(&str, ItemStatus)]) -> Job {
        let items = items
            .iter()
            .map(|(source, status)| JobItem { status: *status, ..JobItem::pending(*source, "") })
            .collect();
        Job {
            summary: JobSummary::example("j1", request.kind(), status),
            request,
            items,
            logs: Vec::new(),
            logs_dropped: 0,
        }
    }

    fn repository_delete(names: &[&str]) -> JobRequest {
        JobRequest::RepositoryDelete(RepositoryDeleteRequest {
            repositories: names.iter().map(|n| (*n).to_owned()).collect(),
        })
    }

    #[test]
    fn retry_is_offered_only_for_finished_jobs_with_work_left() {
        use ItemStatus::*;
        let request = || repository_delete(&[]);
        let failed = [("a", Succeeded), ("b", Failed)];
        assert!(job(JobStatus::Partial, request(), &failed).can_retry());
        assert!(!job(JobStatus::Running, request(), &failed).can_retry());
        assert!(job(JobStatus::Interrupted, request(), &[("a", Pending)]).can_retry());
        assert!(job(JobStatus::Failed, request(), &[]).can_retry());
        assert!(!job(JobStatus::Succeeded, request(), &[("a", Succeeded)]).can_retry());
        assert!(!job(JobStatus::Partial, request(), &[("a", Skipped)]).can_retry());
    }

    #[test]
    fn a_retry_takes_the_failed_cancelled_and_unrun_items() {
        use ItemStatus::*;
        let items = [("a", Succeeded), ("b", Failed), ("c", Cancelled), ("d", Pending), ("e", Skipped)];
        let retried = job(JobStatus::Partial, repository_delete(&["a", "b", "c", "d", "e"]), &items);
        assert_eq!(retried.retry_request(), Some(repository_delete(&["b", "c", "d"])));
        // A job that failed before it had items is retried whole.
        let whole = job(JobStatus::Failed, repository_delete(&["a", "b"]), &[]);
        assert_eq!(whole.retry_request(), Some(repository_delete(&["a", "b"])));
    }

    #[test]
    fn a_rename_is_retried_by_the_repositories_of_its_undone_tags() {
        use ItemStatus::*;
        let request = RemotePrefixRequest {
            repositories: vec!["team/app".into(), "web".into(), "db".into()],
            prefix_mode: PrefixMode::Add,
            prefix_value: "x86".into(),
            cleanup_source_tag: true,
            target_registry_host: None,
            overwrite: false,
        };
        let items =
            [("team/app:v1", Failed), ("team/app:v2", Cancelled), ("web:v1", Succeeded), ("db", Failed)];
        let retried = job(JobStatus::Partial, JobRequest::RemotePrefix(request.clone()), &items);
        assert_eq!(
            retried.retry_request(),
            Some(JobRequest::RemotePrefix(RemotePrefixRequest {
                repositories: vec!["team/app".into(), "db".into()],
                ..request
            }))
        );
    }

    #[test]
    fn items_name_their_repository() {
        assert_eq!(item_repository("team/app:v1"), "team/app");
        assert_eq!(item_repository("team/app"), "team/app");
    }
}
