//! The schema, as numbered migrations (`PRAGMA user_version` holds how many ran).
//!
//! Append only: a released migration is never edited, since databases in the field already ran it.
//! Migration 1 is the job history exactly as releases before versioning created it, with
//! `IF NOT EXISTS` throughout: such a database (user_version 0, tables and rows present) runs it as
//! a no-op and continues with migration 2. Times in migration 2 onwards are INTEGER unix
//! milliseconds; the job tables keep their RFC 3339 text.

use rusqlite_migration::{M, Migrations};

const LIST: &[M<'static>] = &[
    M::up(JOBS),
    M::up(ACCESS),
    M::up(TAG_COUNTS),
    M::up(RETENTION_POLICIES),
    M::up(MESSAGE_KEYS),
    M::up(JOB_SUMMARY_KEYS),
];

pub(super) const MIGRATIONS: Migrations<'static> = Migrations::from_slice(LIST);

/// Job history (unversioned releases, minus their connection PRAGMAs, which `Db::open` now sets).
const JOBS: &str = "
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    request TEXT NOT NULL,
    source_image TEXT NOT NULL,
    target_image TEXT NOT NULL,
    error TEXT,
    items_done INTEGER NOT NULL DEFAULT 0,
    items_total INTEGER NOT NULL DEFAULT 0,
    bytes_done INTEGER NOT NULL DEFAULT 0,
    bytes_total INTEGER NOT NULL DEFAULT 0,
    failed_items INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    retry_of TEXT,
    created_seq INTEGER NOT NULL,
    logs_dropped INTEGER NOT NULL DEFAULT 0,
    log_lines INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_by_age ON jobs (created_seq DESC);
CREATE TABLE IF NOT EXISTS job_items (
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    status TEXT NOT NULL,
    detail TEXT,
    digest TEXT,
    PRIMARY KEY (job_id, idx)
);
CREATE TABLE IF NOT EXISTS job_logs (
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    level TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
);
";

/// Accounts, sessions, API tokens, audit log.
const ACCESS: &str = "
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_login_at INTEGER,
    disabled INTEGER NOT NULL DEFAULT 0
);

-- id_hash: sha256 hex of the cookie value; the cookie value itself is never stored.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    role TEXT NOT NULL,
    owner_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    last_used_at INTEGER,
    revoked_at INTEGER
);
-- A name is unique among an owner's live tokens; a revoked token frees its name.
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (owner_id, name) WHERE revoked_at IS NULL;
CREATE INDEX api_tokens_by_owner ON api_tokens (owner_id, created_at DESC);
CREATE INDEX api_tokens_by_age ON api_tokens (created_at DESC);

-- AUTOINCREMENT: ids are never reused after pruning, so `before = id` paging stays stable.
-- Newest first is rowid order; the indexes serve the filters and pruning by time.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    client_addr TEXT,
    operation TEXT NOT NULL,
    target TEXT NOT NULL,
    outcome TEXT NOT NULL,
    error TEXT,
    job_id TEXT
);
CREATE INDEX audit_by_actor ON audit_log (actor, id DESC);
CREATE INDEX audit_by_operation ON audit_log (operation, id DESC);
CREATE INDEX audit_by_time ON audit_log (at);
";

/// The tag count index (`browse/index.rs`): each repository's tag count as last seen, per registry
/// (its API base URL), so a new server process can skip empty repositories without asking the
/// registry about each one first. Only a hint: every entry is revalidated before it is trusted.
const TAG_COUNTS: &str = "
CREATE TABLE repository_tag_counts (
    registry TEXT NOT NULL,
    repository TEXT NOT NULL,
    tag_count INTEGER NOT NULL,
    checked_at INTEGER NOT NULL,
    PRIMARY KEY (registry, repository)
) WITHOUT ROWID;
";

/// Retention policies (issue 15 point 3); names unique. The scheduler keeps the next fire times in
/// memory: a schedule missed while the server was down is not caught up on.
const RETENTION_POLICIES: &str = "
CREATE TABLE retention_policies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    repositories TEXT NOT NULL,
    keep_last INTEGER,
    keep_regex TEXT,
    older_than_days INTEGER,
    protect_regex TEXT,
    schedule TEXT,
    gc_after INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
";

/// Job log lines and item details keep the key and arguments of their message
/// (`crate::messages::Keyed::to_stored`), so each reader sees them in their own language;
/// `message` and `detail` keep the English text, which rows written before this migration (key
/// NULL) and the original contract's `logs` show.
const MESSAGE_KEYS: &str = "
ALTER TABLE job_logs ADD COLUMN message_key TEXT;
ALTER TABLE job_items ADD COLUMN detail_key TEXT;
";

/// A job's labels (`source_image`, `target_image`: "registry storage", "3 repositories (…)") and
/// its failure summary (`error`) keep the key and arguments of their message too, so the job page
/// shows them in the viewer's language; the text columns keep the English, which older rows
/// (keys NULL) and the original contract's fields show.
const JOB_SUMMARY_KEYS: &str = "
ALTER TABLE jobs ADD COLUMN source_key TEXT;
ALTER TABLE jobs ADD COLUMN target_key TEXT;
ALTER TABLE jobs ADD COLUMN error_key TEXT;
";

#[cfg(test)]
mod tests {
    use rusqlite::{Connection, params};

    use super::*;
    use crate::backend::jobs::Store;
    use crate::backend::store::{Db, format_time};
    use crate::model::{ItemStatus, JobRequest, JobStatus, LogLevel, RepositoryDeleteRequest, Role};

    /// The `SCHEMA` constant of `jobs/store.rs` before versioning, verbatim: what databases in the
    /// field were created with.
    const UNVERSIONED_SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    request TEXT NOT NULL,
    source_image TEXT NOT NULL,
    target_image TEXT NOT NULL,
    error TEXT,
    items_done INTEGER NOT NULL DEFAULT 0,
    items_total INTEGER NOT NULL DEFAULT 0,
    bytes_done INTEGER NOT NULL DEFAULT 0,
    bytes_total INTEGER NOT NULL DEFAULT 0,
    failed_items INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    retry_of TEXT,
    created_seq INTEGER NOT NULL,
    logs_dropped INTEGER NOT NULL DEFAULT 0,
    log_lines INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_by_age ON jobs (created_seq DESC);
CREATE TABLE IF NOT EXISTS job_items (
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    status TEXT NOT NULL,
    detail TEXT,
    digest TEXT,
    PRIMARY KEY (job_id, idx)
);
CREATE TABLE IF NOT EXISTS job_logs (
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    level TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
);
";

    const REQUEST: &str = r#"{"kind":"repository_delete","repositories":["team/app"]}"#;

    fn user_version(db: &Db) -> usize {
        db.conn().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn migrations_are_valid() {
        MIGRATIONS.validate().unwrap();
    }

    #[test]
    fn a_database_from_before_versioning_upgrades_in_place_with_its_jobs() {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = Connection::open(dir.path().join("jobs.sqlite3")).unwrap();
            conn.execute_batch(UNVERSIONED_SCHEMA).unwrap();
            conn.execute(
                "INSERT INTO jobs (id, kind, status, request, source_image, target_image, error, items_done, \
                 items_total, bytes_done, bytes_total, failed_items, created_at, updated_at, started_at, \
                 finished_at, retry_of, created_seq, logs_dropped, log_lines) VALUES ('j1', 'repository_delete', \
                 'partial', ?1, 'team/app', 'deleted', '1 of 1 items failed', 1, 1, 5, 9, 1, \
                 '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:02.000Z', '2026-01-01T00:00:01.000Z', \
                 '2026-01-01T00:00:02.000Z', NULL, 1, 0, 1)",
                [REQUEST],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO job_items (job_id, idx, source, target, status, detail, digest) \
                 VALUES ('j1', 0, 'team/app', '', 'failed', 'gone', 'sha256:abc')",
                [],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO job_logs (job_id, seq, at, level, message) \
                 VALUES ('j1', 1, '2026-01-01T00:00:01.500Z', 'warn', 'careful')",
                [],
            )
            .unwrap();
            let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
            assert_eq!(version, 0);
        }

        let db = Db::open(dir.path()).unwrap();
        assert_eq!(user_version(&db), MIGRATIONS_COUNT);
        let store = Store::new(db.clone());

        let job = store.job("j1").unwrap().unwrap();
        let s = &job.summary;
        assert_eq!(
            (s.id.as_str(), s.status, s.source_image.to_string().as_str()),
            ("j1", JobStatus::Partial, "team/app")
        );
        // Rows from before keys were stored read as their English text.
        assert_eq!(s.error, Some(crate::model::Message::from("1 of 1 items failed")));
        assert_eq!(
            (s.progress.items_done, s.progress.items_total, s.progress.bytes_done, s.progress.bytes_total),
            (1, 1, 5, 9)
        );
        assert_eq!((s.failed_items, s.total_items), (1, 1));
        assert_eq!(s.created_at, "2026-01-01T00:00:00.000Z");
        assert_eq!(s.started_at.as_deref(), Some("2026-01-01T00:00:01.000Z"));
        assert_eq!(s.finished_at.as_deref(), Some("2026-01-01T00:00:02.000Z"));
        assert_eq!(
            job.request,
            JobRequest::RepositoryDelete(RepositoryDeleteRequest { repositories: vec!["team/app".into()] })
        );
        assert_eq!(job.items.len(), 1);
        assert_eq!(job.items[0].status, ItemStatus::Failed);
        assert_eq!(
            (
                job.items[0].source.as_str(),
                job.items[0].detail.as_ref().map(ToString::to_string).as_deref(),
                job.items[0].digest.as_deref()
            ),
            ("team/app", Some("gone"), Some("sha256:abc"))
        );
        assert_eq!(job.logs.len(), 1);
        assert_eq!(
            (job.logs[0].seq, job.logs[0].at.as_str(), job.logs[0].level, &*job.logs[0].message.to_string()),
            (1, "2026-01-01T00:00:01.500Z", LogLevel::Warn, "careful")
        );
        assert_eq!(job.logs_dropped, 0);
        assert_eq!(store.list(10).unwrap(), std::slice::from_ref(&job.summary));

        // The old job keeps working: its log continues after the existing line.
        store.append_log("j1", "t", LogLevel::Info, &"more".into()).unwrap();
        assert_eq!(store.job("j1").unwrap().unwrap().logs[1].seq, 2);

        // The new tables accept rows.
        let account = db.create_user("ana", "$argon2id$fake", Role::Admin, 1_000).unwrap();
        db.create_session("hash", account.id, 1_000).unwrap();
        db.conn()
            .execute(
                "INSERT INTO api_tokens (public_id, name, secret_hash, prefix, role, owner_id, created_at) \
                 VALUES ('p', 'ci', 's', 'rmt_AbCd', 'viewer', ?1, 1000)",
                params![account.id],
            )
            .unwrap();
        db.conn()
            .execute(
                "INSERT INTO audit_log (at, actor, operation, target, outcome) VALUES (1000, 'ana', 'login', 'ana', 'ok')",
                [],
            )
            .unwrap();
        assert_eq!(account.info.created_at, format_time(1_000));

        // Reopening an upgraded database changes nothing.
        drop(store);
        drop(db);
        let db = Db::open(dir.path()).unwrap();
        assert_eq!(user_version(&db), MIGRATIONS_COUNT);
        assert_eq!(Store::new(db).job("j1").unwrap().unwrap().logs.len(), 2);
    }

    #[test]
    fn a_database_from_a_newer_release_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join("jobs.sqlite3")).unwrap();
        conn.pragma_update(None, "user_version", MIGRATIONS_COUNT + 1).unwrap();
        drop(conn);
        let error = Db::open(dir.path()).unwrap_err();
        assert!(matches!(error, crate::backend::store::StoreError::Migrate { .. }), "{error}");
    }

    const MIGRATIONS_COUNT: usize = LIST.len();
}
