//! Writing an index of one source into the catalog, in one transaction: only files whose
//! content changed are rewritten, entities keep their rows when their content is the same,
//! and when several definitions claim one entity, exactly one is shown and the others are
//! reported as conflicts.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::{OptionalExtension, ToSql, Transaction, params, params_from_iter};

use super::stored::{Derived, StoredForm, stored_form_of};
use super::{Catalog, StoreError, now_millis};
use crate::descriptor::{DescriptorFile, ReadEntity};
use crate::model::entity::Entity;
use crate::problem::Problem;

/// What an index of one source found.
#[derive(Debug, Clone, Default)]
pub struct SourceIndex {
    /// The source.
    pub source_id: i64,
    /// Every repository found, changed or not.
    pub repos: Vec<RepoIndex>,
    /// Whether `repos` lists every repository of the source, so that repositories not in
    /// it were removed. False for partial re-indexes (e.g. one repository changed).
    pub complete: bool,
    /// Problems of the source as a whole (e.g. folders that could not be searched).
    pub problems: Vec<Problem>,
}

/// One repository of an index.
#[derive(Debug, Clone)]
pub struct RepoIndex {
    /// Where it is: an absolute folder path or a remote URL.
    pub path: String,
    /// What people call it.
    pub name: String,
    /// The commit checked out or fetched.
    pub head: Option<String>,
    /// The branch, if on one.
    pub branch: Option<String>,
    /// Where it can be cloned from.
    pub remote_url: Option<String>,
    /// Prefix of the `backstage.io/managed-by-location` annotation of its entities, e.g.
    /// `file:/home/me/src/payments/`.
    pub location: String,
    /// Summary of everything the index read; equal fingerprints mean nothing changed.
    pub fingerprint: String,
    /// What the index read, so that the next one can recompute the fingerprint (JSON).
    pub watch: String,
    /// What was read.
    pub content: RepoContent,
}

/// A repository's descriptors, or the news that they did not change.
#[derive(Debug, Clone)]
pub enum RepoContent {
    /// The fingerprint matched the stored one; nothing was read.
    Unchanged,
    /// The descriptor files read, and problems of the repository itself.
    Read {
        /// Every descriptor file read.
        files: Vec<DescriptorFile>,
        /// Problems of the repository (e.g. damaged Git metadata).
        problems: Vec<Problem>,
    },
}

/// What a write changed.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WriteStats {
    /// Entities the catalog shows that it did not before.
    pub added: usize,
    /// Entities whose definition changed.
    pub updated: usize,
    /// Entities the catalog no longer shows.
    pub removed: usize,
    /// Repositories whose descriptors were read and compared.
    pub repos_read: usize,
    /// Repositories skipped because nothing changed.
    pub repos_unchanged: usize,
    /// Repositories that disappeared.
    pub repos_removed: usize,
    /// Descriptor files rewritten.
    pub files_changed: usize,
}

impl Catalog {
    /// Writes an index of one source. Readers keep seeing the previous state until the
    /// transaction commits.
    pub fn apply(&mut self, index: SourceIndex) -> Result<WriteStats, StoreError> {
        self.apply_stream(
            index.source_id,
            index.complete,
            &index.problems,
            index.repos,
        )
    }

    /// Writes an index of one source whose repositories arrive one by one (e.g. from
    /// scanning threads), so that writing overlaps reading. `complete` and `problems` as
    /// in [`SourceIndex`].
    pub fn apply_stream(
        &mut self,
        source_id: i64,
        complete: bool,
        problems: &[Problem],
        repos: impl IntoIterator<Item = RepoIndex>,
    ) -> Result<WriteStats, StoreError> {
        let tx = self.conn.transaction()?;
        let stats = write_source(&tx, source_id, complete, problems, repos, None)?;
        tx.commit()?;
        Ok(stats)
    }
}

/// Writes an index of one source inside a transaction the caller commits (so that other
/// writes, such as a snapshot's docs, can share it). A bulk write (`bulk` is how many new
/// entities it brings, many) builds the ref, name and relation-target indexes once at the
/// end instead of updating them row by row.
pub(super) fn write_source(
    tx: &Transaction<'_>,
    source_id: i64,
    complete: bool,
    problems: &[Problem],
    repos: impl IntoIterator<Item = impl Borrow<RepoIndex>>,
    bulk: Option<usize>,
) -> Result<WriteStats, StoreError> {
    let exists: Option<i64> = tx
        .query_row("SELECT id FROM sources WHERE id = ?1", [source_id], |r| {
            r.get(0)
        })
        .optional()?;
    if exists.is_none() {
        return Err(StoreError::NoSuchSource(source_id.to_string()));
    }
    let mut stats = WriteStats::default();
    let mut writer = Writer::new(tx)?;
    let deferred = if let Some(entities) = bulk {
        writer.known = Some(all_refs(tx, entities)?);
        writer.changed.reserve(entities);
        drop_deferred_indexes(tx)?
    } else {
        Vec::new()
    };
    let stored = stored_repos(tx, source_id)?;
    let mut seen = HashSet::new();
    for repo in repos {
        let repo = repo.borrow();
        let existing = stored.get(&repo.path);
        match (&repo.content, existing) {
            (RepoContent::Unchanged, Some(row)) => {
                stats.repos_unchanged += 1;
                if row.head != repo.head || row.branch != repo.branch {
                    exec(
                        tx,
                        "UPDATE repos SET head_commit = ?2, branch = ?3 WHERE id = ?1",
                        params![row.id, repo.head, repo.branch],
                    )?;
                }
            }
            (RepoContent::Unchanged, None) => {} // Never stored: nothing to keep.
            (RepoContent::Read { files, problems }, _) => {
                stats.repos_read += 1;
                let repo_id = upsert_repo(tx, source_id, repo, existing.map(|r| r.id))?;
                stats.files_changed +=
                    write_files(tx, &mut writer, source_id, repo_id, &repo.location, files)?;
                let problems = problems.iter().map(|p| (None, None, p));
                replace_problems(tx, source_id, Some(repo_id), None, problems)?;
            }
        }
        seen.insert(repo.path.clone());
    }
    if complete {
        for (path, row) in &stored {
            if !seen.contains(path) {
                stats.repos_removed += 1;
                for entity_id in ids(tx, "SELECT id FROM entities WHERE repo_id = ?1", row.id)? {
                    writer.delete_entity(entity_id)?;
                }
                exec(tx, "DELETE FROM repos WHERE id = ?1", [row.id])?;
            }
        }
    }
    replace_problems(
        tx,
        source_id,
        None,
        None,
        problems.iter().map(|p| (None, None, p)),
    )?;
    // Settling conflicts looks definitions up by ref: the indexes are back first.
    for sql in &deferred {
        tx.execute_batch(sql)?;
    }
    let settled = writer.finish()?;
    (stats.added, stats.updated, stats.removed) = (settled.added, settled.updated, settled.removed);
    let mut changed = settled.rows;
    if stats.repos_read > 0 || stats.repos_removed > 0 {
        changed.push(("source", source_id.to_string()));
    }
    super::changes::record(tx, &changed)?;
    exec(
        tx,
        "UPDATE sources SET indexed_at = ?2, index_error = NULL WHERE id = ?1",
        params![source_id, now_millis()],
    )?;
    Ok(stats)
}

/// Indexes a bulk write drops and creates again: each takes its entries in random order,
/// so that row by row they cost a search and often a page split per entity, where a
/// rebuild sorts once.
const DEFERRED_INDEXES: [&str; 3] = ["entities_one_active", "entities_name", "relations_target"];

/// Drops the deferred indexes; returns the statements that create them again (as the
/// migrations wrote them).
fn drop_deferred_indexes(tx: &Transaction<'_>) -> rusqlite::Result<Vec<String>> {
    let mut create = Vec::with_capacity(DEFERRED_INDEXES.len());
    for name in DEFERRED_INDEXES {
        let sql: Option<String> = tx
            .query_row(
                "SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(sql) = sql {
            tx.execute_batch(&format!("DROP INDEX {name}"))?;
            create.push(sql);
        }
    }
    Ok(create)
}

/// Every ref that has a definition, in a set with room for `more`.
fn all_refs(tx: &Transaction<'_>, more: usize) -> rusqlite::Result<HashSet<String>> {
    let mut refs = HashSet::with_capacity(more);
    let mut stmt = tx.prepare("SELECT DISTINCT ref FROM entities")?;
    for key in stmt.query_map([], |r| r.get(0))? {
        refs.insert(key?);
    }
    Ok(refs)
}

struct StoredRepo {
    id: i64,
    head: Option<String>,
    branch: Option<String>,
}

fn stored_repos(
    tx: &Transaction<'_>,
    source_id: i64,
) -> rusqlite::Result<HashMap<String, StoredRepo>> {
    let mut stmt =
        tx.prepare_cached("SELECT path, id, head_commit, branch FROM repos WHERE source_id = ?1")?;
    let rows = stmt.query_map([source_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            StoredRepo {
                id: r.get(1)?,
                head: r.get(2)?,
                branch: r.get(3)?,
            },
        ))
    })?;
    rows.collect()
}

fn ids(tx: &Transaction<'_>, sql: &str, key: i64) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = tx.prepare_cached(sql)?;
    let rows = stmt.query_map([key], |r| r.get(0))?;
    rows.collect()
}

fn upsert_repo(
    tx: &Transaction<'_>,
    source_id: i64,
    repo: &RepoIndex,
    existing: Option<i64>,
) -> rusqlite::Result<i64> {
    let now = now_millis();
    if let Some(id) = existing {
        exec(tx,
            "UPDATE repos SET name = ?2, head_commit = ?3, branch = ?4, remote_url = ?5, location = ?6,
                              fingerprint = ?7, indexed_at = ?8, watch = ?9 WHERE id = ?1",
            params![id, repo.name, repo.head, repo.branch, repo.remote_url, repo.location, repo.fingerprint, now, repo.watch],
        )?;
        return Ok(id);
    }
    exec(tx,
        "INSERT INTO repos (source_id, path, name, head_commit, branch, remote_url, location, fingerprint, indexed_at, watch)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            source_id,
            repo.path,
            repo.name,
            repo.head,
            repo.branch,
            repo.remote_url,
            repo.location,
            repo.fingerprint,
            now,
            repo.watch
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Writes a repository's descriptor files; returns how many changed.
fn write_files(
    tx: &Transaction<'_>,
    writer: &mut Writer<'_, '_>,
    source_id: i64,
    repo_id: i64,
    location: &str,
    files: &[DescriptorFile],
) -> Result<usize, StoreError> {
    let stored: HashMap<String, (i64, String)> = {
        let mut stmt =
            tx.prepare_cached("SELECT path, id, content_hash FROM files WHERE repo_id = ?1")?;
        let rows = stmt.query_map([repo_id], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut changed = 0;
    let mut seen = HashSet::new();
    for file in files {
        seen.insert(file.path.as_str());
        let file_id = match stored.get(&file.path) {
            Some((_, hash)) if *hash == file.content_hash => continue,
            Some((id, _)) => {
                exec(
                    tx,
                    "UPDATE files SET content_hash = ?2 WHERE id = ?1",
                    params![id, file.content_hash],
                )?;
                *id
            }
            None => {
                exec(
                    tx,
                    "INSERT INTO files (repo_id, path, content_hash) VALUES (?1, ?2, ?3)",
                    params![repo_id, file.path, file.content_hash],
                )?;
                tx.last_insert_rowid()
            }
        };
        changed += 1;
        let site = Site {
            source_id,
            repo_id,
            file_id,
            location: format!("{location}{}", file.path),
        };
        writer.replace_file_entities(&site, &file.entities)?;
        let problems = file
            .problems
            .iter()
            .map(|p| (p.document, p.entity_ref.as_deref(), &p.problem));
        replace_problems(tx, source_id, Some(repo_id), Some(file_id), problems)?;
    }
    for (path, (id, _)) in &stored {
        if !seen.contains(path.as_str()) {
            changed += 1;
            for entity_id in ids(tx, "SELECT id FROM entities WHERE file_id = ?1", *id)? {
                writer.delete_entity(entity_id)?;
            }
            exec(tx, "DELETE FROM files WHERE id = ?1", [id])?;
        }
    }
    Ok(changed)
}

/// Replaces the problems stored at one level (source, repository or file), leaving the
/// rows alone when they are the same.
pub(super) fn replace_problems<'p>(
    tx: &Transaction<'_>,
    source_id: i64,
    repo_id: Option<i64>,
    file_id: Option<i64>,
    problems: impl Iterator<Item = (Option<usize>, Option<&'p str>, &'p Problem)>,
) -> rusqlite::Result<()> {
    let (scope, key) = match (repo_id, file_id) {
        (_, Some(file)) => ("file_id = ?1", file),
        (Some(repo), None) => ("repo_id = ?1 AND file_id IS NULL", repo),
        (None, None) => ("source_id = ?1 AND repo_id IS NULL", source_id),
    };
    let problems: Vec<_> = problems.collect();
    let stored: bool = tx
        .prepare_cached(&format!(
            "SELECT EXISTS (SELECT 1 FROM problems WHERE {scope} AND code != 'conflict')"
        ))?
        .query_row([key], |r| r.get(0))?;
    if !stored && problems.is_empty() {
        return Ok(());
    }
    tx.prepare_cached(&format!(
        "DELETE FROM problems WHERE {scope} AND code != 'conflict'"
    ))?
    .execute([key])?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO problems (source_id, repo_id, file_id, document, entity_ref, severity, code, field, line, col, message)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    for (document, entity_ref, p) in problems {
        insert.execute(params![
            source_id,
            repo_id,
            file_id,
            document.map(|d| d as i64),
            entity_ref,
            p.severity.as_str(),
            p.code,
            p.field,
            p.line,
            p.column,
            p.message
        ])?;
    }
    Ok(())
}

/// Where a file's entities come from.
struct Site {
    source_id: i64,
    repo_id: i64,
    file_id: i64,
    location: String,
}

/// The outcome of a write: change-feed rows and what people would call the changes.
pub(super) struct Settled {
    /// Change-feed rows: `upsert` or `delete` and a ref, in no order.
    pub rows: Vec<(&'static str, String)>,
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
}

/// Keeps each entity's derived rows (relations, search) in step with which
/// definition of a ref is active, and collects the refs whose shown state changed.
pub(super) struct Writer<'t, 'c> {
    tx: &'t Transaction<'c>,
    /// Refs whose active definition may have changed, to settle in `finish`.
    pending: BTreeMap<String, bool>,
    /// Refs whose shown entity changed.
    changed: HashMap<String, Change>,
    /// Every ref defined, when loaded up front for a bulk write.
    known: Option<HashSet<String>>,
    /// The statements run for every new entity, prepared once.
    inserts: Inserts<'t>,
}

/// How the shown entity of a ref changed in a write.
#[derive(Clone, Copy)]
struct Change {
    /// Whether the ref was shown before the write.
    was_shown: bool,
    /// Whether this write showed the ref's first definition and nothing touched the ref since
    /// (it is not pending): it is shown, without asking the database in `finish`.
    shown_new: bool,
}

impl Change {
    const NEW: Change = Change {
        was_shown: false,
        shown_new: false,
    };
    const SHOWN: Change = Change {
        was_shown: true,
        shown_new: false,
    };
}

/// Statements that run once or more per entity written: held rather than looked up in the
/// connection's statement cache, which hashes their text on every use.
struct Inserts<'t> {
    entity: rusqlite::Statement<'t>,
    relation: rusqlite::Statement<'t>,
    search: rusqlite::Statement<'t>,
}

impl<'t, 'c> Writer<'t, 'c> {
    pub(super) fn new(tx: &'t Transaction<'c>) -> rusqlite::Result<Self> {
        Ok(Writer {
            tx,
            pending: BTreeMap::new(),
            changed: HashMap::new(),
            known: None,
            inserts: Inserts {
                // Bound as [`EntityRow::values`] says, then where the entity was read.
                entity: tx.prepare(
                    "INSERT INTO entities (ref, kind, namespace, name, title, description, spec_type, lifecycle, owner_ref,
                         system_ref, tags, document, line, hash, body, source_id, repo_id, file_id, active)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
                )?,
                relation: tx.prepare(
                    "INSERT OR IGNORE INTO relations (entity_id, type, target_ref) VALUES (?1, ?2, ?3)",
                )?,
                search: tx.prepare(
                    "INSERT INTO entity_search (rowid, name, title, description, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?,
            },
        })
    }

    /// Makes the entities of one file what `entities` says, touching only what differs.
    fn replace_file_entities(
        &mut self,
        site: &Site,
        entities: &[ReadEntity],
    ) -> Result<(), StoreError> {
        let stored: HashMap<String, (i64, String)> = {
            let mut stmt = self
                .tx
                .prepare_cached("SELECT ref, id, hash FROM entities WHERE file_id = ?1")?;
            let rows =
                stmt.query_map([site.file_id], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut kept = HashSet::new();
        for read in entities {
            let form = stored_form_of(read, &site.location)?;
            let key = read.entity.entity_ref().key();
            match stored.get(&key) {
                Some((_, old)) if *old == form.hash => {
                    exec(
                        self.tx,
                        "UPDATE entities SET document = ?2, line = ?3 WHERE file_id = ?1 AND ref = ?4",
                        params![site.file_id, read.document as i64, read.line, key],
                    )?;
                }
                Some((id, _)) => self.update_entity(*id, &key, read, &form)?,
                None => self.insert_entity(site, &key, read, &form)?,
            }
            // A new file (every file of an import into an empty catalog) has nothing to remove.
            if !stored.is_empty() {
                kept.insert(key);
            }
        }
        for (key, (id, _)) in &stored {
            if !kept.contains(key) {
                self.delete_entity(*id)?;
            }
        }
        Ok(())
    }

    fn insert_entity(
        &mut self,
        site: &Site,
        key: &str,
        read: &ReadEntity,
        form: &StoredForm,
    ) -> Result<(), StoreError> {
        let claimed: bool = match &mut self.known {
            Some(known) => !known.insert(key.to_owned()),
            None => self
                .tx
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM entities WHERE ref = ?1 AND active = 1)
                         OR EXISTS (SELECT 1 FROM entities WHERE ref = ?1 AND active = 0)",
                )?
                .query_row([key], |r| r.get(0))?,
        };
        let row = EntityRow::new(read, form);
        let site_values: [&dyn ToSql; 4] =
            [&site.source_id, &site.repo_id, &site.file_id, &!claimed];
        self.inserts.entity.execute(params_from_iter(
            row.values(&key).into_iter().chain(site_values),
        ))?;
        let id = self.tx.last_insert_rowid();
        if claimed {
            self.pending.entry(key.to_owned()).or_insert(false);
        } else {
            // The common case: nobody else defines it, so it is shown at once.
            self.add_derived(id, &read.entity, &row.derived)?;
            self.changed
                .entry(key.to_owned())
                .or_insert(Change::NEW)
                .shown_new = true;
        }
        Ok(())
    }

    fn update_entity(
        &mut self,
        id: i64,
        key: &str,
        read: &ReadEntity,
        form: &StoredForm,
    ) -> Result<(), StoreError> {
        let row = EntityRow::new(read, form);
        let active: bool =
            self.tx
                .query_row("SELECT active FROM entities WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?;
        if active {
            self.deactivate(id)?;
        }
        self.tx
            .prepare_cached(
                "UPDATE entities SET kind = ?2, namespace = ?3, name = ?4, title = ?5, description = ?6, spec_type = ?7,
                     lifecycle = ?8, owner_ref = ?9, system_ref = ?10, tags = ?11, document = ?12, line = ?13, hash = ?14,
                     body = ?15
                 WHERE id = ?1",
            )?
            .execute(row.values(&id))?;
        if active {
            self.activate(id, &read.entity, &row.derived)?;
            self.changed.entry(key.to_owned()).or_insert(Change::SHOWN);
        }
        Ok(())
    }

    /// Deletes a definition; if it was shown, another definition of the ref may take over.
    pub(super) fn delete_entity(&mut self, id: i64) -> Result<(), StoreError> {
        let (key, active): (String, bool) = query_one(
            self.tx,
            "SELECT ref, active FROM entities WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if active {
            self.deactivate(id)?;
            self.changed.entry(key.clone()).or_insert(Change::SHOWN);
        }
        self.tx
            .prepare_cached("DELETE FROM entities WHERE id = ?1")?
            .execute([id])?;
        self.pending.entry(key).or_insert(active);
        Ok(())
    }

    /// Decides which definition of `key` is shown: the highest-priority source, then the
    /// oldest source, then the first by repository, file and document. The others become
    /// conflicts that say which definition won.
    pub(super) fn resolve(&mut self, key: &str) -> Result<(), StoreError> {
        if let Some(change) = self.changed.get_mut(key) {
            change.shown_new = false;
        }
        struct Candidate {
            id: i64,
            active: bool,
            source_id: i64,
            repo_id: Option<i64>,
            file_id: Option<i64>,
            document: i64,
            place: String,
        }
        let candidates: Vec<Candidate> = {
            let mut stmt = self.tx.prepare_cached(
                "SELECT e.id, e.active, e.source_id, e.repo_id, e.file_id, e.document,
                        s.name || ': ' || coalesce(r.path || '/' || f.path, s.target)
                 FROM entities e
                 JOIN sources s ON s.id = e.source_id
                 LEFT JOIN repos r ON r.id = e.repo_id
                 LEFT JOIN files f ON f.id = e.file_id
                 WHERE (e.ref = ?1 AND e.active = 1) OR (e.ref = ?1 AND e.active = 0)
                 ORDER BY s.priority DESC, s.id, r.path, f.path, e.document",
            )?;
            let rows = stmt.query_map([key], |r| {
                Ok(Candidate {
                    id: r.get(0)?,
                    active: r.get(1)?,
                    source_id: r.get(2)?,
                    repo_id: r.get(3)?,
                    file_id: r.get(4)?,
                    document: r.get(5)?,
                    place: r.get(6)?,
                })
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        self.tx
            .prepare_cached("DELETE FROM problems WHERE code = 'conflict' AND entity_ref = ?1")?
            .execute([key])?;
        let Some(winner) = candidates.first() else {
            return Ok(());
        };
        for loser in &candidates[1..] {
            if loser.active {
                self.deactivate(loser.id)?;
                self.changed.entry(key.to_owned()).or_insert(Change::SHOWN);
            }
            self.tx
                .prepare_cached(
                    "INSERT INTO problems (source_id, repo_id, file_id, document, entity_ref, severity, code, message)
                     VALUES (?1, ?2, ?3, ?4, ?5, 'error', 'conflict', ?6)",
                )?
                .execute(params![
                    loser.source_id,
                    loser.repo_id,
                    loser.file_id,
                    loser.document,
                    key,
                    format!(
                        "{key} is also defined by {}, which takes precedence; this definition is ignored. Rename one of \
                         them, or change which source wins with `greenroom source priority`",
                        winner.place
                    )
                ])?;
        }
        if !winner.active {
            let body: String = query_one(
                self.tx,
                "SELECT body FROM entities WHERE id = ?1",
                [winner.id],
                |r| r.get(0),
            )?;
            let entity: Entity = serde_json::from_str(&body).map_err(|e| StoreError::Corrupt {
                path: Default::default(),
                reason: format!("entity {key}: {e}"),
            })?;
            self.activate(winner.id, &entity, &Derived::of(&entity))?;
            self.changed.entry(key.to_owned()).or_insert(Change::NEW);
        }
        Ok(())
    }

    /// Settles pending refs; returns the change-feed rows and counts.
    pub(super) fn finish(mut self) -> Result<Settled, StoreError> {
        let pending: Vec<String> = std::mem::take(&mut self.pending).into_keys().collect();
        for key in &pending {
            self.resolve(key)?;
        }
        let mut settled = Settled {
            rows: Vec::with_capacity(self.changed.len()),
            added: 0,
            updated: 0,
            removed: 0,
        };
        for (key, change) in self.changed {
            let shown = change.shown_new
                || self
                    .tx
                    .prepare_cached(
                        "SELECT EXISTS (SELECT 1 FROM entities WHERE ref = ?1 AND active = 1)",
                    )?
                    .query_row([&key], |r| r.get(0))?;
            match (change.was_shown, shown) {
                (false, true) => settled.added += 1,
                (true, true) => settled.updated += 1,
                (true, false) => settled.removed += 1,
                (false, false) => continue,
            }
            settled
                .rows
                .push((if shown { "upsert" } else { "delete" }, key));
        }
        Ok(settled)
    }

    fn activate(&mut self, id: i64, entity: &Entity, derived: &Derived) -> rusqlite::Result<()> {
        self.tx
            .prepare_cached("UPDATE entities SET active = 1 WHERE id = ?1")?
            .execute([id])?;
        self.add_derived(id, entity, derived)
    }

    /// Relations and the search row of a shown entity.
    fn add_derived(&mut self, id: i64, entity: &Entity, derived: &Derived) -> rusqlite::Result<()> {
        let inserts = &mut self.inserts;
        for (relation_type, target) in &derived.relations {
            inserts
                .relation
                .execute(params![id, relation_type.as_str(), target])?;
        }
        inserts.search.execute(params![
            id,
            entity.metadata.name,
            entity.metadata.title,
            entity.metadata.description,
            derived.search
        ])?;
        Ok(())
    }

    fn deactivate(&mut self, id: i64) -> rusqlite::Result<()> {
        let tx = self.tx;
        tx.prepare_cached("UPDATE entities SET active = 0 WHERE id = ?1")?
            .execute([id])?;
        tx.prepare_cached("DELETE FROM relations WHERE entity_id = ?1")?
            .execute([id])?;
        tx.prepare_cached("DELETE FROM entity_search WHERE rowid = ?1")?
            .execute([id])?;
        Ok(())
    }
}

/// What an entity's row holds besides where the entity was read, as the INSERT and the
/// UPDATE of a definition bind it.
struct EntityRow<'a> {
    entity: &'a Entity,
    derived: Derived,
    form: &'a StoredForm,
    document: i64,
    line: u32,
}

impl<'a> EntityRow<'a> {
    fn new(read: &'a ReadEntity, form: &'a StoredForm) -> Self {
        EntityRow {
            entity: &read.entity,
            derived: Derived::of(&read.entity),
            form,
            document: read.document as i64,
            line: read.line,
        }
    }

    /// `?1` is `key` (the ref when inserting, the id when updating); `?2` to `?11` describe
    /// the entity (kind to tags); `?12` to `?15` are its document, line, hash and body.
    fn values<'s>(&'s self, key: &'s dyn ToSql) -> [&'s dyn ToSql; 15] {
        let (entity, derived) = (self.entity, &self.derived);
        [
            key,
            &entity.kind,
            &entity.metadata.namespace,
            &entity.metadata.name,
            &entity.metadata.title,
            &entity.metadata.description,
            &derived.spec_type,
            &derived.lifecycle,
            &derived.owner,
            &derived.system,
            &derived.tags,
            &self.document,
            &self.line,
            &self.form.hash,
            &self.form.json,
        ]
    }
}

/// Runs a statement through the statement cache: the same few statements run for every
/// repository, file and entity.
fn exec(
    conn: &rusqlite::Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(params)
}

fn query_one<T>(
    conn: &rusqlite::Connection,
    sql: &str,
    params: impl rusqlite::Params,
    row: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    conn.prepare_cached(sql)?.query_row(params, row)
}
