//! The job history, in the app's SQLite database ([`Db`], schema in `store/migrations.rs`).
//!
//! Job times stay RFC 3339 text, as the releases before versioning wrote them.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use crate::backend::store::Db;
pub use crate::backend::store::StoreError;
use crate::model::{
    Job, JobItem, JobKind, JobRequest, JobStatus, JobSummary, LogLevel, LogLine, Message, Progress,
};

/// Lines kept from the start of a job's log, and again from its end, once a log grows past both:
/// the middle is dropped (and counted), never the beginning.
pub const LOG_HEAD_LINES: u64 = 5_000;
pub const LOG_TAIL_LINES: u64 = 15_000;

pub struct Store {
    db: Db,
}

const SUMMARY_COLUMNS: &str = "id, kind, status, source_image, target_image, error, items_done, items_total, \
     bytes_done, bytes_total, failed_items, created_at, updated_at, started_at, finished_at, retry_of, \
     source_key, target_key, error_key";

/// A text column holding one of an enum's names; any other value is a conversion error (a
/// corrupt row is reported, never read as some default).
fn column_enum<T>(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<T>
where
    T: std::str::FromStr<Err = strum::ParseError>,
{
    let value: String = row.get(index)?;
    value.parse().map_err(|error| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(error))
    })
}

fn summary_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<JobSummary, StoreError>> {
    let kind: String = row.get(1)?;
    let status: String = row.get(2)?;
    let Ok(job_type) = kind.parse::<JobKind>() else {
        return Ok(Err(StoreError::Corrupt { what: "job kind", value: kind }));
    };
    let Ok(status) = status.parse::<JobStatus>() else {
        return Ok(Err(StoreError::Corrupt { what: "job status", value: status }));
    };
    let count = |i: usize| -> rusqlite::Result<u64> { Ok(row.get::<_, i64>(i)?.max(0) as u64) };
    Ok(Ok(JobSummary {
        id: row.get(0)?,
        job_type,
        status,
        source_image: stored_message(row.get(3)?, row.get(16)?),
        target_image: stored_message(row.get(4)?, row.get(17)?),
        error: row.get::<_, Option<String>>(5)?.map(|text| stored_message(text, row.get(18).ok().flatten())),
        progress: Progress {
            items_done: count(6)?,
            items_total: count(7)?,
            bytes_done: count(8)?,
            bytes_total: count(9)?,
        },
        total_items: count(7)?,
        failed_items: count(10)?,
        created_at: row.get(11)?,
        updated_at: row.get(12)?,
        started_at: row.get(13)?,
        finished_at: row.get(14)?,
        retry_of: row.get(15)?,
    }))
}

impl Store {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Opens (creating and migrating if needed) `<data_dir>/jobs.sqlite3`: [`Db::open`], then [`Store::new`].
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        Ok(Self::new(Db::open(data_dir)?))
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.conn()
    }

    pub fn insert(
        &self,
        summary: &JobSummary,
        request: &JobRequest,
        items: &[JobItem],
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let request = serde_json::to_string(request).expect("job requests always serialise");
        let seq: i64 =
            tx.query_row("SELECT COALESCE(MAX(created_seq), 0) + 1 FROM jobs", [], |r| r.get(0))?;
        tx.execute(
            "INSERT INTO jobs (id, kind, status, request, source_image, target_image, error, items_total, \
             created_at, updated_at, retry_of, created_seq, source_key, target_key, error_key) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            params![
                summary.id,
                summary.job_type.as_str(),
                summary.status.as_str(),
                request,
                summary.source_image.to_string(),
                summary.target_image.to_string(),
                summary.error.as_ref().map(ToString::to_string),
                items.len() as i64,
                summary.created_at,
                summary.updated_at,
                summary.retry_of,
                seq,
                stored_key(&summary.source_image),
                stored_key(&summary.target_image),
                summary.error.as_ref().and_then(stored_key)
            ],
        )?;
        insert_items(&tx, &summary.id, items)?;
        tx.commit()?;
        Ok(())
    }

    /// Replaces a job's items (a job learns its items when it starts: the tags of a repository).
    pub fn set_items(&self, job_id: &str, items: &[JobItem]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM job_items WHERE job_id = ?1", [job_id])?;
        insert_items(&tx, job_id, items)?;
        tx.commit()?;
        Ok(())
    }

    pub fn update_item(&self, job_id: &str, index: usize, item: &JobItem) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE job_items SET status = ?3, detail = ?4, digest = ?5, target = ?6, detail_key = ?7 \
             WHERE job_id = ?1 AND idx = ?2",
            params![
                job_id,
                index as i64,
                item.status.as_str(),
                item.detail.as_ref().map(ToString::to_string),
                item.digest,
                item.target,
                item.detail.as_ref().and_then(stored_key)
            ],
        )?;
        Ok(())
    }

    /// Writes status, progress, error and timestamps.
    pub fn update_summary(&self, s: &JobSummary) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE jobs SET status = ?2, error = ?3, items_done = ?4, items_total = ?5, bytes_done = ?6, \
             bytes_total = ?7, failed_items = ?8, updated_at = ?9, started_at = ?10, finished_at = ?11, \
             error_key = ?12 WHERE id = ?1",
            params![
                s.id,
                s.status.as_str(),
                s.error.as_ref().map(ToString::to_string),
                s.progress.items_done as i64,
                s.progress.items_total as i64,
                s.progress.bytes_done as i64,
                s.progress.bytes_total as i64,
                s.failed_items as i64,
                s.updated_at,
                s.started_at,
                s.finished_at,
                s.error.as_ref().and_then(stored_key)
            ],
        )?;
        Ok(())
    }

    /// Appends a log line and returns it with its sequence number. Past
    /// `LOG_HEAD_LINES + LOG_TAIL_LINES` lines, the oldest line after the head is dropped.
    pub fn append_log(
        &self,
        job_id: &str,
        at: &str,
        level: LogLevel,
        message: &Message,
    ) -> Result<LogLine, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let seq: i64 = tx.query_row(
            "UPDATE jobs SET log_lines = log_lines + 1 WHERE id = ?1 RETURNING log_lines",
            [job_id],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO job_logs (job_id, seq, at, level, message, message_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![job_id, seq, at, level.as_str(), message.to_string(), stored_key(message)],
        )?;
        let seq = seq as u64;
        if seq > LOG_HEAD_LINES + LOG_TAIL_LINES {
            let dropped = seq - LOG_TAIL_LINES;
            tx.execute(
                "DELETE FROM job_logs WHERE job_id = ?1 AND seq = ?2",
                params![job_id, dropped as i64],
            )?;
            tx.execute("UPDATE jobs SET logs_dropped = logs_dropped + 1 WHERE id = ?1", [job_id])?;
        }
        tx.commit()?;
        Ok(LogLine { seq, at: at.to_owned(), level, message: message.clone() })
    }

    pub fn summary(&self, job_id: &str) -> Result<Option<JobSummary>, StoreError> {
        let conn = self.conn();
        let sql = format!("SELECT {SUMMARY_COLUMNS} FROM jobs WHERE id = ?1");
        conn.query_row(&sql, [job_id], summary_from_row).optional()?.transpose()
    }

    /// The newest `limit` jobs, newest first.
    pub fn list(&self, limit: usize) -> Result<Vec<JobSummary>, StoreError> {
        let conn = self.conn();
        let sql = format!("SELECT {SUMMARY_COLUMNS} FROM jobs ORDER BY created_seq DESC LIMIT ?1");
        let mut statement = conn.prepare(&sql)?;
        let rows = statement.query_map([limit as i64], summary_from_row)?;
        rows.map(|row| row?).collect()
    }

    pub fn job(&self, job_id: &str) -> Result<Option<Job>, StoreError> {
        self.job_with_log_tail(job_id, None)
    }

    /// A job with only the newest `log_tail` lines of its log (all of them for `None`): a list of
    /// jobs with their logs reads a few hundred lines per job, not every line ever written.
    pub fn job_with_log_tail(
        &self,
        job_id: &str,
        log_tail: Option<usize>,
    ) -> Result<Option<Job>, StoreError> {
        let Some(summary) = self.summary(job_id)? else { return Ok(None) };
        let conn = self.conn();
        let (request, logs_dropped): (String, i64) =
            conn.query_row("SELECT request, logs_dropped FROM jobs WHERE id = ?1", [job_id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let request: JobRequest = serde_json::from_str(&request)
            .map_err(|_| StoreError::Corrupt { what: "job request", value: request.clone() })?;
        let mut statement = conn.prepare(
            "SELECT source, target, status, detail, digest, detail_key FROM job_items WHERE job_id = ?1 ORDER BY idx",
        )?;
        let items = statement
            .query_map([job_id], |r| {
                Ok(JobItem {
                    source: r.get(0)?,
                    target: r.get(1)?,
                    status: column_enum(r, 2)?,
                    detail: r
                        .get::<_, Option<String>>(3)?
                        .map(|text| stored_message(text, r.get(5).ok().flatten())),
                    digest: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        // The newest lines by the (job_id, seq) key, then back in order; -1 is SQLite's "no limit".
        let mut statement = conn.prepare(
            "SELECT seq, at, level, message, message_key FROM \
             (SELECT seq, at, level, message, message_key FROM job_logs WHERE job_id = ?1 ORDER BY seq DESC LIMIT ?2) \
             ORDER BY seq",
        )?;
        let limit = log_tail.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
        let logs = statement
            .query_map(rusqlite::params![job_id, limit], |r| {
                Ok(LogLine {
                    seq: r.get::<_, i64>(0)? as u64,
                    at: r.get(1)?,
                    level: column_enum(r, 2)?,
                    message: stored_message(r.get(3)?, r.get(4)?),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Some(Job { summary, request, items, logs, logs_dropped: logs_dropped.max(0) as u64 }))
    }

    /// Ids of jobs left `queued` or `running` by a server that stopped.
    pub fn unfinished(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        let mut statement = conn.prepare("SELECT id FROM jobs WHERE status IN ('queued', 'running')")?;
        let ids = statement.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(ids)
    }

    /// Marks a stopped job's unfinished items as cancelled.
    pub fn close_open_items(&self, job_id: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE job_items SET status = 'cancelled' WHERE job_id = ?1 AND status IN ('pending', 'running')",
            [job_id],
        )?;
        Ok(())
    }

    /// Keeps the newest `keep` finished jobs; returns how many older ones were removed.
    pub fn apply_retention(&self, keep: usize) -> Result<usize, StoreError> {
        let removed = self.conn().execute(
            "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE status NOT IN ('queued', 'running') \
             ORDER BY created_seq DESC LIMIT -1 OFFSET ?1)",
            [keep as i64],
        )?;
        Ok(removed)
    }
}

fn insert_items(tx: &rusqlite::Transaction<'_>, job_id: &str, items: &[JobItem]) -> Result<(), StoreError> {
    let mut statement = tx.prepare(
        "INSERT INTO job_items (job_id, idx, source, target, status, detail, digest, detail_key) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for (index, item) in items.iter().enumerate() {
        statement.execute(params![
            job_id,
            index as i64,
            item.source,
            item.target,
            item.status.as_str(),
            item.detail.as_ref().map(ToString::to_string),
            item.digest,
            item.detail.as_ref().and_then(stored_key)
        ])?;
    }
    Ok(())
}

/// What `job_logs.message_key` (or `job_items.detail_key`) holds for a message: its key and
/// arguments, if it is one of ours.
fn stored_key(message: &Message) -> Option<String> {
    match message {
        Message::Keyed(keyed) => Some(keyed.to_stored()),
        Message::Text(_) => None,
    }
}

/// A stored line's (or item detail's) message: the keyed one when there is one this build knows, else the English
/// text (lines from before keys were stored, or a key since removed).
fn stored_message(text: String, key: Option<String>) -> Message {
    key.as_deref().and_then(crate::messages::Keyed::from_stored).map_or(Message::Text(text), Message::Keyed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ItemStatus, RepositoryDeleteRequest};

    fn summary(id: &str, status: JobStatus) -> JobSummary {
        JobSummary {
            id: id.to_owned(),
            job_type: JobKind::RepositoryDelete,
            status,
            source_image: "a".into(),
            target_image: "deleted".into(),
            total_items: 1,
            progress: Progress::default(),
            error: None,
            created_at: "2026-01-01T00:00:00Z".into(),
            updated_at: "2026-01-01T00:00:00Z".into(),
            started_at: None,
            finished_at: None,
            retry_of: None,
            failed_items: 0,
        }
    }

    fn request() -> JobRequest {
        JobRequest::RepositoryDelete(RepositoryDeleteRequest { repositories: vec!["a".into()] })
    }

    fn item() -> JobItem {
        JobItem {
            source: "a".into(),
            target: String::new(),
            status: ItemStatus::Pending,
            detail: None,
            digest: None,
        }
    }

    #[test]
    fn jobs_round_trip_and_list_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("nested")).unwrap();
        store.insert(&summary("one", JobStatus::Queued), &request(), &[item()]).unwrap();
        store.insert(&summary("two", JobStatus::Queued), &request(), &[]).unwrap();
        let mut done = summary("one", JobStatus::Partial);
        done.progress = Progress { items_done: 1, items_total: 1, bytes_done: 5, bytes_total: 9 };
        done.error = Some("1 of 1 items failed".into());
        store.update_summary(&done).unwrap();
        let failed = JobItem { status: ItemStatus::Failed, detail: Some("gone".into()), ..item() };
        store.update_item("one", 0, &failed).unwrap();
        store.append_log("one", "t", LogLevel::Warn, &"careful".into()).unwrap();

        let listed: Vec<String> = store.list(10).unwrap().into_iter().map(|s| s.id).collect();
        assert_eq!(listed, ["two", "one"]);
        let job = store.job("one").unwrap().unwrap();
        assert_eq!(job.summary.progress, done.progress);
        assert_eq!(
            job.summary.error.as_ref().map(ToString::to_string).as_deref(),
            Some("1 of 1 items failed")
        );
        assert_eq!(job.items, [failed]);
        assert_eq!(job.request, request());
        assert_eq!(
            (job.logs[0].seq, job.logs[0].level, &*job.logs[0].message.to_string()),
            (1, LogLevel::Warn, "careful")
        );
        assert!(store.job("nope").unwrap().is_none());
        assert_eq!(store.unfinished().unwrap(), ["two"]);
    }

    #[test]
    fn a_jobs_labels_and_failure_summary_read_back_keyed_in_every_language() {
        use crate::ui::lang::Lang;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut keyed = summary("k", JobStatus::Running);
        keyed.target_image = crate::msg!(LabelDeleted);
        store.insert(&keyed, &request(), &[]).unwrap();
        keyed.status = JobStatus::Failed;
        keyed.error = Some(crate::msg!(JobItemsFailedAll, 2usize));
        store.update_summary(&keyed).unwrap();
        let back = store.summary("k").unwrap().unwrap();
        assert_eq!(back.target_image, keyed.target_image);
        assert_eq!(back.error, keyed.error);
        assert_eq!(back.source_image, "a", "a name stays verbatim");
        let zh = back.localized(Lang::ZhCn);
        assert_eq!(zh.error.unwrap().to_string(), "全部 2 个条目失败");
        assert_eq!(zh.target_image.to_string(), "已删除");
        // The English text stays beside the key: rows of older builds, and the original's `error`.
        let conn = store.conn();
        let english: String =
            conn.query_row("SELECT error FROM jobs WHERE id = 'k'", [], |r| r.get(0)).unwrap();
        assert_eq!(english, "all 2 items failed");
    }

    #[test]
    fn long_logs_keep_their_beginning_and_their_end() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.insert(&summary("long", JobStatus::Running), &request(), &[]).unwrap();
        let total = LOG_HEAD_LINES + LOG_TAIL_LINES + 250;
        for n in 1..=total {
            store.append_log("long", "t", LogLevel::Info, &format!("line {n}").into()).unwrap();
        }
        let job = store.job("long").unwrap().unwrap();
        assert_eq!(job.logs_dropped, 250);
        assert_eq!(job.logs.len() as u64, LOG_HEAD_LINES + LOG_TAIL_LINES);
        assert_eq!(job.logs[0].message, "line 1");
        assert_eq!(job.logs[LOG_HEAD_LINES as usize - 1].message, format!("line {LOG_HEAD_LINES}"));
        // The gap is visible in `seq`.
        assert_eq!(job.logs[LOG_HEAD_LINES as usize].seq, LOG_HEAD_LINES + 251);
        assert_eq!(job.logs.last().unwrap().message, format!("line {total}"));
    }

    #[test]
    fn a_log_tail_is_the_newest_lines_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.insert(&summary("tail", JobStatus::Running), &request(), &[]).unwrap();
        for n in 1..=10 {
            store.append_log("tail", "t", LogLevel::Info, &format!("line {n}").into()).unwrap();
        }
        let messages = |tail| -> Vec<String> {
            let job = store.job_with_log_tail("tail", tail).unwrap().unwrap();
            job.logs.into_iter().map(|line| line.message.to_string()).collect()
        };
        assert_eq!(messages(Some(3)), ["line 8", "line 9", "line 10"]);
        assert_eq!(messages(Some(0)), Vec::<String>::new());
        assert_eq!(messages(None).len(), 10);
        assert_eq!(messages(Some(50)).len(), 10);
    }

    #[test]
    fn retention_keeps_the_newest_finished_jobs_and_every_unfinished_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        for (id, status) in [
            ("old", JobStatus::Succeeded),
            ("running", JobStatus::Running),
            ("mid", JobStatus::Failed),
            ("new", JobStatus::Cancelled),
        ] {
            store.insert(&summary(id, status), &request(), &[item()]).unwrap();
            store.append_log(id, "t", LogLevel::Info, &"x".into()).unwrap();
        }
        assert_eq!(store.apply_retention(2).unwrap(), 1);
        let listed: Vec<String> = store.list(10).unwrap().into_iter().map(|s| s.id).collect();
        assert_eq!(listed, ["new", "mid", "running"]);
        // Items and logs went with their job.
        let conn = store.conn();
        let orphans: i64 =
            conn.query_row("SELECT COUNT(*) FROM job_logs WHERE job_id = 'old'", [], |r| r.get(0)).unwrap();
        assert_eq!(orphans, 0);
    }
}
