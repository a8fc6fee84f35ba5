//! The tag count index's rows (`repository_tag_counts`): each repository's tag count as last seen,
//! per registry. What the counts mean and when they are trusted lives in `browse/index.rs`; this
//! only stores.

use rusqlite::params;

use super::{Db, StoreError};

/// One repository's count, and when it was read from the registry (unix milliseconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredTagCount {
    pub repository: String,
    pub tag_count: usize,
    pub checked_at_ms: i64,
}

impl Db {
    /// Every count kept for `registry`.
    pub fn tag_counts(&self, registry: &str) -> Result<Vec<StoredTagCount>, StoreError> {
        let conn = self.conn();
        let mut statement = conn.prepare(
            "SELECT repository, tag_count, checked_at FROM repository_tag_counts WHERE registry = ?1",
        )?;
        let rows = statement.query_map([registry], |r| {
            Ok(StoredTagCount {
                repository: r.get(0)?,
                tag_count: r.get::<_, i64>(1)?.max(0) as usize,
                checked_at_ms: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Writes counts and forgets repositories, in one transaction. A count older than the one kept
    /// does not replace it (batches written out of order keep the newest).
    pub fn update_tag_counts(
        &self,
        registry: &str,
        counts: &[StoredTagCount],
        forget: &[String],
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let transaction = conn.transaction()?;
        {
            let mut upsert = transaction.prepare_cached(
                "INSERT INTO repository_tag_counts (registry, repository, tag_count, checked_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (registry, repository) DO UPDATE
                 SET tag_count = excluded.tag_count, checked_at = excluded.checked_at
                 WHERE excluded.checked_at >= repository_tag_counts.checked_at",
            )?;
            for count in counts {
                upsert.execute(params![
                    registry,
                    count.repository,
                    count.tag_count as i64,
                    count.checked_at_ms
                ])?;
            }
            let mut delete = transaction.prepare_cached(
                "DELETE FROM repository_tag_counts WHERE registry = ?1 AND repository = ?2",
            )?;
            for repository in forget {
                delete.execute(params![registry, repository])?;
            }
        }
        transaction.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::store::test_db;

    fn count(repository: &str, tag_count: usize, checked_at_ms: i64) -> StoredTagCount {
        StoredTagCount { repository: repository.to_owned(), tag_count, checked_at_ms }
    }

    #[test]
    fn counts_are_kept_per_registry_newest_first_and_forgotten() {
        let (_dir, db) = test_db();
        db.update_tag_counts("http://a/", &[count("x", 3, 10), count("y", 0, 10)], &[]).unwrap();
        db.update_tag_counts("http://b/", &[count("x", 7, 10)], &[]).unwrap();
        // An older read arriving late does not replace a newer one.
        db.update_tag_counts("http://a/", &[count("x", 9, 5), count("y", 2, 20)], &[]).unwrap();
        let mut a = db.tag_counts("http://a/").unwrap();
        a.sort_by(|l, r| l.repository.cmp(&r.repository));
        assert_eq!(a, [count("x", 3, 10), count("y", 2, 20)]);
        db.update_tag_counts("http://a/", &[], &["x".to_owned()]).unwrap();
        assert_eq!(db.tag_counts("http://a/").unwrap(), [count("y", 2, 20)]);
        assert_eq!(db.tag_counts("http://b/").unwrap(), [count("x", 7, 10)]);
    }
}
