//! Browser sessions, keyed by the sha256 hex of the cookie value: the raw id is never stored, so a
//! copy of the database does not let anyone log in. Expiry rules live above; this only stores.

use rusqlite::{OptionalExtension, params};

use super::{Db, StoreError};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSession {
    pub user_id: i64,
    pub created_at_ms: i64,
    pub last_seen_ms: i64,
}

impl Db {
    pub fn create_session(&self, id_hash: &str, user_id: i64, now_ms: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?3)",
            params![id_hash, user_id, now_ms],
        )?;
        Ok(())
    }

    pub fn session(&self, id_hash: &str) -> Result<Option<StoredSession>, StoreError> {
        let session = self
            .conn()
            .query_row(
                "SELECT user_id, created_at, last_seen_at FROM sessions WHERE id_hash = ?1",
                [id_hash],
                |r| {
                    Ok(StoredSession {
                        user_id: r.get(0)?,
                        created_at_ms: r.get(1)?,
                        last_seen_ms: r.get(2)?,
                    })
                },
            )
            .optional()?;
        Ok(session)
    }

    pub fn touch_session(&self, id_hash: &str, now_ms: i64) -> Result<(), StoreError> {
        self.conn()
            .execute("UPDATE sessions SET last_seen_at = ?2 WHERE id_hash = ?1", params![id_hash, now_ms])?;
        Ok(())
    }

    pub fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        self.conn().execute("DELETE FROM sessions WHERE id_hash = ?1", [id_hash])?;
        Ok(())
    }

    /// Ends a user's sessions (after a password change, a role change, disabling), keeping
    /// `except_id_hash` if given (the session that made the change). Returns how many ended.
    pub fn delete_sessions_of(
        &self,
        user_id: i64,
        except_id_hash: Option<&str>,
    ) -> Result<usize, StoreError> {
        // `IS NOT NULL` holds for every row, so `None` ends them all.
        let deleted = self.conn().execute(
            "DELETE FROM sessions WHERE user_id = ?1 AND id_hash IS NOT ?2",
            params![user_id, except_id_hash],
        )?;
        Ok(deleted)
    }

    /// Removes sessions idle since before `idle_before_ms` or created before `created_before_ms`.
    pub fn delete_expired_sessions(
        &self,
        idle_before_ms: i64,
        created_before_ms: i64,
    ) -> Result<usize, StoreError> {
        let deleted = self.conn().execute(
            "DELETE FROM sessions WHERE last_seen_at < ?1 OR created_at < ?2",
            params![idle_before_ms, created_before_ms],
        )?;
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::store::test_db as db;
    use crate::model::Role;

    #[test]
    fn sessions_round_trip() {
        let (_dir, db) = db();
        let ana = db.create_user("ana", "h", Role::Viewer, 0).unwrap();
        db.create_session("s1", ana.id, 1_000).unwrap();
        assert_eq!(
            db.session("s1").unwrap(),
            Some(StoredSession { user_id: ana.id, created_at_ms: 1_000, last_seen_ms: 1_000 })
        );
        db.touch_session("s1", 5_000).unwrap();
        assert_eq!(db.session("s1").unwrap().unwrap().last_seen_ms, 5_000);
        db.delete_session("s1").unwrap();
        assert_eq!(db.session("s1").unwrap(), None);
        assert_eq!(db.session("never").unwrap(), None);
    }

    #[test]
    fn a_users_sessions_end_except_the_one_that_asked() {
        let (_dir, db) = db();
        let ana = db.create_user("ana", "h", Role::Viewer, 0).unwrap();
        let bob = db.create_user("bob", "h", Role::Viewer, 0).unwrap();
        for id in ["a1", "a2", "a3"] {
            db.create_session(id, ana.id, 0).unwrap();
        }
        db.create_session("b1", bob.id, 0).unwrap();

        assert_eq!(db.delete_sessions_of(ana.id, Some("a2")).unwrap(), 2);
        assert!(db.session("a1").unwrap().is_none());
        assert!(db.session("a2").unwrap().is_some());
        assert!(db.session("b1").unwrap().is_some());

        assert_eq!(db.delete_sessions_of(ana.id, None).unwrap(), 1);
        assert!(db.session("a2").unwrap().is_none());
        assert!(db.session("b1").unwrap().is_some());
    }

    #[test]
    fn expired_sessions_go_by_idle_time_or_by_age() {
        let (_dir, db) = db();
        let ana = db.create_user("ana", "h", Role::Viewer, 0).unwrap();
        db.create_session("idle", ana.id, 100).unwrap();
        db.create_session("old", ana.id, 10).unwrap();
        db.touch_session("old", 1_000).unwrap();
        db.create_session("fresh", ana.id, 900).unwrap();
        assert_eq!(db.delete_expired_sessions(500, 50).unwrap(), 2);
        assert!(db.session("fresh").unwrap().is_some());
    }

    #[test]
    fn deleting_a_user_ends_their_sessions() {
        let (_dir, db) = db();
        let ana = db.create_user("ana", "h", Role::Viewer, 0).unwrap();
        db.create_session("s", ana.id, 0).unwrap();
        db.conn().execute("DELETE FROM users WHERE id = ?1", [ana.id]).unwrap();
        assert!(db.session("s").unwrap().is_none());
    }
}
