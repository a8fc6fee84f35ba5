//! API tokens: stored by the sha256 hex of their secret, found again by that hash on each request,
//! revoked by their public id. Revoked tokens stay listed (with `revoked_at`) for the record.

use rusqlite::{Connection, OptionalExtension, params};

use super::{Db, StoreError, format_time, parse_enum, unique_violation};
use crate::model::{Role, TokenInfo};

/// What [`Db::create_token`] stores; the secret itself never reaches the store.
#[derive(Clone, Debug)]
pub struct NewToken<'a> {
    pub public_id: &'a str,
    pub name: &'a str,
    pub secret_hash: &'a str,
    pub prefix: &'a str,
    pub role: Role,
    pub owner_id: i64,
    pub now_ms: i64,
    pub expires_ms: Option<i64>,
}

/// A token as the authentication layer needs it: whether it may still be used is decided there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredToken {
    pub info: TokenInfo,
    pub owner_id: i64,
    pub expires_ms: Option<i64>,
    pub last_used_ms: Option<i64>,
    pub revoked: bool,
}

const SELECT: &str = "SELECT t.public_id, t.name, t.role, u.username, t.prefix, t.created_at, t.expires_at, \
     t.last_used_at, t.revoked_at, t.owner_id FROM api_tokens t JOIN users u ON u.id = t.owner_id";

/// An `api_tokens` row joined with its owner's name, before its role is parsed.
struct Row {
    public_id: String,
    name: String,
    role: String,
    owner: String,
    prefix: String,
    created_at: i64,
    expires_at: Option<i64>,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
    owner_id: i64,
}

impl Row {
    fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
        Ok(Row {
            public_id: r.get(0)?,
            name: r.get(1)?,
            role: r.get(2)?,
            owner: r.get(3)?,
            prefix: r.get(4)?,
            created_at: r.get(5)?,
            expires_at: r.get(6)?,
            last_used_at: r.get(7)?,
            revoked_at: r.get(8)?,
            owner_id: r.get(9)?,
        })
    }

    fn into_stored(self) -> Result<StoredToken, StoreError> {
        let info = TokenInfo {
            id: self.public_id,
            name: self.name,
            role: parse_enum("token role", self.role)?,
            owner: self.owner,
            prefix: self.prefix,
            created_at: format_time(self.created_at),
            expires_at: self.expires_at.map(format_time),
            last_used_at: self.last_used_at.map(format_time),
            revoked_at: self.revoked_at.map(format_time),
        };
        Ok(StoredToken {
            info,
            owner_id: self.owner_id,
            expires_ms: self.expires_at,
            last_used_ms: self.last_used_at,
            revoked: self.revoked_at.is_some(),
        })
    }
}

fn token_where(conn: &Connection, column: &str, value: &str) -> Result<Option<StoredToken>, StoreError> {
    let sql = format!("{SELECT} WHERE t.{column} = ?1");
    let row = conn.query_row(&sql, [value], Row::read).optional()?;
    row.map(Row::into_stored).transpose()
}

impl Db {
    /// Stores a new token; a name already used by one of the owner's unrevoked tokens is a
    /// [`StoreError::Conflict`].
    pub fn create_token(&self, new: &NewToken<'_>) -> Result<TokenInfo, StoreError> {
        let conn = self.conn();
        let inserted = conn.execute(
            "INSERT INTO api_tokens (public_id, name, secret_hash, prefix, role, owner_id, created_at, expires_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                new.public_id,
                new.name,
                new.secret_hash,
                new.prefix,
                new.role.as_str(),
                new.owner_id,
                new.now_ms,
                new.expires_ms
            ],
        );
        if let Err(e) = inserted {
            // The public id and the secret hash are unique too, but random: only the name can clash.
            if unique_violation(&e).is_some_and(|message| message.contains("api_tokens.name")) {
                return Err(StoreError::Conflict(crate::msg!(TokenNameTaken, &new.name)));
            }
            return Err(e.into());
        }
        let stored = token_where(&conn, "public_id", new.public_id)?;
        Ok(stored.expect("the token was just inserted").info)
    }

    pub fn token_by_hash(&self, secret_hash: &str) -> Result<Option<StoredToken>, StoreError> {
        token_where(&self.conn(), "secret_hash", secret_hash)
    }

    pub fn token_by_public_id(&self, public_id: &str) -> Result<Option<StoredToken>, StoreError> {
        token_where(&self.conn(), "public_id", public_id)
    }

    /// Tokens of `owner_id`, or of everyone for `None`, newest first, revoked ones included.
    pub fn list_tokens(&self, owner_id: Option<i64>) -> Result<Vec<TokenInfo>, StoreError> {
        let conn = self.conn();
        let rows = match owner_id {
            Some(owner_id) => {
                let sql = format!("{SELECT} WHERE t.owner_id = ?1 ORDER BY t.created_at DESC, t.id DESC");
                conn.prepare(&sql)?.query_map([owner_id], Row::read)?.collect::<rusqlite::Result<Vec<_>>>()?
            }
            None => {
                let sql = format!("{SELECT} ORDER BY t.created_at DESC, t.id DESC");
                conn.prepare(&sql)?.query_map([], Row::read)?.collect::<rusqlite::Result<Vec<_>>>()?
            }
        };
        rows.into_iter().map(|row| Ok(row.into_stored()?.info)).collect()
    }

    /// Revokes a token; `false` if it is unknown or already revoked.
    pub fn revoke_token(&self, public_id: &str, now_ms: i64) -> Result<bool, StoreError> {
        let changed = self.conn().execute(
            "UPDATE api_tokens SET revoked_at = ?2 WHERE public_id = ?1 AND revoked_at IS NULL",
            params![public_id, now_ms],
        )?;
        Ok(changed > 0)
    }

    pub fn touch_token(&self, public_id: &str, now_ms: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE api_tokens SET last_used_at = ?2 WHERE public_id = ?1",
            params![public_id, now_ms],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::store::test_db as db;

    fn new<'a>(public_id: &'a str, name: &'a str, owner_id: i64, now_ms: i64) -> NewToken<'a> {
        NewToken {
            public_id,
            name,
            secret_hash: public_id,
            prefix: "rmt_AbCd",
            role: Role::Operator,
            owner_id,
            now_ms,
            expires_ms: None,
        }
    }

    #[test]
    fn tokens_are_found_by_hash_and_by_public_id() {
        let (_dir, db) = db();
        let ana = db.create_user("ana", "h", Role::Admin, 0).unwrap();
        let created = db
            .create_token(&NewToken {
                secret_hash: "hash-1",
                expires_ms: Some(90_000),
                ..new("p1", "ci", ana.id, 1_000)
            })
            .unwrap();
        assert_eq!(
            created,
            TokenInfo {
                id: "p1".into(),
                name: "ci".into(),
                role: Role::Operator,
                owner: "ana".into(),
                prefix: "rmt_AbCd".into(),
                created_at: format_time(1_000),
                expires_at: Some(format_time(90_000)),
                last_used_at: None,
                revoked_at: None,
            }
        );
        let stored = db.token_by_hash("hash-1").unwrap().unwrap();
        assert_eq!(
            stored,
            StoredToken {
                info: created.clone(),
                owner_id: ana.id,
                expires_ms: Some(90_000),
                last_used_ms: None,
                revoked: false
            }
        );
        assert_eq!(db.token_by_public_id("p1").unwrap(), Some(stored));
        assert_eq!(db.token_by_hash("p1").unwrap(), None);
        assert_eq!(db.token_by_public_id("hash-1").unwrap(), None);

        db.touch_token("p1", 5_000).unwrap();
        let used = db.token_by_hash("hash-1").unwrap().unwrap();
        assert_eq!(used.info.last_used_at, Some(format_time(5_000)));
    }

    #[test]
    fn revoking_marks_the_token_once_and_frees_its_name() {
        let (_dir, db) = db();
        let ana = db.create_user("ana", "h", Role::Admin, 0).unwrap();
        db.create_token(&new("p1", "ci", ana.id, 1_000)).unwrap();

        let error = db.create_token(&new("p2", "ci", ana.id, 2_000)).unwrap_err();
        assert!(matches!(&error, StoreError::Conflict(_)), "{error:?}");
        assert_eq!(error.to_string(), "a token named \"ci\" already exists");

        assert!(db.revoke_token("p1", 3_000).unwrap());
        assert!(!db.revoke_token("p1", 4_000).unwrap());
        assert!(!db.revoke_token("nope", 4_000).unwrap());
        let revoked = db.token_by_public_id("p1").unwrap().unwrap();
        assert!(revoked.revoked);
        assert_eq!(revoked.info.revoked_at, Some(format_time(3_000)));

        db.create_token(&new("p2", "ci", ana.id, 5_000)).unwrap();
    }

    #[test]
    fn another_owner_may_reuse_a_name() {
        let (_dir, db) = db();
        let ana = db.create_user("ana", "h", Role::Admin, 0).unwrap();
        let bob = db.create_user("bob", "h", Role::Admin, 0).unwrap();
        db.create_token(&new("p1", "ci", ana.id, 1_000)).unwrap();
        db.create_token(&new("p2", "ci", bob.id, 1_000)).unwrap();
    }

    #[test]
    fn tokens_list_newest_first_by_owner_or_all() {
        let (_dir, db) = db();
        let ana = db.create_user("ana", "h", Role::Admin, 0).unwrap();
        let bob = db.create_user("bob", "h", Role::Viewer, 0).unwrap();
        db.create_token(&new("a-old", "one", ana.id, 1_000)).unwrap();
        db.create_token(&new("b", "two", bob.id, 2_000)).unwrap();
        db.create_token(&new("a-new", "three", ana.id, 3_000)).unwrap();
        db.revoke_token("a-new", 4_000).unwrap();

        let ids =
            |owner| -> Vec<String> { db.list_tokens(owner).unwrap().into_iter().map(|t| t.id).collect() };
        assert_eq!(ids(Some(ana.id)), ["a-new", "a-old"]);
        assert_eq!(ids(Some(bob.id)), ["b"]);
        assert_eq!(ids(None), ["a-new", "b", "a-old"]);
        let all = db.list_tokens(None).unwrap();
        assert_eq!(all[1].owner, "bob");
    }

    #[test]
    fn deleting_a_user_deletes_their_tokens() {
        let (_dir, db) = db();
        let ana = db.create_user("ana", "h", Role::Admin, 0).unwrap();
        db.create_token(&new("p1", "ci", ana.id, 1_000)).unwrap();
        db.conn().execute("DELETE FROM users WHERE id = ?1", [ana.id]).unwrap();
        assert_eq!(db.token_by_public_id("p1").unwrap(), None);
    }
}
