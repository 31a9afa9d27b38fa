//! Embedded, ordered schema migrations. Migration N brings `user_version` from N-1 to N in
//! one transaction, so a crash mid-way leaves the previous version intact.

use std::path::Path;

use rusqlite::Connection;

use super::StoreError;

/// The migrations, in order; the schema version is their count.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_initial.sql"),
    include_str!("migrations/002_docs.sql"),
    include_str!("migrations/003_remote_repos.sql"),
    include_str!("migrations/004_search_buffer.sql"),
    include_str!("migrations/005_inactive_definitions.sql"),
    include_str!("migrations/006_no_index_of_every_definition.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let mut version = check_version(conn, path)?;
    while version < SCHEMA_VERSION {
        let tx = conn.transaction()?;
        tx.execute_batch(MIGRATIONS[version as usize])?;
        version += 1;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

/// The file's schema version, refusing one newer than this build knows.
pub(super) fn check_version(conn: &Connection, path: &Path) -> Result<i64, StoreError> {
    let found: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(|e| StoreError::Corrupt {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.to_owned(),
            found,
            known: SCHEMA_VERSION,
        });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_from_every_older_version_and_refuses_newer_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        for start in 0..SCHEMA_VERSION {
            let path = dir.path().join(format!("from-{start}.db"));
            let mut conn = Connection::open(&path).expect("open");
            for migration in &MIGRATIONS[..start as usize] {
                conn.execute_batch(migration).expect("older schema");
            }
            conn.pragma_update(None, "user_version", start)
                .expect("version");
            migrate(&mut conn, &path).expect("migrates");
            let version: i64 = conn
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .expect("version");
            assert_eq!(version, SCHEMA_VERSION);
            let count: i64 = conn
                .query_row("SELECT count(*) FROM entities", [], |r| r.get(0))
                .expect("schema usable");
            assert_eq!(count, 0);
        }
        let path = dir.path().join("newer.db");
        let mut conn = Connection::open(&path).expect("open");
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .expect("version");
        let error = migrate(&mut conn, &path).expect_err("newer schema refused");
        assert!(
            error.to_string().contains("written by a newer Greenroom"),
            "{error}"
        );
    }
}
