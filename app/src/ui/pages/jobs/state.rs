//! How live events change what a job view and the jobs list show. Pure, so it is tested natively.

use crate::model::{Job, JobEvent, JobSummary};

/// Applies one event of a job's stream to the job shown. Events of other jobs are ignored.
///
/// A snapshot replaces everything (it comes first, and again after the server had to skip events);
/// log lines are appended only past the last `seq` shown, so the snapshot's backlog and a line
/// sent around it never show twice.
pub fn apply_job_event(job: &mut Job, event: JobEvent) {
    if event.job_id() != job.summary.id {
        return;
    }
    match event {
        JobEvent::Snapshot { job: snapshot } => *job = *snapshot,
        JobEvent::Log { line, .. } => {
            if job.logs.last().is_none_or(|last| line.seq > last.seq) {
                job.logs.push(line);
            }
        }
        JobEvent::Item { index, item, .. } => match index.cmp(&job.items.len()) {
            std::cmp::Ordering::Less => job.items[index] = item,
            std::cmp::Ordering::Equal => job.items.push(item),
            // A gap: the next snapshot brings the full list.
            std::cmp::Ordering::Greater => {}
        },
        JobEvent::Summary { summary } => job.summary = summary,
    }
}

/// Applies a `summary` event to the jobs list (newest first): the job's row changes in place, or a
/// new job goes on top.
pub fn upsert_summary(rows: &mut Vec<JobSummary>, summary: JobSummary) {
    match rows.iter_mut().find(|row| row.id == summary.id) {
        Some(row) => *row = summary,
        None => rows.insert(0, summary),
    }
}

#[cfg(test)]
mod tests {
    use super::{apply_job_event, upsert_summary};
    use crate::model::{
        ItemStatus, Job, JobEvent, JobItem, JobKind, JobRequest, JobStatus, JobSummary, LogLevel, LogLine,
        RepositoryDeleteRequest,
    };

    fn summary(id: &str, status: JobStatus) -> JobSummary {
        JobSummary::example(id, JobKind::RepositoryDelete, status)
    }

    fn item(source: &str, status: ItemStatus) -> JobItem {
        JobItem { source: source.to_owned(), target: String::new(), status, detail: None, digest: None }
    }

    fn line(seq: u64, message: &str) -> LogLine {
        LogLine { seq, at: "2026-11-26T10:00:00Z".to_owned(), level: LogLevel::Info, message: message.into() }
    }

    fn job(status: JobStatus, items: Vec<JobItem>, logs: Vec<LogLine>) -> Job {
        Job {
            summary: summary("j1", status),
            request: JobRequest::RepositoryDelete(RepositoryDeleteRequest { repositories: vec![] }),
            items,
            logs,
            logs_dropped: 0,
        }
    }

    fn log_event(seq: u64, message: &str) -> JobEvent {
        JobEvent::Log { job_id: "j1".to_owned(), line: line(seq, message) }
    }

    #[test]
    fn log_lines_already_shown_are_not_repeated() {
        let mut shown = job(JobStatus::Running, vec![], vec![line(1, "started"), line(2, "a")]);
        // Sent while the snapshot was being read: already in the backlog.
        apply_job_event(&mut shown, log_event(2, "a"));
        apply_job_event(&mut shown, log_event(3, "b"));
        apply_job_event(&mut shown, log_event(3, "b"));
        let seqs: Vec<u64> = shown.logs.iter().map(|l| l.seq).collect();
        assert_eq!(seqs, [1, 2, 3]);
    }

    #[test]
    fn a_snapshot_replaces_the_job_and_later_lines_follow_it() {
        let mut shown = job(JobStatus::Queued, vec![], vec![]);
        let newer =
            job(JobStatus::Running, vec![item("a", ItemStatus::Running)], vec![line(1, "x"), line(5, "y")]);
        apply_job_event(&mut shown, JobEvent::Snapshot { job: Box::new(newer.clone()) });
        assert_eq!(shown, newer);
        apply_job_event(&mut shown, log_event(4, "old"));
        apply_job_event(&mut shown, log_event(6, "new"));
        assert_eq!(shown.logs.last().unwrap().message, "new");
        assert_eq!(shown.logs.len(), 3);
    }

    #[test]
    fn items_change_in_place_and_new_ones_append() {
        let mut shown = job(JobStatus::Running, vec![item("a", ItemStatus::Pending)], vec![]);
        let event =
            |index, status| JobEvent::Item { job_id: "j1".to_owned(), index, item: item("x", status) };
        apply_job_event(&mut shown, event(0, ItemStatus::Succeeded));
        apply_job_event(&mut shown, event(1, ItemStatus::Pending));
        apply_job_event(&mut shown, event(5, ItemStatus::Pending));
        let statuses: Vec<ItemStatus> = shown.items.iter().map(|i| i.status).collect();
        assert_eq!(statuses, [ItemStatus::Succeeded, ItemStatus::Pending]);
    }

    #[test]
    fn events_of_other_jobs_are_ignored() {
        let mut shown = job(JobStatus::Running, vec![], vec![]);
        apply_job_event(&mut shown, JobEvent::Summary { summary: summary("other", JobStatus::Failed) });
        apply_job_event(&mut shown, JobEvent::Log { job_id: "other".to_owned(), line: line(1, "x") });
        assert_eq!(shown.summary.status, JobStatus::Running);
        assert!(shown.logs.is_empty());
    }

    #[test]
    fn summaries_update_rows_in_place_and_new_jobs_go_on_top() {
        let mut rows = vec![summary("b", JobStatus::Running), summary("a", JobStatus::Succeeded)];
        upsert_summary(&mut rows, summary("b", JobStatus::Succeeded));
        upsert_summary(&mut rows, summary("c", JobStatus::Queued));
        let shown: Vec<(&str, JobStatus)> = rows.iter().map(|r| (r.id.as_str(), r.status)).collect();
        assert_eq!(
            shown,
            [("c", JobStatus::Queued), ("b", JobStatus::Succeeded), ("a", JobStatus::Succeeded)]
        );
    }
}
