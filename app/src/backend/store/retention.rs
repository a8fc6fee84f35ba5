//! Retention policies' rows (`retention_policies`). What the rules mean and how they are checked
//! lives in `backend/retention/`; this only stores what the service layer validated.

use rusqlite::{Row, params};

use super::{Db, StoreError, unique_violation};
use crate::model::{RetentionPolicy, RetentionPolicySpec};

const COLUMNS: &str =
    "id, name, repositories, keep_last, keep_regex, older_than_days, protect_regex, schedule, gc_after";

fn policy(row: &Row<'_>) -> rusqlite::Result<RetentionPolicy> {
    Ok(RetentionPolicy {
        id: row.get(0)?,
        spec: RetentionPolicySpec {
            name: row.get(1)?,
            repositories: row.get(2)?,
            keep_last: row.get(3)?,
            keep_regex: row.get(4)?,
            older_than_days: row.get(5)?,
            protect_regex: row.get(6)?,
            schedule: row.get(7)?,
            gc_after: row.get(8)?,
        },
    })
}

fn taken(name: &str) -> StoreError {
    StoreError::Conflict(crate::msg!(PolicyNameTaken, name))
}

impl Db {
    /// Every policy, by name.
    pub fn retention_policies(&self) -> Result<Vec<RetentionPolicy>, StoreError> {
        let conn = self.conn();
        let mut statement =
            conn.prepare(&format!("SELECT {COLUMNS} FROM retention_policies ORDER BY name, id"))?;
        let rows = statement.query_map([], policy)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn retention_policy(&self, id: i64) -> Result<Option<RetentionPolicy>, StoreError> {
        let conn = self.conn();
        let mut statement =
            conn.prepare(&format!("SELECT {COLUMNS} FROM retention_policies WHERE id = ?1"))?;
        let mut rows = statement.query_map([id], policy)?;
        Ok(rows.next().transpose()?)
    }

    pub fn insert_retention_policy(
        &self,
        spec: &RetentionPolicySpec,
        now_ms: i64,
    ) -> Result<RetentionPolicy, StoreError> {
        let conn = self.conn();
        let inserted = conn.execute(
            "INSERT INTO retention_policies (name, repositories, keep_last, keep_regex, older_than_days,
                 protect_regex, schedule, gc_after, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
            params![
                spec.name,
                spec.repositories,
                spec.keep_last,
                spec.keep_regex,
                spec.older_than_days,
                spec.protect_regex,
                spec.schedule,
                spec.gc_after,
                now_ms
            ],
        );
        match inserted {
            Err(e) if unique_violation(&e).is_some() => Err(taken(&spec.name)),
            Err(e) => Err(e.into()),
            Ok(_) => Ok(RetentionPolicy { id: conn.last_insert_rowid(), spec: spec.clone() }),
        }
    }

    /// Replaces a policy's rules; `None` if it does not exist.
    pub fn update_retention_policy(
        &self,
        id: i64,
        spec: &RetentionPolicySpec,
        now_ms: i64,
    ) -> Result<Option<RetentionPolicy>, StoreError> {
        let conn = self.conn();
        let updated = conn.execute(
            "UPDATE retention_policies SET name = ?2, repositories = ?3, keep_last = ?4, keep_regex = ?5,
                 older_than_days = ?6, protect_regex = ?7, schedule = ?8, gc_after = ?9, updated_at = ?10
             WHERE id = ?1",
            params![
                id,
                spec.name,
                spec.repositories,
                spec.keep_last,
                spec.keep_regex,
                spec.older_than_days,
                spec.protect_regex,
                spec.schedule,
                spec.gc_after,
                now_ms
            ],
        );
        match updated {
            Err(e) if unique_violation(&e).is_some() => Err(taken(&spec.name)),
            Err(e) => Err(e.into()),
            Ok(0) => Ok(None),
            Ok(_) => Ok(Some(RetentionPolicy { id, spec: spec.clone() })),
        }
    }

    /// Deletes a policy; whether it existed.
    pub fn delete_retention_policy(&self, id: i64) -> Result<bool, StoreError> {
        Ok(self.conn().execute("DELETE FROM retention_policies WHERE id = ?1", [id])? > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::store::test_db;

    fn spec(name: &str) -> RetentionPolicySpec {
        RetentionPolicySpec {
            name: name.to_owned(),
            repositories: "team/**".to_owned(),
            keep_last: Some(3),
            keep_regex: Some("^v".to_owned()),
            older_than_days: None,
            protect_regex: None,
            schedule: Some("0 3 * * *".to_owned()),
            gc_after: true,
        }
    }

    #[test]
    fn policies_round_trip_and_names_are_unique() {
        let (_dir, db) = test_db();
        let a = db.insert_retention_policy(&spec("a"), 1).unwrap();
        assert_eq!(db.retention_policy(a.id).unwrap(), Some(a.clone()));
        assert!(matches!(db.insert_retention_policy(&spec("a"), 2), Err(StoreError::Conflict(_))));
        let b = db.insert_retention_policy(&spec("b"), 2).unwrap();
        let changed = RetentionPolicySpec { keep_last: None, older_than_days: Some(30), ..spec("b2") };
        assert_eq!(db.update_retention_policy(b.id, &changed, 3).unwrap().unwrap().spec, changed);
        assert!(matches!(db.update_retention_policy(b.id, &spec("a"), 3), Err(StoreError::Conflict(_))));
        assert_eq!(db.update_retention_policy(999, &changed, 3).unwrap(), None);
        let names: Vec<String> = db.retention_policies().unwrap().into_iter().map(|p| p.spec.name).collect();
        assert_eq!(names, ["a", "b2"]);
        assert!(db.delete_retention_policy(a.id).unwrap());
        assert!(!db.delete_retention_policy(a.id).unwrap());
        assert_eq!(db.retention_policy(a.id).unwrap(), None);
    }
}
