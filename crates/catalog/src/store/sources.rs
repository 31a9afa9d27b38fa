//! The sources of a catalog: what the user added, and how each last indexed.

use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use super::{Catalog, StoreError, now_millis};

/// A repository as the last index left it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoState {
    /// Summary of what was read.
    pub fingerprint: String,
    /// What was read (JSON), to recompute the fingerprint.
    pub watch: String,
    /// The commit then.
    pub head: Option<String>,
    /// The branch then.
    pub branch: Option<String>,
    /// The repository's name.
    pub name: String,
    /// When (ms since the epoch).
    pub indexed_at: i64,
}

/// What kind of place a source reads from.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// A local folder holding Git repositories.
    Folder,
    /// A remote Git repository, cloned into the cache.
    Remote,
    /// An imported catalog snapshot.
    Snapshot,
    /// Users and groups imported from an organisation directory.
    Org,
}

impl SourceKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Folder => "folder",
            SourceKind::Remote => "remote",
            SourceKind::Snapshot => "snapshot",
            SourceKind::Org => "org",
        }
    }

    fn parse(text: &str) -> SourceKind {
        match text {
            "remote" => SourceKind::Remote,
            "snapshot" => SourceKind::Snapshot,
            "org" => SourceKind::Org,
            _ => SourceKind::Folder,
        }
    }
}

/// A source to add.
#[derive(Debug, Clone)]
pub struct NewSource {
    /// What kind of source.
    pub kind: SourceKind,
    /// Where it reads from: an absolute folder path, a URL, a snapshot id.
    pub target: String,
    /// What people call it.
    pub name: String,
    /// Kind-specific settings (descriptor globs, branch, ...).
    pub settings: serde_json::Value,
    /// Conflict priority; higher wins.
    pub priority: i64,
}

/// A source as stored, with counts of what it contributes.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceRecord {
    /// Stable id.
    pub id: i64,
    /// What kind of source.
    pub kind: SourceKind,
    /// Where it reads from.
    pub target: String,
    /// What people call it.
    pub name: String,
    /// Kind-specific settings.
    pub settings: serde_json::Value,
    /// Conflict priority; higher wins.
    pub priority: i64,
    /// When it was added (ms since the epoch).
    pub added_at: i64,
    /// When it last indexed successfully.
    pub indexed_at: Option<i64>,
    /// Why the last index failed, if it did.
    pub index_error: Option<String>,
    /// Repositories found.
    pub repo_count: i64,
    /// Entities it defines that the catalog shows.
    pub entity_count: i64,
    /// Its errors.
    pub error_count: i64,
    /// Its warnings.
    pub warning_count: i64,
}

const SOURCE_COLUMNS: &str = "s.id, s.kind, s.target, s.name, s.settings, s.priority, s.added_at, s.indexed_at, s.index_error,
    (SELECT count(*) FROM repos r WHERE r.source_id = s.id),
    (SELECT count(*) FROM entities e WHERE e.source_id = s.id AND e.active = 1),
    (SELECT count(*) FROM problems p WHERE p.source_id = s.id AND p.severity = 'error'),
    (SELECT count(*) FROM problems p WHERE p.source_id = s.id AND p.severity = 'warning')";

fn source_row(row: &Row<'_>) -> rusqlite::Result<SourceRecord> {
    let settings: String = row.get(4)?;
    Ok(SourceRecord {
        id: row.get(0)?,
        kind: SourceKind::parse(&row.get::<_, String>(1)?),
        target: row.get(2)?,
        name: row.get(3)?,
        settings: serde_json::from_str(&settings).unwrap_or(serde_json::Value::Null),
        priority: row.get(5)?,
        added_at: row.get(6)?,
        indexed_at: row.get(7)?,
        index_error: row.get(8)?,
        repo_count: row.get(9)?,
        entity_count: row.get(10)?,
        error_count: row.get(11)?,
        warning_count: row.get(12)?,
    })
}

impl Catalog {
    /// Adds a source; its target must not be a source already.
    pub fn add_source(&mut self, source: &NewSource) -> Result<SourceRecord, StoreError> {
        let inserted = self.conn.execute(
            "INSERT INTO sources (kind, target, name, settings, priority, added_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (target) DO NOTHING",
            params![
                source.kind.as_str(),
                source.target,
                source.name,
                source.settings.to_string(),
                source.priority,
                now_millis()
            ],
        )?;
        if inserted == 0 {
            return Err(StoreError::DuplicateSource(source.target.clone()));
        }
        let id = self.conn.last_insert_rowid();
        self.record_change("source", &id.to_string())?;
        self.source(id)?
            .ok_or_else(|| StoreError::NoSuchSource(id.to_string()))
    }

    /// Every source, oldest first.
    pub fn sources(&self) -> Result<Vec<SourceRecord>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {SOURCE_COLUMNS} FROM sources s ORDER BY s.id"
        ))?;
        let rows = stmt
            .query_map([], source_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// One source by id.
    pub fn source(&self, id: i64) -> Result<Option<SourceRecord>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {SOURCE_COLUMNS} FROM sources s WHERE s.id = ?1"),
                [id],
                source_row,
            )
            .optional()?)
    }

    /// A source by id, target or name (as people type them in commands).
    pub fn find_source(&self, text: &str) -> Result<SourceRecord, StoreError> {
        let sources = self.sources()?;
        let found = sources
            .iter()
            .find(|s| s.id.to_string() == text)
            .or_else(|| sources.iter().find(|s| s.target == text))
            .or_else(|| sources.iter().find(|s| s.name == text));
        found
            .cloned()
            .ok_or_else(|| StoreError::NoSuchSource(text.to_owned()))
    }

    /// Changes a source's conflict priority (higher wins) and re-decides its conflicts.
    pub fn set_source_priority(&mut self, id: i64, priority: i64) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let updated = tx.execute(
            "UPDATE sources SET priority = ?2 WHERE id = ?1",
            params![id, priority],
        )?;
        if updated == 0 {
            return Err(StoreError::NoSuchSource(id.to_string()));
        }
        let refs: Vec<String> = {
            let mut stmt = tx.prepare("SELECT DISTINCT ref FROM entities WHERE source_id = ?1")?;
            stmt.query_map([id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        let mut writer = super::write::Writer::new(&tx)?;
        for r in &refs {
            writer.resolve(r)?;
        }
        let settled = writer.finish()?;
        super::changes::record(&tx, &settled.rows)?;
        tx.commit()?;
        Ok(())
    }

    /// Removes a source and everything it contributed, in one transaction.
    pub fn remove_source(&mut self, id: i64) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let ids: Vec<i64> = {
            let mut stmt = tx.prepare("SELECT id FROM entities WHERE source_id = ?1")?;
            stmt.query_map([id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        let mut writer = super::write::Writer::new(&tx)?;
        for entity_id in &ids {
            writer.delete_entity(*entity_id)?;
        }
        // The docs search index has no foreign keys: remove the rows of the source's sites
        // before the sites go with the source.
        tx.execute(
            "DELETE FROM doc_search WHERE rowid IN (SELECT s.id FROM doc_sections s JOIN doc_sites d ON d.id = s.site_id
                                                     WHERE d.source_id = ?1)",
            [id],
        )?;
        let removed = tx.execute("DELETE FROM sources WHERE id = ?1", [id])?;
        if removed == 0 {
            return Err(StoreError::NoSuchSource(id.to_string()));
        }
        let mut changed = writer.finish()?.rows;
        changed.push(("source", id.to_string()));
        super::changes::record(&tx, &changed)?;
        tx.commit()?;
        Ok(())
    }

    /// Records that a source's index failed as a whole (e.g. its folder is gone), keeping
    /// what it contributed before.
    pub fn set_index_error(&mut self, id: i64, error: Option<&str>) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE sources SET index_error = ?2 WHERE id = ?1",
            params![id, error],
        )?;
        self.record_change("source", &id.to_string())?;
        Ok(())
    }

    /// What each repository of a source looked like when last indexed.
    pub fn repo_states(
        &self,
        source_id: i64,
    ) -> Result<std::collections::HashMap<String, RepoState>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT path, fingerprint, watch, head_commit, branch, name, indexed_at FROM repos WHERE source_id = ?1",
        )?;
        let rows = stmt
            .query_map([source_id], |r| {
                Ok((
                    r.get(0)?,
                    RepoState {
                        fingerprint: r.get(1)?,
                        watch: r.get(2)?,
                        head: r.get(3)?,
                        branch: r.get(4)?,
                        name: r.get(5)?,
                        indexed_at: r.get(6)?,
                    },
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }
}
