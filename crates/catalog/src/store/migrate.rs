//! Embedded, ordered schema migrations. Migration N brings `user_version` from N-1 to N in
//! one transaction, so a crash mid-way leaves the previous version intact.

use std::path::Path;

use rusqlite::{Connection, Transaction, params};

use super::StoreError;
use super::stored::{body_and_hash, search_text, tags_json, unlocate};
use crate::model::entity::Entity;

/// One migration: SQL, or what SQL cannot do (rows made again by the catalog's own code).
enum Migration {
    Sql(&'static str),
    Code(fn(&Transaction<'_>) -> Result<(), StoreError>),
}

/// The migrations, in order; the schema version is their count.
const MIGRATIONS: &[Migration] = &[
    Migration::Sql(include_str!("migrations/001_initial.sql")),
    Migration::Sql(include_str!("migrations/002_docs.sql")),
    Migration::Sql(include_str!("migrations/003_remote_repos.sql")),
    Migration::Sql(include_str!("migrations/004_search_buffer.sql")),
    Migration::Sql(include_str!("migrations/005_inactive_definitions.sql")),
    Migration::Sql(include_str!(
        "migrations/006_no_index_of_every_definition.sql"
    )),
    Migration::Code(store_bodies_without_location),
    Migration::Code(tags_in_entity_rows),
    Migration::Code(search_rows_made_again),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let mut version = check_version(conn, path)?;
    while version < SCHEMA_VERSION {
        let tx = conn.transaction()?;
        apply(&tx, &MIGRATIONS[version as usize])?;
        version += 1;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

fn apply(tx: &Transaction<'_>, migration: &Migration) -> Result<(), StoreError> {
    match migration {
        Migration::Sql(sql) => Ok(tx.execute_batch(sql)?),
        Migration::Code(code) => code(tx),
    }
}

/// Version 7: entities are stored without their two location annotations
/// (`backstage.io/managed-by-location` and `managed-by-origin-location`), which were a third
/// of every body; readers make them again from the row's repository and file. Every body is
/// rewritten, with its hash (so that the next index does not see every entity as changed).
/// A body that does not parse is left as it is, so that the catalog still opens: reading
/// that entity says it is damaged, as before.
fn store_bodies_without_location(tx: &Transaction<'_>) -> Result<(), StoreError> {
    let mut read = tx.prepare("SELECT id, body FROM entities")?;
    let mut update = tx.prepare("UPDATE entities SET body = ?2, hash = ?3 WHERE id = ?1")?;
    let mut rows = read.query([])?;
    while let Some(row) = rows.next()? {
        let (id, body): (i64, String) = (row.get(0)?, row.get(1)?);
        let Ok(mut entity) = serde_json::from_str::<Entity>(&body) else {
            continue;
        };
        unlocate(&mut entity);
        let (json, hash) = body_and_hash(&entity)?;
        update.execute(params![id, json, hash])?;
    }
    Ok(())
}

/// Version 8: an entity's tags are a JSON array in its row (`entities.tags`, which held
/// them space-separated) instead of rows of their own (`entity_tags`): filters and facets
/// read them with `json_each`, and a write no longer inserts (and indexes) a row per tag,
/// which cost a 50,000-entity import about 6% of its time.
fn tags_in_entity_rows(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.execute_batch("DROP TABLE entity_tags")?;
    let mut read = tx.prepare("SELECT id, tags FROM entities")?;
    let mut update = tx.prepare("UPDATE entities SET tags = ?2 WHERE id = ?1")?;
    let mut rows = read.query([])?;
    while let Some(row) = rows.next()? {
        let (id, tags): (i64, String) = (row.get(0)?, row.get(1)?);
        update.execute(params![id, tags_json(tags.split_whitespace())])?;
    }
    Ok(())
}

/// Version 9: references and namespaces are searched by what they name (see
/// [`search_text`]); every shown entity's search row is made again, so that search finds
/// every entity the same way, not only those indexed since.
fn search_rows_made_again(tx: &Transaction<'_>) -> Result<(), StoreError> {
    // All at once: deleting rows one by one from a contentless index costs it a tombstone
    // each (six seconds for 50,000 entities, against well under one this way).
    tx.execute_batch("INSERT INTO entity_search (entity_search) VALUES ('delete-all')")?;
    let mut read =
        tx.prepare("SELECT id, name, title, description, body FROM entities WHERE active = 1")?;
    let mut insert = tx.prepare(
        "INSERT INTO entity_search (rowid, name, title, description, body) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut rows = read.query([])?;
    while let Some(row) = rows.next()? {
        // A damaged body (reading that entity says so) is still found by its columns.
        let body: String = row.get(4)?;
        let text = serde_json::from_str::<Entity>(&body)
            .map(|entity| search_text(&entity))
            .unwrap_or_default();
        insert.execute(params![
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, Option<String>>(2)?,
            row.get::<_, Option<String>>(3)?,
            text
        ])?;
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
    use rusqlite::OptionalExtension;

    /// A catalog file at schema `version` holding the rows `sql` inserts.
    fn catalog_at(dir: &Path, version: usize, sql: &str) -> std::path::PathBuf {
        let path = dir.join("catalog.db");
        let mut conn = Connection::open(&path).expect("open");
        let tx = conn.transaction().expect("transaction");
        for migration in &MIGRATIONS[..version] {
            apply(&tx, migration).expect("older schema");
        }
        tx.execute_batch(sql).expect("rows of the older schema");
        tx.pragma_update(None, "user_version", version as i64)
            .expect("version");
        tx.commit().expect("commit");
        path
    }

    #[test]
    fn migrates_from_every_older_version_and_refuses_newer_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        for start in 0..SCHEMA_VERSION {
            let path = dir.path().join(format!("from-{start}.db"));
            let mut conn = Connection::open(&path).expect("open");
            {
                let tx = conn.transaction().expect("transaction");
                for migration in &MIGRATIONS[..start as usize] {
                    apply(&tx, migration).expect("older schema");
                }
                tx.commit().expect("commit");
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

    #[test]
    fn version_7_stores_entities_without_location_annotations() {
        let dir = tempfile::tempdir().expect("tempdir");
        let located = r#"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"payments","namespace":"default","title":"Payments gateway","annotations":{"backstage.io/managed-by-location":"file:/src/pay/catalog-info.yaml","backstage.io/managed-by-origin-location":"file:/src/pay/catalog-info.yaml","backstage.io/techdocs-ref":"dir:."}},"spec":{"type":"service","lifecycle":"production","owner":"team-a"}}"#;
        let path = catalog_at(
            dir.path(),
            6,
            &format!(
                "INSERT INTO sources (id, kind, target, name, added_at) VALUES (1, 'folder', '/src', 'src', 0);
                 INSERT INTO repos (id, source_id, path, name, location, fingerprint, indexed_at)
                     VALUES (1, 1, 'pay', 'pay', 'file:/src/pay/', '-', 0);
                 INSERT INTO files (id, repo_id, path, content_hash) VALUES (1, 1, 'catalog-info.yaml', '-');
                 INSERT INTO entities (id, ref, kind, namespace, name, title, source_id, repo_id, file_id, active, hash, body)
                     VALUES (1, 'component:default/payments', 'Component', 'default', 'payments', 'Payments gateway',
                             1, 1, 1, 1, 'old', '{located}');
                 INSERT INTO entities (id, ref, kind, namespace, name, source_id, repo_id, file_id, active, hash, body)
                     VALUES (2, 'component:default/damaged', 'Component', 'default', 'damaged', 1, 1, 1, 1, 'old', '{{not json');
                 INSERT INTO entity_search (rowid, name, title, description, body)
                     VALUES (1, 'payments', 'Payments gateway', NULL, 'Component default service');
"
            ),
        );

        let catalog = crate::store::Catalog::open(&path).expect("migrates, past a damaged body");
        let damaged: String = catalog
            .conn
            .query_row("SELECT body FROM entities WHERE id = 2", [], |r| r.get(0))
            .expect("row");
        assert_eq!(damaged, "{not json", "left as it was");
        assert!(catalog.entity("component:default/damaged").is_err());
        let (body, hash): (String, String) = catalog
            .conn
            .query_row("SELECT body, hash FROM entities WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .expect("row");
        assert!(!body.contains("managed-by"), "{body}");
        assert!(body.contains("backstage.io/techdocs-ref"), "{body}");
        assert_eq!(hash, blake3::hash(body.as_bytes()).to_hex().to_string());
        let record = catalog
            .entity("component:default/payments")
            .expect("read")
            .expect("shown");
        for key in [
            "backstage.io/managed-by-location",
            "backstage.io/managed-by-origin-location",
        ] {
            assert_eq!(
                record.entity.annotation(key),
                Some("file:/src/pay/catalog-info.yaml"),
                "{key}"
            );
        }
        assert_eq!(catalog.search("gatew", 10).expect("search").len(), 1);
    }

    #[test]
    fn version_8_keeps_tags_in_entity_rows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = catalog_at(
            dir.path(),
            7,
            r#"INSERT INTO sources (id, kind, target, name, added_at) VALUES (1, 'folder', '/src', 'src', 0);
                 INSERT INTO entities (id, ref, kind, namespace, name, tags, source_id, active, hash, body)
                     VALUES (1, 'component:default/a', 'Component', 'default', 'a', 'rust payments', 1, 1, '-',
                             '{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"a","tags":["rust","payments"]}}'),
                            (2, 'component:default/b', 'Component', 'default', 'b', '', 1, 1, '-',
                             '{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"b"}}');
                 INSERT INTO entity_tags (entity_id, tag) VALUES (1, 'rust'), (1, 'payments');"#,
        );

        let catalog = crate::store::Catalog::open(&path).expect("migrates");
        let tags: Vec<String> = catalog
            .conn
            .prepare("SELECT tags FROM entities ORDER BY id")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .expect("tags");
        assert_eq!(tags, [r#"["rust","payments"]"#, "[]"]);
        let table: Option<String> = catalog
            .conn
            .query_row(
                "SELECT name FROM sqlite_schema WHERE name = 'entity_tags'",
                [],
                |r| r.get(0),
            )
            .optional()
            .expect("schema");
        assert_eq!(table, None);
        let query = crate::store::EntityQuery {
            tags: vec!["payments".into()],
            ..Default::default()
        };
        let page = catalog.list(&query).expect("list by tag");
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.items[0].tags, ["rust", "payments"]);
    }

    #[test]
    fn version_9_makes_search_rows_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = catalog_at(
            dir.path(),
            8,
            r#"INSERT INTO sources (id, kind, target, name, added_at) VALUES (1, 'folder', '/src', 'src', 0);
                 INSERT INTO entities (id, ref, kind, namespace, name, description, tags, source_id, active, hash, body)
                     VALUES (1, 'component:default/pay', 'Component', 'default', 'pay', 'Takes payments', '[]', 1, 1, '-',
                             '{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"pay","description":"Takes payments"},"spec":{"type":"service","lifecycle":"production","owner":"group:default/team-a"}}');
                 INSERT INTO entities (id, ref, kind, namespace, name, tags, source_id, active, hash, body)
                     VALUES (2, 'component:default/broken', 'Component', 'default', 'broken', '[]', 1, 1, '-', '{not json');
                 INSERT INTO entity_search (rowid, name, title, description, body)
                     VALUES (1, 'pay', NULL, 'Takes payments', 'Component default service production group:default/team-a'),
                            (2, 'broken', NULL, NULL, 'Component default');"#,
        );

        let catalog = crate::store::Catalog::open(&path).expect("migrates");
        let found = |text: &str| catalog.search(text, 5).expect("search").len();
        assert_eq!(found("default"), 0);
        assert_eq!(found("group"), 0);
        assert_eq!(found("team-a"), 1);
        assert_eq!(found("payments"), 1);
        assert_eq!(found("pay"), 1);
        assert_eq!(
            found("broken"),
            1,
            "a damaged entity is still found by its name"
        );
    }
}
