//! The app's one SQLite database under `DATA_DIR` (`jobs.sqlite3`): job history, accounts,
//! sessions, API tokens, the audit log and the tag count index.
//!
//! rusqlite with the bundled SQLite: one connection behind a mutex, WAL journal. Every statement is
//! a single-row write or a small read, far below a millisecond. The lookup every request makes
//! (session or token → caller) runs on tokio's blocking pool (`Auth::on_store`), as do password
//! hashes; the job engine's and the audit log's single-row writes run inline, in order, since a
//! job's log lines must land in the order they were written and WAL commits do not fsync. The
//! schema is versioned (`PRAGMA user_version`, see [`migrations`]); the file keeps the name it had
//! when it held only jobs, so existing installs upgrade in place. Each area is its own `impl Db`
//! block, as the registry client is split by API area.

mod accounts;
mod audit;
mod migrations;
mod retention;
mod sessions;
mod tag_counts;
mod tokens;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::Connection;

pub use accounts::Account;
pub use audit::NewAuditEntry;
pub use sessions::StoredSession;
pub use tag_counts::StoredTagCount;
pub use tokens::{NewToken, StoredToken};

/// Errors of the store. Only [`StoreError::Conflict`] is meant for users (409); the others are
/// logged and answered with a 500.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `DATA_DIR` cannot be created (500 at startup).
    #[error("cannot create the data directory {path}: {source}")]
    CreateDir { path: String, source: std::io::Error },
    /// The database file cannot be opened or configured (500 at startup).
    #[error("database {path}: {source}")]
    Open { path: String, source: rusqlite::Error },
    /// The schema cannot be brought to the current version, e.g. the file was written by a newer
    /// release (500 at startup).
    #[error("database {path}: cannot migrate the schema: {source}")]
    Migrate { path: String, source: rusqlite_migration::Error },
    /// A statement failed (500).
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    /// A stored value this release cannot read (500).
    #[error("database holds an unreadable {what}: {value}")]
    Corrupt { what: &'static str, value: String },
    /// A unique name is taken (409); the message says which, e.g. `user "ana" already exists`, in
    /// the reader's language.
    #[error("{0}")]
    Conflict(crate::model::Message),
}

/// A handle on the database; clones share the connection.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").finish_non_exhaustive()
    }
}

impl Db {
    /// Opens (creating if needed) `<data_dir>/jobs.sqlite3` and migrates it to the current schema.
    pub fn open(data_dir: &Path) -> Result<Db, StoreError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|source| StoreError::CreateDir { path: data_dir.display().to_string(), source })?;
        let path = data_dir.join("jobs.sqlite3");
        let open = || -> rusqlite::Result<Connection> {
            let conn = Connection::open(&path)?;
            conn.busy_timeout(Duration::from_secs(5))?;
            // `journal_mode` answers with the mode now in force; the others answer nothing.
            let _: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            conn.pragma_update(None, "foreign_keys", "ON")?;
            Ok(conn)
        };
        let mut conn =
            open().map_err(|source| StoreError::Open { path: path.display().to_string(), source })?;
        migrations::MIGRATIONS
            .to_latest(&mut conn)
            .map_err(|source| StoreError::Migrate { path: path.display().to_string(), source })?;
        Ok(Db { conn: Arc::new(Mutex::new(conn)) })
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (each statement is atomic).
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The current time as unix milliseconds, the form every new table stores times in.
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Unix milliseconds → RFC 3339 UTC with fixed millisecond width (`2026-11-27T01:57:31.530Z`), so
/// the strings sort: the one time format the server writes, shared with the views.
pub use crate::format::rfc3339_utc as format_time;

/// A fresh database in a temporary directory (removed when the directory handle drops).
#[cfg(test)]
pub(crate) fn test_db() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    (dir, db)
}

/// The SQLite message of a UNIQUE constraint violation (`UNIQUE constraint failed: users.username`).
fn unique_violation(error: &rusqlite::Error) -> Option<&str> {
    match error {
        rusqlite::Error::SqliteFailure(e, message)
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
        {
            Some(message.as_deref().unwrap_or_default())
        }
        _ => None,
    }
}

/// Parses a strum-derived enum stored as text, or says which value is unreadable.
fn parse_enum<T: std::str::FromStr>(what: &'static str, value: String) -> Result<T, StoreError> {
    value.parse().map_err(|_| StoreError::Corrupt { what, value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_fixed_width_rfc3339_utc() {
        assert_eq!(format_time(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_time(1_795_744_651_530), "2026-11-27T01:57:31.530Z");
        assert_eq!(format_time(1_795_744_651_005), "2026-11-27T01:57:31.005Z");
        let now = format_time(now_ms());
        assert_eq!(now.len(), "2026-11-27T01:57:31.530Z".len(), "{now}");
        assert!(time::OffsetDateTime::parse(&now, &time::format_description::well_known::Rfc3339).is_ok());
    }

    #[test]
    fn out_of_range_times_do_not_panic() {
        assert_eq!(format_time(i64::MAX), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_time(i64::MIN), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn opening_twice_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let first = Db::open(dir.path()).unwrap();
        first.conn().execute("INSERT INTO audit_log (at, actor, operation, target, outcome) VALUES (1, 'a', 'b', 'c', 'ok')", []).unwrap();
        drop(first);
        let second = Db::open(dir.path()).unwrap();
        let rows: i64 = second.conn().query_row("SELECT COUNT(*) FROM audit_log", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 1);
        // Two handles on one file at once (a second process) also work.
        Db::open(dir.path()).unwrap();
    }
}
