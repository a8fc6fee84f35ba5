//! Accounts: usernames (unique regardless of case), argon2id password hashes, roles.
//!
//! The store takes hashes, never passwords: hashing and the rules on who may change what live in
//! the layers above.

use rusqlite::{OptionalExtension, params};

use super::{Db, StoreError, format_time, parse_enum, unique_violation};
use crate::model::{Role, UserInfo};

/// An account and its row id (the id stays server-side: sessions and tokens refer to it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub info: UserInfo,
}

const COLUMNS: &str = "id, username, role, created_at, last_login_at, disabled, password_hash";

/// A `users` row as stored, before its role is parsed.
struct Row {
    id: i64,
    username: String,
    role: String,
    created_at: i64,
    last_login_at: Option<i64>,
    disabled: bool,
    password_hash: String,
}

impl Row {
    fn read(row: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
        Ok(Row {
            id: row.get(0)?,
            username: row.get(1)?,
            role: row.get(2)?,
            created_at: row.get(3)?,
            last_login_at: row.get(4)?,
            disabled: row.get(5)?,
            password_hash: row.get(6)?,
        })
    }

    fn into_account(self) -> Result<(Account, String), StoreError> {
        let info = UserInfo {
            username: self.username,
            role: parse_enum("user role", self.role)?,
            created_at: format_time(self.created_at),
            last_login_at: self.last_login_at.map(format_time),
            disabled: self.disabled,
        };
        Ok((Account { id: self.id, info }, self.password_hash))
    }
}

impl Db {
    pub fn count_users(&self) -> Result<u64, StoreError> {
        let count: i64 = self.conn().query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?;
        Ok(count as u64)
    }

    /// Admins able to log in: the last one may be neither demoted nor disabled.
    pub fn count_enabled_admins(&self) -> Result<u64, StoreError> {
        let count: i64 = self.conn().query_row(
            "SELECT COUNT(*) FROM users WHERE role = ?1 AND disabled = 0",
            [Role::Admin.as_str()],
            |r| r.get(0),
        )?;
        Ok(count as u64)
    }

    /// Adds an account; a username taken in any case is a [`StoreError::Conflict`].
    pub fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        now_ms: i64,
    ) -> Result<Account, StoreError> {
        let conn = self.conn();
        let inserted = conn.execute(
            "INSERT INTO users (username, password_hash, role, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![username, password_hash, role.as_str(), now_ms],
        );
        match inserted {
            Err(e) if unique_violation(&e).is_some() => {
                Err(StoreError::Conflict(crate::msg!(UsernameTaken, username)))
            }
            Err(e) => Err(e.into()),
            Ok(_) => Ok(Account {
                id: conn.last_insert_rowid(),
                info: UserInfo {
                    username: username.to_owned(),
                    role,
                    created_at: format_time(now_ms),
                    last_login_at: None,
                    disabled: false,
                },
            }),
        }
    }

    /// The account named `username` in any case, with its PHC password hash.
    pub fn user_by_name(&self, username: &str) -> Result<Option<(Account, String)>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE username = ?1");
        let row = self.conn().query_row(&sql, [username], Row::read).optional()?;
        row.map(Row::into_account).transpose()
    }

    pub fn user_by_id(&self, id: i64) -> Result<Option<Account>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE id = ?1");
        let row = self.conn().query_row(&sql, [id], Row::read).optional()?;
        Ok(row.map(Row::into_account).transpose()?.map(|(account, _)| account))
    }

    /// Every account, by username (case-insensitively).
    pub fn list_users(&self) -> Result<Vec<Account>, StoreError> {
        let conn = self.conn();
        let mut statement = conn.prepare(&format!("SELECT {COLUMNS} FROM users ORDER BY username"))?;
        let rows = statement.query_map([], Row::read)?.collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter().map(|row| Ok(row.into_account()?.0)).collect()
    }

    pub fn set_password(&self, user_id: i64, password_hash: &str) -> Result<(), StoreError> {
        self.conn()
            .execute("UPDATE users SET password_hash = ?2 WHERE id = ?1", params![user_id, password_hash])?;
        Ok(())
    }

    pub fn set_role(&self, user_id: i64, role: Role) -> Result<(), StoreError> {
        self.conn().execute("UPDATE users SET role = ?2 WHERE id = ?1", params![user_id, role.as_str()])?;
        Ok(())
    }

    pub fn set_disabled(&self, user_id: i64, disabled: bool) -> Result<(), StoreError> {
        self.conn().execute("UPDATE users SET disabled = ?2 WHERE id = ?1", params![user_id, disabled])?;
        Ok(())
    }

    pub fn record_login(&self, user_id: i64, now_ms: i64) -> Result<(), StoreError> {
        self.conn().execute("UPDATE users SET last_login_at = ?2 WHERE id = ?1", params![user_id, now_ms])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::store::test_db as db;

    #[test]
    fn accounts_round_trip() {
        let (_dir, db) = db();
        assert_eq!(db.count_users().unwrap(), 0);
        let ana = db.create_user("Ana", "hash-a", Role::Admin, 1_000).unwrap();
        let bob = db.create_user("bob", "hash-b", Role::Viewer, 2_000).unwrap();
        assert_eq!(
            ana.info,
            UserInfo {
                username: "Ana".into(),
                role: Role::Admin,
                created_at: "1970-01-01T00:00:01.000Z".into(),
                last_login_at: None,
                disabled: false,
            }
        );
        assert_eq!(db.count_users().unwrap(), 2);
        assert_eq!(db.user_by_name("ANA").unwrap(), Some((ana.clone(), "hash-a".to_owned())));
        assert_eq!(db.user_by_id(bob.id).unwrap(), Some(bob.clone()));
        assert_eq!(db.user_by_name("carol").unwrap(), None);
        assert_eq!(db.user_by_id(999).unwrap(), None);

        db.set_password(bob.id, "hash-b2").unwrap();
        db.set_role(bob.id, Role::Operator).unwrap();
        db.record_login(bob.id, 3_000).unwrap();
        db.set_disabled(bob.id, true).unwrap();
        let (bob, hash) = db.user_by_name("bob").unwrap().unwrap();
        assert_eq!(hash, "hash-b2");
        assert_eq!(bob.info.role, Role::Operator);
        assert_eq!(bob.info.last_login_at.as_deref(), Some("1970-01-01T00:00:03.000Z"));
        assert!(bob.info.disabled);

        let names: Vec<String> = db.list_users().unwrap().into_iter().map(|a| a.info.username).collect();
        assert_eq!(names, ["Ana", "bob"]);
    }

    #[test]
    fn usernames_are_unique_regardless_of_case() {
        let (_dir, db) = db();
        db.create_user("ana", "h", Role::Viewer, 0).unwrap();
        let error = db.create_user("ANA", "h", Role::Admin, 0).unwrap_err();
        assert!(matches!(&error, StoreError::Conflict(_)), "{error:?}");
        assert_eq!(error.to_string(), "user \"ANA\" already exists");
        assert_eq!(db.count_users().unwrap(), 1);
    }

    #[test]
    fn only_enabled_admins_count_as_admins() {
        let (_dir, db) = db();
        let a = db.create_user("a", "h", Role::Admin, 0).unwrap();
        db.create_user("b", "h", Role::Admin, 0).unwrap();
        db.create_user("c", "h", Role::Operator, 0).unwrap();
        assert_eq!(db.count_enabled_admins().unwrap(), 2);
        db.set_disabled(a.id, true).unwrap();
        assert_eq!(db.count_enabled_admins().unwrap(), 1);
    }

    #[test]
    fn an_unknown_role_is_reported_not_guessed() {
        let (_dir, db) = db();
        db.conn()
            .execute(
                "INSERT INTO users (username, password_hash, role, created_at) VALUES ('x', 'h', 'root', 0)",
                [],
            )
            .unwrap();
        assert!(matches!(db.user_by_name("x"), Err(StoreError::Corrupt { what: "user role", .. })));
    }
}
