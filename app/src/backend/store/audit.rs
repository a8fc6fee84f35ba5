//! The audit log: who did what to which target, from where, and how it ended. Append-only apart
//! from pruning by age; listed newest first with `before = id` paging (ids only grow).

use rusqlite::params;
use rusqlite::types::Value;

use super::{Db, StoreError, format_time, parse_enum};
use crate::model::{AuditEntry, AuditOutcome, AuditQuery};

/// Entries per page when the query names no limit, and the most it may ask for.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;

#[derive(Clone, Debug)]
pub struct NewAuditEntry<'a> {
    pub at_ms: i64,
    pub actor: &'a str,
    pub client_addr: Option<&'a str>,
    pub operation: &'a str,
    pub target: &'a str,
    pub outcome: AuditOutcome,
    pub error: Option<&'a str>,
    pub job_id: Option<&'a str>,
}

impl Db {
    /// Appends an entry and returns its id.
    pub fn append_audit(&self, entry: &NewAuditEntry<'_>) -> Result<i64, StoreError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO audit_log (at, actor, client_addr, operation, target, outcome, error, job_id) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                entry.at_ms,
                entry.actor,
                entry.client_addr,
                entry.operation,
                entry.target,
                <&str>::from(entry.outcome),
                entry.error,
                entry.job_id
            ],
        )?;
        Ok(conn.last_insert_rowid())
    }

    /// Entries newest first: at most `limit` (100 by default, 1000 at most), older than the entry
    /// `before` if given, with exactly the given `actor` and `operation` if given.
    pub fn list_audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        // Only the filters in use go into the SQL, so SQLite can pick the matching index.
        let mut conditions = Vec::new();
        let mut values = Vec::new();
        if let Some(before) = query.before {
            conditions.push("id < ?");
            values.push(Value::Integer(before));
        }
        if let Some(actor) = &query.actor {
            conditions.push("actor = ?");
            values.push(Value::Text(actor.clone()));
        }
        if let Some(operation) = &query.operation {
            conditions.push("operation = ?");
            values.push(Value::Text(operation.clone()));
        }
        let filter =
            if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
        values.push(Value::Integer(query.limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT) as i64));
        let sql = format!(
            "SELECT id, at, actor, client_addr, operation, target, outcome, error, job_id FROM audit_log \
             {filter} ORDER BY id DESC LIMIT ?"
        );

        let conn = self.conn();
        let mut statement = conn.prepare(&sql)?;
        let rows = statement.query_map(rusqlite::params_from_iter(values), |r| {
            let outcome = match parse_enum("audit outcome", r.get(6)?) {
                Ok(outcome) => outcome,
                Err(corrupt) => return Ok(Err(corrupt)),
            };
            Ok(Ok(AuditEntry {
                id: r.get(0)?,
                at: format_time(r.get(1)?),
                actor: r.get(2)?,
                client_addr: r.get(3)?,
                operation: r.get(4)?,
                target: r.get(5)?,
                outcome,
                error: r.get(7)?,
                job_id: r.get(8)?,
            }))
        })?;
        rows.map(|row| row?).collect()
    }

    /// Deletes entries older than `before_ms`; returns how many.
    pub fn prune_audit(&self, before_ms: i64) -> Result<usize, StoreError> {
        Ok(self.conn().execute("DELETE FROM audit_log WHERE at < ?1", [before_ms])?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::store::test_db as db;

    fn entry<'a>(at_ms: i64, actor: &'a str, operation: &'a str) -> NewAuditEntry<'a> {
        NewAuditEntry {
            at_ms,
            actor,
            client_addr: None,
            operation,
            target: "team/app:1.0",
            outcome: AuditOutcome::Ok,
            error: None,
            job_id: None,
        }
    }

    fn ids(db: &Db, query: AuditQuery) -> Vec<i64> {
        db.list_audit(&query).unwrap().into_iter().map(|e| e.id).collect()
    }

    #[test]
    fn entries_round_trip() {
        let (_dir, db) = db();
        let id = db
            .append_audit(&NewAuditEntry {
                client_addr: Some("10.0.0.7"),
                outcome: AuditOutcome::Failed,
                error: Some("registry has deletion disabled"),
                job_id: Some("job-1"),
                ..entry(1_500, "ana", "delete-tag")
            })
            .unwrap();
        assert_eq!(
            db.list_audit(&AuditQuery::default()).unwrap(),
            [AuditEntry {
                id,
                at: "1970-01-01T00:00:01.500Z".into(),
                actor: "ana".into(),
                client_addr: Some("10.0.0.7".into()),
                operation: "delete-tag".into(),
                target: "team/app:1.0".into(),
                outcome: AuditOutcome::Failed,
                error: Some("registry has deletion disabled".into()),
                job_id: Some("job-1".into()),
            }]
        );
    }

    #[test]
    fn filters_and_paging_list_newest_first() {
        let (_dir, db) = db();
        let a1 = db.append_audit(&entry(1, "ana", "login")).unwrap();
        let b1 = db.append_audit(&entry(2, "bob", "login")).unwrap();
        let a2 = db.append_audit(&entry(3, "ana", "delete-tag")).unwrap();
        let a3 = db.append_audit(&entry(4, "ana", "login")).unwrap();

        assert_eq!(ids(&db, AuditQuery::default()), [a3, a2, b1, a1]);
        let ana = || AuditQuery { actor: Some("ana".into()), ..AuditQuery::default() };
        assert_eq!(ids(&db, ana()), [a3, a2, a1]);
        // Exact match: neither case-folded nor a prefix.
        assert!(ids(&db, AuditQuery { actor: Some("Ana".into()), ..AuditQuery::default() }).is_empty());
        assert!(ids(&db, AuditQuery { actor: Some("an".into()), ..AuditQuery::default() }).is_empty());
        let logins = AuditQuery { operation: Some("login".into()), ..AuditQuery::default() };
        assert_eq!(ids(&db, logins.clone()), [a3, b1, a1]);
        assert_eq!(ids(&db, AuditQuery { operation: Some("login".into()), ..ana() }), [a3, a1]);

        // Paging: `before` is exclusive.
        let first = ids(&db, AuditQuery { limit: Some(2), ..AuditQuery::default() });
        assert_eq!(first, [a3, a2]);
        let next = ids(&db, AuditQuery { limit: Some(2), before: Some(a2), ..AuditQuery::default() });
        assert_eq!(next, [b1, a1]);
        assert!(ids(&db, AuditQuery { before: Some(a1), ..AuditQuery::default() }).is_empty());
        assert_eq!(ids(&db, AuditQuery { before: Some(a3), ..logins }), [b1, a1]);
    }

    #[test]
    fn the_limit_defaults_to_100_and_stops_at_1000() {
        let (_dir, db) = db();
        {
            let mut conn = db.conn();
            let tx = conn.transaction().unwrap();
            for at in 0..1_005 {
                tx.execute(
                    "INSERT INTO audit_log (at, actor, operation, target, outcome) VALUES (?1, 'a', 'b', 'c', 'ok')",
                    [at],
                )
                .unwrap();
            }
            tx.commit().unwrap();
        }
        assert_eq!(db.list_audit(&AuditQuery::default()).unwrap().len(), 100);
        assert_eq!(
            db.list_audit(&AuditQuery { limit: Some(5_000), ..AuditQuery::default() }).unwrap().len(),
            1_000
        );
    }

    #[test]
    fn pruning_removes_older_entries_and_ids_are_not_reused() {
        let (_dir, db) = db();
        db.append_audit(&entry(1_000, "ana", "login")).unwrap();
        db.append_audit(&entry(2_000, "ana", "login")).unwrap();
        let kept = db.append_audit(&entry(3_000, "ana", "login")).unwrap();
        assert_eq!(db.prune_audit(3_000).unwrap(), 2);
        assert_eq!(ids(&db, AuditQuery::default()), [kept]);
        db.prune_audit(i64::MAX).unwrap();
        assert!(db.append_audit(&entry(4_000, "ana", "login")).unwrap() > kept);
    }
}
