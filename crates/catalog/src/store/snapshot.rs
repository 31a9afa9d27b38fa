//! Snapshots in the store: what an export reads (the shown entities of some sources, with
//! their repositories, files, relations and problems), and an import written as one
//! source (entities and docs) in one transaction.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};

use rusqlite::{OptionalExtension, params};
use serde_json::value::RawValue;

use super::docs::{put_site, remove_sites_except};
use super::sources::NewSource;
use super::write::{RepoIndex, WriteStats, replace_problems, write_source};
use super::{Catalog, DocSection, NewDocSite, StoreError};
use crate::descriptor::FileProblem;
use crate::problem::{Problem, Severity};
use crate::snapshot::{
    CatalogContent, Counts, SnapshotEntity, SnapshotFile, SnapshotRelation, SnapshotRepo,
    SourceSummary,
};

/// What an export read from the catalog.
#[derive(Debug, Clone)]
pub struct ExportedCatalog {
    /// The content, in a stable order (the same catalog gives the same content).
    pub content: CatalogContent,
    /// When its newest repository was read (ms since the epoch).
    pub created_at: i64,
    /// The sources it comes from.
    pub sources: Vec<SourceSummary>,
    /// Its counts (docs counts left at 0).
    pub counts: Counts,
}

/// An imported snapshot to write as one source.
#[derive(Debug, Clone)]
pub struct SnapshotWrite<P = Vec<SnapshotPart<RepoIndex>>> {
    /// The snapshot source it replaces, if any.
    pub existing: Option<i64>,
    /// The source: its target, name and settings (and priority, for a new one).
    pub source: NewSource,
    /// What to write, in order: chunks of repositories as validated from the snapshot (any
    /// iterator: they may still be being read while the first ones are written), then how
    /// reading ended. Nothing is kept unless the last part is [`SnapshotPart::End`].
    pub parts: P,
    /// How many entities the parts hold (the manifest says): a large write into a smaller
    /// catalog rebuilds the ref indexes once instead of updating them per entity.
    pub entities: usize,
    /// Its docs sites.
    pub sites: Vec<SnapshotSiteWrite>,
}

/// A part of an imported snapshot, as reading it hands them to the writer.
#[derive(Debug, Clone)]
pub enum SnapshotPart<R> {
    /// Repositories, validated.
    Repos(Vec<R>),
    /// Reading ended with the whole snapshot checked; these are the problems of the
    /// exported sources as a whole.
    End(Vec<Problem>),
    /// Reading found the snapshot unsound after parts of it were handed out: nothing is
    /// written.
    Refused,
}

/// A docs site of an imported snapshot.
#[derive(Debug, Clone)]
pub struct SnapshotSiteWrite {
    /// The site (its `source_id` is set when written).
    pub site: NewDocSite,
    /// Entities that show it.
    pub entities: Vec<String>,
    /// Its pages and sections, for search.
    pub sections: Vec<DocSection>,
}

/// What writing an imported snapshot did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotWritten {
    /// The snapshot's source.
    pub source_id: i64,
    /// Whether the source is new.
    pub created: bool,
    /// Entities added, updated and removed.
    pub stats: WriteStats,
    /// Entities of the snapshot that another source also defines and that the other
    /// source's definition wins (by default, local definitions win).
    pub shadowed: usize,
    /// Entities of other sources that the snapshot's definition hides.
    pub overriding: usize,
    /// The first conflicting refs (either way), for a summary.
    pub conflicts: Vec<String>,
}

const MAX_LISTED_CONFLICTS: usize = 100;
/// From how many entities a snapshot is written in bulk (see [`SnapshotWrite::entities`]).
const BULK_ENTITIES: usize = 10_000;

impl Catalog {
    /// Reads the shown entities of `sources` (all sources when empty) with their
    /// repositories, files, relations and problems (conflicts left out: an importing
    /// catalog decides its own).
    pub fn export_catalog(&self, sources: &[i64]) -> Result<ExportedCatalog, StoreError> {
        let chosen = if sources.is_empty() {
            let mut stmt = self.conn.prepare("SELECT id FROM sources ORDER BY id")?;
            stmt.query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<i64>>>()?
        } else {
            for id in sources {
                if self.source(*id)?.is_none() {
                    return Err(StoreError::NoSuchSource(id.to_string()));
                }
            }
            sources.to_vec()
        };
        let ids = serde_json::to_string(&chosen).unwrap_or_else(|_| "[]".to_owned());
        let in_chosen = "IN (SELECT value FROM json_each(?1))";

        struct RepoRow {
            repo: SnapshotRepo,
            indexed_at: i64,
        }
        let mut repos: HashMap<i64, RepoRow> = HashMap::new();
        {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT r.id, s.name, r.path, r.name, r.head_commit, r.branch, r.remote_url, r.location, r.indexed_at
                   FROM repos r JOIN sources s ON s.id = r.source_id WHERE r.source_id {in_chosen}"
            ))?;
            let rows = stmt.query_map([&ids], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    RepoRow {
                        repo: SnapshotRepo {
                            path: r.get(2)?,
                            name: r.get(3)?,
                            source: r.get(1)?,
                            head: r.get(4)?,
                            branch: r.get(5)?,
                            remote_url: r.get(6)?,
                            location: r.get(7)?,
                            files: Vec::new(),
                            problems: Vec::new(),
                        },
                        indexed_at: r.get(8)?,
                    },
                ))
            })?;
            for row in rows {
                let (id, row) = row?;
                repos.insert(id, row);
            }
        }
        let mut files: HashMap<i64, (i64, SnapshotFile)> = HashMap::new();
        {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT f.id, f.repo_id, f.path FROM files f JOIN repos r ON r.id = f.repo_id
                  WHERE r.source_id {in_chosen}"
            ))?;
            let rows = stmt.query_map([&ids], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            for row in rows {
                let (id, repo, path) = row?;
                files.insert(
                    id,
                    (
                        repo,
                        SnapshotFile {
                            path,
                            entities: Vec::new(),
                            problems: Vec::new(),
                        },
                    ),
                );
            }
        }
        let mut relations: HashMap<i64, Vec<SnapshotRelation>> = HashMap::new();
        let mut relation_count = 0;
        {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT r.entity_id, r.type, r.target_ref FROM relations r JOIN entities e ON e.id = r.entity_id
                  WHERE e.active = 1 AND e.source_id {in_chosen}"
            ))?;
            let rows = stmt.query_map([&ids], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get(2)?))
            })?;
            for row in rows {
                let (entity, relation_type, target) = row?;
                relation_count += 1;
                relations.entry(entity).or_default().push(SnapshotRelation {
                    relation_type,
                    target,
                });
            }
        }
        let mut entity_count = 0;
        {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT id, file_id, document, coalesce(line, 0), body FROM entities
                  WHERE active = 1 AND file_id IS NOT NULL AND source_id {in_chosen}"
            ))?;
            let rows = stmt.query_map([&ids], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })?;
            for row in rows {
                let (id, file_id, document, line, body) = row?;
                let Some((_, file)) = files.get_mut(&file_id) else {
                    continue;
                };
                let entity = RawValue::from_string(body).map_err(|e| StoreError::Corrupt {
                    path: self.path.clone(),
                    reason: format!("entity #{id}: {e}"),
                })?;
                let mut declared = relations.remove(&id).unwrap_or_default();
                declared.sort_by(|a, b| {
                    (&a.relation_type, &a.target).cmp(&(&b.relation_type, &b.target))
                });
                entity_count += 1;
                file.entities.push(SnapshotEntity {
                    document: usize::try_from(document).unwrap_or(0),
                    line: u32::try_from(line).unwrap_or(0),
                    entity,
                    relations: declared,
                });
            }
        }
        let mut content = CatalogContent::default();
        let mut problem_count = 0;
        {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT repo_id, file_id, document, entity_ref, severity, code, field, line, col, message
                   FROM problems WHERE code != 'conflict' AND source_id {in_chosen}"
            ))?;
            let rows = stmt.query_map([&ids], |r| {
                let severity: String = r.get(4)?;
                Ok((
                    r.get::<_, Option<i64>>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    Problem {
                        severity: if severity == "error" {
                            Severity::Error
                        } else {
                            Severity::Warning
                        },
                        code: r.get(5)?,
                        field: r.get(6)?,
                        line: r.get(7)?,
                        column: r.get(8)?,
                        message: r.get(9)?,
                    },
                ))
            })?;
            for row in rows {
                let (repo_id, file_id, document, entity_ref, problem) = row?;
                problem_count += 1;
                match (repo_id, file_id) {
                    (_, Some(file_id)) => {
                        if let Some((_, file)) = files.get_mut(&file_id) {
                            file.problems.push(FileProblem {
                                document: document.and_then(|d| usize::try_from(d).ok()),
                                entity_ref,
                                problem,
                            });
                        } else {
                            problem_count -= 1;
                        }
                    }
                    (Some(repo_id), None) => {
                        if let Some(repo) = repos.get_mut(&repo_id) {
                            repo.repo.problems.push(problem);
                        } else {
                            problem_count -= 1;
                        }
                    }
                    (None, None) => content.problems.push(problem),
                }
            }
        }
        let api_definitions: i64 = self.conn.query_row(
            &format!(
                "SELECT count(*) FROM entities WHERE active = 1 AND lower(kind) = 'api'
                    AND json_extract(body, '$.spec.definition') IS NOT NULL AND source_id {in_chosen}"
            ),
            [&ids],
            |r| r.get(0),
        )?;

        for (_, (repo_id, file)) in files {
            if let Some(repo) = repos.get_mut(&repo_id) {
                repo.repo.files.push(file);
            }
        }
        // Two sources can reach one repository (nested folders); it is one repository in
        // the snapshot.
        let mut by_path: BTreeMap<String, SnapshotRepo> = BTreeMap::new();
        let mut created_at = 0;
        for row in repos.into_values() {
            created_at = created_at.max(row.indexed_at);
            match by_path.get_mut(&row.repo.path) {
                Some(existing) => {
                    existing.files.extend(row.repo.files);
                    existing.problems.extend(row.repo.problems);
                    if row.repo.source < existing.source {
                        existing.source = row.repo.source;
                    }
                }
                None => {
                    by_path.insert(row.repo.path.clone(), row.repo);
                }
            }
        }
        let mut file_count = 0;
        for mut repo in by_path.into_values() {
            repo.files.sort_by(|a, b| a.path.cmp(&b.path));
            // Files of one path from two sources become one file.
            let mut merged: Vec<SnapshotFile> = Vec::with_capacity(repo.files.len());
            for file in repo.files {
                match merged.last_mut() {
                    Some(last) if last.path == file.path => {
                        last.entities.extend(file.entities);
                        last.problems.extend(file.problems);
                    }
                    _ => merged.push(file),
                }
            }
            for file in &mut merged {
                file.entities.sort_by(|a, b| {
                    (a.document, a.entity.get()).cmp(&(b.document, b.entity.get()))
                });
                file.problems
                    .sort_by(|a, b| problem_order(a).cmp(&problem_order(b)));
            }
            file_count += merged.len();
            repo.files = merged;
            repo.problems
                .sort_by(|a, b| problem_key(a, None, None).cmp(&problem_key(b, None, None)));
            content.repos.push(repo);
        }
        content
            .problems
            .sort_by(|a, b| problem_key(a, None, None).cmp(&problem_key(b, None, None)));

        if created_at == 0 {
            created_at = self.conn.query_row(
                &format!("SELECT coalesce(max(indexed_at), 0) FROM sources WHERE id {in_chosen}"),
                [&ids],
                |r| r.get(0),
            )?;
        }
        let mut sources = Vec::new();
        for id in &chosen {
            if let Some(source) = self.source(*id)? {
                sources.push(SourceSummary {
                    name: source.name,
                    kind: source.kind.as_str().to_owned(),
                    repos: source.repo_count as usize,
                    entities: source.entity_count as usize,
                });
            }
        }
        let counts = Counts {
            repos: content.repos.len(),
            files: file_count,
            entities: entity_count,
            relations: relation_count,
            problems: problem_count,
            api_definitions: api_definitions as usize,
            ..Counts::default()
        };
        Ok(ExportedCatalog {
            content,
            created_at,
            sources,
            counts,
        })
    }

    /// The entities that show a docs site (canonical refs, sorted).
    pub fn doc_site_entities(&self, site_id: i64) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT entity_ref FROM doc_entities WHERE site_id = ?1 ORDER BY entity_ref",
        )?;
        let rows = stmt
            .query_map([site_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Repositories of folder sources that have a remote, with it: to tell whether a
    /// snapshot's repository is on this machine.
    pub fn local_repo_remotes(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.path, r.remote_url FROM repos r JOIN sources s ON s.id = r.source_id
              WHERE s.kind = 'folder' AND r.remote_url IS NOT NULL ORDER BY r.path",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Writes an imported snapshot as one source, in one transaction: the source (new, or
    /// the one it replaces, renamed), its entities, its problems and its docs sites. On any
    /// error nothing is written.
    ///
    /// The write-ahead log it leaves (about the size of what it wrote) is not copied into the
    /// database at commit, so that the import is done, and the catalog shows it, sooner: call
    /// [`Catalog::checkpoint`] afterwards, off the critical path (the next write would
    /// otherwise do it).
    pub fn write_snapshot_source(
        &mut self,
        write: SnapshotWrite<impl IntoIterator<Item = SnapshotPart<impl Borrow<RepoIndex>>>>,
    ) -> Result<SnapshotWritten, StoreError> {
        // A new source's rows refer only to its own rows, made by this write, and to rows
        // that stay (its source); the write deletes no row that others refer to, so that no
        // cascade is needed. Its foreign keys are not checked row by row: that cost a
        // 50,000-entity import about 3.5% of its time.
        let settings = BulkSettings::raise(&self.conn, write.existing.is_some())?;
        let written = self.write_snapshot_transaction(write);
        settings.restore()?;
        written
    }

    /// Copies the write-ahead log into the database file as far as readers allow, without
    /// waiting for them.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }

    fn write_snapshot_transaction(
        &self,
        write: SnapshotWrite<impl IntoIterator<Item = SnapshotPart<impl Borrow<RepoIndex>>>>,
    ) -> Result<SnapshotWritten, StoreError> {
        // Unchecked only in that it takes `&self` (so that `BulkSettings` can hold the
        // connection meanwhile): no other transaction is open on it.
        let tx = self.conn.unchecked_transaction()?;
        let settings = write.source.settings.to_string();
        let (source_id, created) = match write.existing {
            Some(id) => {
                let updated = tx.execute(
                    "UPDATE sources SET name = ?2, settings = ?3 WHERE id = ?1 AND kind = 'snapshot'",
                    params![id, write.source.name, settings],
                )?;
                if updated == 0 {
                    return Err(StoreError::NoSuchSource(id.to_string()));
                }
                (id, false)
            }
            None => {
                let inserted = tx.execute(
                    "INSERT INTO sources (kind, target, name, settings, priority, added_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (target) DO NOTHING",
                    params![
                        write.source.kind.as_str(),
                        write.source.target,
                        write.source.name,
                        settings,
                        write.source.priority,
                        super::now_millis()
                    ],
                )?;
                if inserted == 0 {
                    return Err(StoreError::DuplicateSource(write.source.target));
                }
                (tx.last_insert_rowid(), true)
            }
        };
        let existing: i64 = tx.query_row("SELECT count(*) FROM entities", [], |r| r.get(0))?;
        let bulk = (write.entities >= BULK_ENTITIES && write.entities as u64 >= existing as u64)
            .then_some(write.entities);
        let mut ending = None;
        let repos = write
            .parts
            .into_iter()
            .map_while(|part| match part {
                SnapshotPart::Repos(repos) => Some(repos),
                ended => {
                    ending = Some(ended);
                    None
                }
            })
            .flatten();
        let stats = write_source(&tx, source_id, true, &[], repos, bulk)?;
        // Problems of the source as a whole come once every repository was read.
        let Some(SnapshotPart::End(problems)) = ending else {
            return Err(StoreError::Refused);
        };
        replace_problems(
            &tx,
            source_id,
            None,
            None,
            problems.iter().map(|p| (None, None, p)),
        )?;
        let mut keep = Vec::with_capacity(write.sites.len());
        for site in &write.sites {
            let new = NewDocSite {
                source_id,
                ..site.site.clone()
            };
            // An entity shows this site only where the snapshot's definition is the one
            // shown; otherwise the winning source's docs stay.
            let mut shown = Vec::with_capacity(site.entities.len());
            for entity in &site.entities {
                let ours: bool = tx
                    .prepare_cached(
                        "SELECT EXISTS (SELECT 1 FROM entities WHERE ref = ?1 AND source_id = ?2 AND active = 1)",
                    )?
                    .query_row(params![entity.to_lowercase(), source_id], |r| r.get(0))?;
                if ours {
                    shown.push(entity.clone());
                }
            }
            put_site(&tx, &new, &shown, Some(&site.sections))?;
            keep.push((new.repo, new.dir));
        }
        remove_sites_except(&tx, source_id, &keep)?;
        let (shadowed, overriding, conflicts) = conflicts_of(&tx, source_id)?;
        tx.commit()?;
        Ok(SnapshotWritten {
            source_id,
            created,
            stats,
            shadowed,
            overriding,
            conflicts,
        })
    }

    /// Replaces a source's settings (e.g. a subscription's last check).
    pub fn set_source_settings(
        &mut self,
        id: i64,
        settings: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let updated = self.conn.execute(
            "UPDATE sources SET settings = ?2 WHERE id = ?1",
            params![id, settings.to_string()],
        )?;
        if updated == 0 {
            return Err(StoreError::NoSuchSource(id.to_string()));
        }
        self.record_change("source", &id.to_string())?;
        Ok(())
    }

    /// The snapshot source with this target, if there is one.
    pub fn snapshot_source_by_target(&self, target: &str) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT id FROM sources WHERE target = ?1 AND kind = 'snapshot'",
                [target],
                |r| r.get(0),
            )
            .optional()?)
    }
}

/// The connection settings a snapshot write changes, put back when it ends: by
/// [`BulkSettings::restore`], or when dropped if the write unwinds, so that a long-lived
/// connection (the app's) never keeps foreign keys, and their cascades, off.
struct BulkSettings<'c>(&'c rusqlite::Connection);

impl<'c> BulkSettings<'c> {
    /// A page cache that holds the whole write (so that no page is written twice), no
    /// checkpoint before it commits, and foreign keys checked or not. (SQLite reads these
    /// only outside a transaction.)
    fn raise(conn: &'c rusqlite::Connection, check_foreign_keys: bool) -> Result<Self, StoreError> {
        let checks = if check_foreign_keys { "ON" } else { "OFF" };
        conn.execute_batch(&format!(
            "PRAGMA cache_size = -262144; PRAGMA wal_autocheckpoint = 0; PRAGMA foreign_keys = {checks}"
        ))?;
        Ok(BulkSettings(conn))
    }

    /// Puts the usual settings back, saying if that failed.
    fn restore(self) -> Result<(), StoreError> {
        let restored = Self::put_back(self.0);
        std::mem::forget(self); // Put back already; dropping would do it again.
        restored
    }

    /// The usual settings; a smaller page cache frees the pages above it.
    fn put_back(conn: &rusqlite::Connection) -> Result<(), StoreError> {
        conn.execute_batch("PRAGMA wal_autocheckpoint = 1000; PRAGMA foreign_keys = ON")?;
        conn.execute_batch(super::USUAL_CACHE_SIZE)?;
        Ok(())
    }
}

impl Drop for BulkSettings<'_> {
    fn drop(&mut self) {
        let _ = Self::put_back(self.0);
    }
}

type ProblemKey<'a> = (
    Option<usize>,
    Option<u32>,
    Option<u32>,
    Severity,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    &'a str,
);

fn problem_key<'a>(
    p: &'a Problem,
    document: Option<usize>,
    entity_ref: Option<&'a str>,
) -> ProblemKey<'a> {
    (
        document,
        p.line,
        p.column,
        p.severity,
        p.code.as_str(),
        p.field.as_deref(),
        entity_ref,
        p.message.as_str(),
    )
}

fn problem_order(p: &FileProblem) -> ProblemKey<'_> {
    problem_key(&p.problem, p.document, p.entity_ref.as_deref())
}

/// How a source's definitions meet other sources': how many of its definitions another
/// source's hides, how many of others' it hides, and the first refs that both define. Every
/// such pair has a definition that is not shown, so only those rows (indexed) are read.
fn conflicts_of(
    tx: &rusqlite::Transaction<'_>,
    source_id: i64,
) -> rusqlite::Result<(usize, usize, Vec<String>)> {
    let shadowed: i64 = tx.query_row(
        "SELECT count(*) FROM entities INDEXED BY entities_inactive WHERE active = 0 AND source_id = ?1",
        [source_id],
        |r| r.get(0),
    )?;
    let overriding: i64 = tx.query_row(
        "SELECT count(*) FROM entities o INDEXED BY entities_inactive WHERE o.active = 0 AND o.source_id != ?1
            AND EXISTS (SELECT 1 FROM entities e WHERE e.ref = o.ref AND e.source_id = ?1 AND e.active = 1)",
        [source_id],
        |r| r.get(0),
    )?;
    let mut stmt = tx.prepare(
        "SELECT DISTINCT i.ref FROM entities i INDEXED BY entities_inactive WHERE i.active = 0
            AND EXISTS (SELECT 1 FROM entities e
                         WHERE (e.ref = i.ref AND e.active = 1 OR e.ref = i.ref AND e.active = 0) AND e.source_id = ?1)
            AND EXISTS (SELECT 1 FROM entities o
                         WHERE (o.ref = i.ref AND o.active = 1 OR o.ref = i.ref AND o.active = 0) AND o.source_id != ?1)
          ORDER BY i.ref LIMIT ?2",
    )?;
    let conflicts = stmt
        .query_map(params![source_id, MAX_LISTED_CONFLICTS as i64], |r| {
            r.get(0)
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok((shadowed as usize, overriding as usize, conflicts))
}
