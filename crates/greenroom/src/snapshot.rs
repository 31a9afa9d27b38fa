//! Catalog snapshots: export the catalog (and its rendered docs) to one `.greenroom` file,
//! inspect a file, import it as its own source (a newer snapshot of the same origin
//! replaces the older one atomically), list and remove imported snapshots.
//!
//! A snapshot is untrusted input: it is checked completely (structure, checksums,
//! signature, sizes, every entity validated, docs paths and HTML) before anything is
//! kept. The catalog section is parsed and checked as it is written, in one transaction
//! that commits only once all of it checked out; docs files go to a new folder of the
//! docs cache that the catalog only points at once the transaction committed.

use std::borrow::Borrow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use greenroom_catalog::snapshot::{
    CatalogSection, Counts, Limits, Manifest, Origin, SignatureInfo, SignatureStatus, SigningKey,
    Snapshot, SnapshotError, ValidatedRepo, parse_public_key, write_snapshot,
};
use greenroom_catalog::store::{
    EntityLocation, NewSource, RepoContent, RepoIndex, SnapshotPart, SnapshotWrite, SourceKind,
    SourceRecord,
};
use serde::{Deserialize, Serialize};

use crate::snapshot_docs::{SNAPSHOT_DOCS_DIR, prepare_docs, stage_docs};
use crate::{Error, Greenroom};

/// The conflict priority of imported snapshots: below folders (100), so a definition in
/// the user's own repositories wins; `greenroom source priority` changes it.
pub const SNAPSHOT_PRIORITY: i64 = 50;
/// The file extension of snapshots.
pub const SNAPSHOT_EXTENSION: &str = "greenroom";

/// What to export.
#[derive(Debug, Default)]
pub struct ExportOptions {
    /// Sources (ids, folders or names); all when empty.
    pub sources: Vec<String>,
    /// Include the rendered TechDocs sites (an "onboarding pack").
    pub with_docs: bool,
    /// Who publishes it (default: the sources' names).
    pub name: Option<String>,
    /// Stable id of the publisher (default: made from the name); snapshots with the same
    /// id replace each other when imported.
    pub origin_id: Option<String>,
    /// The time to record (ms since the epoch); default: when the newest repository was
    /// read, so an unchanged catalog exports to the same bytes.
    pub created_at: Option<i64>,
    /// Sign with this key.
    pub signing_key: Option<SigningKey>,
}

/// What importing requires.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ImportOptions {
    /// Public keys the user trusts (minisign base64 or `.pub` file content).
    pub trusted_keys: Vec<String>,
    /// Refuse an unsigned snapshot.
    pub require_signature: bool,
    /// Refuse a snapshot not signed by a trusted key (or the key pinned by a previous import).
    pub require_trusted: bool,
    /// Accept a snapshot older than the one imported before from the same origin.
    pub allow_older: bool,
    /// Conflict priority of a new source (default [`SNAPSHOT_PRIORITY`]).
    pub priority: Option<i64>,
}

/// What an export or import is doing, for a progress bar or an event stream.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum SnapshotProgress {
    /// Reading the catalog (export) or the file (import).
    Reading,
    /// The file checked out: structure, checksums and signature (import).
    Verified {
        /// Entities in it.
        entities: usize,
        /// Docs pages in it.
        pages: usize,
    },
    /// Entities validated (import).
    Validated {
        /// Entities that passed.
        entities: usize,
        /// Entities refused.
        invalid: usize,
    },
    /// A docs site was collected (export) or written to the docs cache (import).
    Docs {
        /// Sites done.
        done: usize,
        /// Sites in all.
        total: usize,
    },
    /// Compressing and writing the file (export) or writing the catalog (import).
    Writing,
}

/// What an export wrote.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportReport {
    /// The file.
    pub path: String,
    /// Its size.
    pub bytes: u64,
    /// BLAKE3 of its manifest: identifies the snapshot.
    pub digest: String,
    /// Its manifest.
    pub manifest: Manifest,
    /// Its signature.
    pub signature: SignatureStatus,
    /// How long it took (ms).
    pub millis: u64,
    /// Things the person may want to know (docs that could not be included, size).
    pub warnings: Vec<String>,
}

/// What a file holds, checked without importing it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotInfo {
    /// The manifest.
    pub manifest: Manifest,
    /// BLAKE3 of the manifest.
    pub digest: String,
    /// File size.
    pub file_size: u64,
    /// Whether it is signed and by whom (a bad signature is an error instead).
    pub signature: SignatureStatus,
    /// Whether the signing key is one of the trusted keys given.
    pub trusted: bool,
    /// Entities that pass validation.
    pub valid_entities: usize,
    /// The first validation errors of entities that do not.
    pub invalid: Vec<String>,
}

/// What an import did: the summary an app shows after "Open snapshot…".
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    /// The snapshot's source.
    pub source_id: i64,
    /// Its name, e.g. `Platform team snapshot, 2026-11-20`.
    pub source_name: String,
    /// Whether the source is new (else an older snapshot was replaced).
    pub created: bool,
    /// Nothing changed: this exact snapshot was imported already.
    pub unchanged: bool,
    /// Who publishes it.
    pub origin: Origin,
    /// When its content was read (ms since the epoch).
    pub created_at: i64,
    /// BLAKE3 of its manifest.
    pub digest: String,
    /// Whether it is signed and by whom.
    pub signature: SignatureStatus,
    /// Whether the signing key is trusted (given, or pinned by an earlier import).
    pub trusted: bool,
    /// Entities that passed validation.
    pub entities: usize,
    /// Entities refused by validation (reported as problems of the source).
    pub invalid_entities: usize,
    /// Entities the catalog shows that it did not before.
    pub added: usize,
    /// Entities whose definition changed.
    pub updated: usize,
    /// Entities the catalog no longer shows.
    pub removed: usize,
    /// Entities of the snapshot hidden by another source's definition (local ones win by
    /// default).
    pub shadowed: usize,
    /// Entities of other sources that the snapshot's definitions hide.
    pub overriding: usize,
    /// The first conflicting refs.
    pub conflicts: Vec<String>,
    /// Docs sites.
    pub doc_sites: usize,
    /// Docs pages.
    pub pages: usize,
    /// How long it took (ms).
    pub millis: u64,
}

/// What a snapshot source remembers (its `settings`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SnapshotSettings {
    /// Who publishes it; empty until a subscription first fetched.
    pub origin: Option<Origin>,
    /// When its content was read (ms since the epoch).
    pub created_at: i64,
    /// When it was imported.
    pub imported_at: i64,
    /// BLAKE3 of its manifest.
    pub digest: String,
    /// What wrote it.
    pub producer: String,
    /// Its counts.
    pub counts: Counts,
    /// Who signed it; later snapshots of this source must be signed by the same key.
    pub signer: Option<SignatureInfo>,
    /// Its docs folder, relative to the data folder.
    pub docs_dir: Option<String>,
    /// The file it was imported from.
    pub file: Option<String>,
    /// The Git repository it is fetched from, for subscriptions.
    pub subscription: Option<Subscription>,
}

/// Where a subscribed snapshot comes from.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Subscription {
    /// The Git URL.
    pub url: String,
    /// The branch (default: the remote's default branch).
    pub branch: Option<String>,
    /// The commit last fetched.
    pub commit: Option<String>,
    /// When it was last checked (ms since the epoch).
    pub checked_at: Option<i64>,
    /// Why the last check failed, if it did.
    pub error: Option<String>,
    /// What every sync requires of the snapshots it imports.
    pub import: ImportOptions,
}

/// A snapshot source, for the sources list: its age and who signed it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotSource {
    /// The source.
    pub source: SourceRecord,
    /// What it remembers.
    pub snapshot: SnapshotSettings,
    /// How old its content is (ms), now.
    pub age_millis: i64,
}

/// The docs folder (under the data dir) a snapshot source's pages were written to.
pub(crate) fn docs_dir_of(record: &SourceRecord) -> Option<String> {
    serde_json::from_value::<SnapshotSettings>(record.settings.clone())
        .ok()?
        .docs_dir
}

/// Repositories validated at a time while the chunk before is written.
const VALIDATION_CHUNK: usize = 64;

/// Entities that passed validation in indexed repositories.
fn entities_in(repos: &[ValidatedRepo]) -> usize {
    repos
        .iter()
        .map(|repo| match &Borrow::<RepoIndex>::borrow(repo).content {
            RepoContent::Read { files, .. } => files.iter().map(|f| f.entities.len()).sum(),
            RepoContent::Unchanged => 0,
        })
        .sum()
}

/// Whether an entity's repository is on this machine.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum RepoAvailability {
    /// A working copy is here.
    Local {
        /// Its folder.
        path: String,
    },
    /// It is not on this machine (e.g. the entity came in a snapshot).
    NotOnThisMachine {
        /// Where it was read, on the machine that read it.
        repo: String,
        /// Where to clone it from, when known.
        clone_url: Option<String>,
    },
    /// The entity does not come from a repository.
    None,
}

/// Checks a snapshot file without importing it: structure, checksums, signature, and
/// every entity's validation. `trusted_keys` as in [`ImportOptions`].
pub fn inspect_snapshot(path: &Path, trusted_keys: &[String]) -> Result<SnapshotInfo, Error> {
    let snapshot = Snapshot::read_file(path, &Limits::default())?;
    if snapshot.docs.is_some() {
        prepare_docs(&snapshot)?;
    }
    let trusted = match &snapshot.signature {
        SignatureStatus::Verified(info) => is_trusted(info, trusted_keys)?,
        SignatureStatus::Unsigned => false,
    };
    let (valid_entities, mut invalid) = snapshot.validation_summary();
    invalid.truncate(50);
    Ok(SnapshotInfo {
        manifest: snapshot.manifest,
        digest: snapshot.digest,
        file_size: snapshot.file_size,
        signature: snapshot.signature,
        trusted,
        valid_entities,
        invalid,
    })
}

/// Makes a stable origin id from a name: lowercase letters, digits and dashes.
pub fn origin_id(name: &str) -> String {
    let mut id = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            id.push(c);
        } else if !id.ends_with('-') && !id.is_empty() {
            id.push('-');
        }
    }
    let id: String = id.trim_end_matches('-').chars().take(64).collect();
    if id.is_empty() {
        "catalog".to_owned()
    } else {
        id
    }
}

fn is_trusted(info: &SignatureInfo, trusted_keys: &[String]) -> Result<bool, Error> {
    for key in trusted_keys {
        if parse_public_key(key)?.public_key == info.public_key {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The name an imported snapshot's source gets.
fn source_name(origin: &Origin, created_at: i64) -> String {
    format!("{} snapshot, {}", origin.name, date(created_at))
}

/// `YYYY-MM-DD` (UTC) of a time in ms since the epoch.
pub fn date(millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(millis).map_or_else(
        || "unknown date".to_owned(),
        |t| t.format("%Y-%m-%d").to_string(),
    )
}

/// Writes `bytes` to `path` through a temporary file in the same folder, renamed into place.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write as _;
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, &e))?;
    let mut file = tempfile::Builder::new()
        .prefix(".greenroom-snapshot-")
        .tempfile_in(parent)
        .map_err(|e| Error::io(parent, &e))?;
    file.write_all(bytes)
        .and_then(|()| file.as_file().sync_all())
        .map_err(|e| Error::io(path, &e))?;
    file.persist(path).map_err(|e| Error::io(path, &e.error))?;
    Ok(())
}

/// Which source an import writes to.
pub(crate) enum ImportInto {
    /// The source of the snapshot's origin (created if needed).
    Origin {
        /// The file, remembered in the settings.
        file: String,
    },
    /// A subscription's source, with the subscription's state to record.
    Subscription {
        /// The source.
        id: i64,
        /// Where it fetched from.
        state: Subscription,
    },
}

impl Greenroom {
    /// Exports the catalog to `out` (written to a temporary file, then renamed).
    pub fn export_snapshot(
        &self,
        out: &Path,
        options: &ExportOptions,
        on_progress: &(dyn Fn(SnapshotProgress) + Sync),
    ) -> Result<ExportReport, Error> {
        let (bytes, mut report) = self.snapshot_bytes(options, on_progress)?;
        write_atomic(out, &bytes)?;
        report.path = out.display().to_string();
        Ok(report)
    }

    /// Exports the catalog to bytes (`path` of the report is empty).
    pub fn snapshot_bytes(
        &self,
        options: &ExportOptions,
        on_progress: &(dyn Fn(SnapshotProgress) + Sync),
    ) -> Result<(Vec<u8>, ExportReport), Error> {
        let started = Instant::now();
        on_progress(SnapshotProgress::Reading);
        let mut ids = Vec::new();
        for text in &options.sources {
            ids.push(self.catalog.find_source(text)?.id);
        }
        let exported = self.catalog.export_catalog(&ids)?;
        let name = options.name.clone().unwrap_or_else(|| {
            let names: Vec<&str> = exported.sources.iter().map(|s| s.name.as_str()).collect();
            if names.is_empty() {
                "Greenroom catalog".to_owned()
            } else {
                names.join(", ")
            }
        });
        let id = match &options.origin_id {
            Some(id) if *id == origin_id(id) => id.clone(),
            Some(id) => {
                return Err(Error::Invalid(format!(
                    "the origin id `{id}` may only hold lowercase letters, digits and dashes (e.g. `{}`)",
                    origin_id(id)
                )));
            }
            None => origin_id(&name),
        };
        let mut counts = exported.counts.clone();
        let mut warnings = Vec::new();
        let docs = if options.with_docs {
            let source_ids: Vec<i64> = if ids.is_empty() {
                self.catalog.sources()?.iter().map(|s| s.id).collect()
            } else {
                ids.clone()
            };
            let collected = self.collect_docs(&source_ids, &exported.content, on_progress)?;
            counts.doc_sites = collected.content.sites.len();
            counts.pages = collected.content.sites.iter().map(|s| s.pages).sum();
            counts.assets = collected.content.sites.iter().map(|s| s.files.len()).sum();
            warnings.extend(collected.warnings.iter().cloned());
            if collected.content.sites.is_empty() {
                warnings.push(
                    "no docs were included: none are indexed yet; run `greenroom index` first"
                        .to_owned(),
                );
            }
            Some(collected)
        } else {
            None
        };
        let manifest = Manifest {
            format: String::new(),
            format_version: 0,
            producer: format!("greenroom {}", env!("CARGO_PKG_VERSION")),
            created_at: options.created_at.unwrap_or(exported.created_at),
            origin: Origin { id, name },
            sources: exported.sources.clone(),
            counts,
            sections: Vec::new(),
        };
        on_progress(SnapshotProgress::Writing);
        let bytes = write_snapshot(
            manifest,
            &exported.content,
            docs.as_ref().map(|d| (&d.content, d.assets.as_slice())),
            options.signing_key.as_ref(),
        )?;
        // Read back what was written: the manifest as stored, and proof it opens.
        let written = Snapshot::read(&bytes, &Limits::default())?;
        if written.file_size > 50 << 20 {
            warnings.push(format!(
                "the snapshot is {} MB; Git hosts warn above 50 MB and refuse files above 100 MB, so publish without \
                 --with-docs or through Git LFS if it grows",
                written.file_size >> 20
            ));
        }
        let report = ExportReport {
            path: String::new(),
            bytes: bytes.len() as u64,
            digest: written.digest,
            manifest: written.manifest,
            signature: written.signature,
            millis: started.elapsed().as_millis() as u64,
            warnings,
        };
        Ok((bytes, report))
    }

    /// Imports a snapshot file as its own source; a newer snapshot of the same origin
    /// replaces the previous one. Nothing is kept unless the whole file checks out.
    pub fn import_snapshot(
        &mut self,
        path: &Path,
        options: &ImportOptions,
        on_progress: &(dyn Fn(SnapshotProgress) + Sync),
    ) -> Result<ImportReport, Error> {
        let started = Instant::now();
        on_progress(SnapshotProgress::Reading);
        let (snapshot, catalog) = Snapshot::read_file_unparsed(path, &Limits::default())?;
        let file = std::fs::canonicalize(path)
            .unwrap_or_else(|_| path.to_owned())
            .display()
            .to_string();
        let into = ImportInto::Origin { file };
        self.import_checked(snapshot, catalog, into, options, on_progress, started)
    }

    /// Imports a snapshot that was read and checked but for its catalog section, which is
    /// checked as it is written (reading started at `started`).
    pub(crate) fn import_checked(
        &mut self,
        snapshot: Snapshot,
        catalog: CatalogSection,
        into: ImportInto,
        options: &ImportOptions,
        on_progress: &(dyn Fn(SnapshotProgress) + Sync),
        started: Instant,
    ) -> Result<ImportReport, Error> {
        on_progress(SnapshotProgress::Verified {
            entities: snapshot.manifest.counts.entities,
            pages: snapshot.manifest.counts.pages,
        });
        let origin = snapshot.manifest.origin.clone();
        let target = format!("snapshot:{}", origin.id);
        let existing = match &into {
            ImportInto::Origin { .. } => self.catalog.snapshot_source_by_target(&target)?,
            ImportInto::Subscription { id, .. } => Some(*id),
        };
        let previous: Option<(SourceRecord, SnapshotSettings)> = match existing {
            Some(id) => {
                let record = self
                    .catalog
                    .source(id)?
                    .ok_or_else(|| Error::Invalid(format!("there is no source {id}")))?;
                let settings = serde_json::from_value(record.settings.clone()).unwrap_or_default();
                Some((record, settings))
            }
            None => None,
        };
        let previous_settings = previous.as_ref().map(|(_, s)| s);
        let trusted = check_trust(&snapshot, previous_settings, options)?;
        if let Some(settings) = previous_settings {
            if let Some(pinned) = &settings.origin
                && pinned.id != origin.id
            {
                return Err(Error::Invalid(format!(
                    "this snapshot is from `{}`, but this source imports snapshots of `{}`; import it as its own \
                     source instead",
                    origin.id, pinned.id
                )));
            }
            if settings.created_at > snapshot.manifest.created_at && !options.allow_older {
                return Err(Error::Invalid(format!(
                    "this snapshot ({}) is older than the one already imported from {} ({}); allow older snapshots \
                     to go back",
                    date(snapshot.manifest.created_at),
                    origin.name,
                    date(settings.created_at)
                )));
            }
        }
        if let Some((record, settings)) = &previous
            && settings.digest == snapshot.digest
        {
            return Ok(ImportReport {
                source_id: record.id,
                source_name: record.name.clone(),
                created: false,
                unchanged: true,
                origin,
                created_at: snapshot.manifest.created_at,
                digest: snapshot.digest,
                signature: snapshot.signature,
                trusted,
                entities: record.entity_count as usize,
                invalid_entities: 0,
                added: 0,
                updated: 0,
                removed: 0,
                shadowed: 0,
                overriding: 0,
                conflicts: Vec::new(),
                doc_sites: snapshot.manifest.counts.doc_sites,
                pages: snapshot.manifest.counts.pages,
                millis: started.elapsed().as_millis() as u64,
            });
        }

        let prepared = if snapshot.docs.is_some() {
            prepare_docs(&snapshot)?
        } else {
            Vec::new()
        };

        let docs_root = self.dir.join(SNAPSHOT_DOCS_DIR);
        let docs_name = format!("{}-{}", origin.id, &snapshot.digest[..16]);
        let staged = if prepared.is_empty() {
            None
        } else {
            Some(stage_docs(
                &docs_root,
                &docs_name,
                &prepared,
                &snapshot.assets,
                on_progress,
            )?)
        };
        let sites = match &staged {
            Some(staged) => staged.site_writes(&prepared),
            None => Vec::new(),
        };
        let subscription = match &into {
            ImportInto::Subscription { state, .. } => Some(state.clone()),
            ImportInto::Origin { .. } => previous_settings.and_then(|s| s.subscription.clone()),
        };
        let settings = SnapshotSettings {
            origin: Some(origin.clone()),
            created_at: snapshot.manifest.created_at,
            imported_at: greenroom_catalog::store::now_millis(),
            digest: snapshot.digest.clone(),
            producer: snapshot.manifest.producer.clone(),
            counts: snapshot.manifest.counts.clone(),
            signer: match &snapshot.signature {
                SignatureStatus::Verified(info) => Some(info.clone()),
                SignatureStatus::Unsigned => None,
            },
            docs_dir: staged
                .as_ref()
                .map(|_| format!("{SNAPSHOT_DOCS_DIR}/{docs_name}")),
            file: match &into {
                ImportInto::Origin { file } => Some(file.clone()),
                ImportInto::Subscription { .. } => None,
            },
            subscription,
        };
        let name = source_name(&origin, snapshot.manifest.created_at);
        on_progress(SnapshotProgress::Writing);
        // The catalog section is parsed and every entity validated as if read from a
        // repository, a chunk of repositories at a time on the other cores while the writer
        // takes the chunk before. It is all one transaction: nothing shows, and nothing is kept
        // on an error (also one found late in the section), until all of it is in.
        let valid = AtomicUsize::new(0);
        let mut refused = None;
        let written = std::thread::scope(|scope| {
            let (send, receive) = std::sync::mpsc::sync_channel(2);
            let (catalog, valid, refused) = (&catalog, &valid, &mut refused);
            scope.spawn(move || {
                let ended = catalog.validate_chunks(VALIDATION_CHUNK, |chunk| {
                    valid.fetch_add(entities_in(&chunk), Ordering::Relaxed);
                    // An error means the writer stopped on an error.
                    send.send(SnapshotPart::Repos(chunk)).is_ok()
                });
                let last = match ended {
                    Ok(Some(problems)) => SnapshotPart::End(problems),
                    Ok(None) => return,
                    Err(e) => {
                        *refused = Some(e);
                        SnapshotPart::Refused
                    }
                };
                let _ = send.send(last);
            });
            self.catalog.write_snapshot_source(SnapshotWrite {
                existing,
                source: NewSource {
                    kind: SourceKind::Snapshot,
                    target: previous
                        .as_ref()
                        .map_or(target, |(record, _)| record.target.clone()),
                    name: name.clone(),
                    settings: serde_json::to_value(&settings).unwrap_or_default(),
                    priority: options.priority.unwrap_or(SNAPSHOT_PRIORITY),
                },
                parts: receive,
                entities: snapshot.manifest.counts.entities,
                sites,
            })
        });
        let valid = valid.into_inner();
        let invalid = snapshot.manifest.counts.entities.saturating_sub(valid);
        on_progress(SnapshotProgress::Validated {
            entities: valid,
            invalid,
        });
        let written = match written {
            Ok(written) => written,
            Err(e) => {
                if let Some(staged) = staged {
                    staged.discard();
                }
                // Why the snapshot was refused says more than that the write stopped.
                return Err(refused.map_or_else(|| e.into(), Error::from));
            }
        };
        // The catalog now points at the new docs; the previous folder can go.
        if let Some(old) = previous_settings.and_then(|s| s.docs_dir.clone())
            && Some(&old) != settings.docs_dir.as_ref()
        {
            let _ = std::fs::remove_dir_all(self.dir.join(old));
        }
        Ok(ImportReport {
            source_id: written.source_id,
            source_name: name,
            created: written.created,
            unchanged: false,
            origin,
            created_at: snapshot.manifest.created_at,
            digest: snapshot.digest,
            signature: snapshot.signature,
            trusted,
            entities: valid,
            invalid_entities: invalid,
            added: written.stats.added,
            updated: written.stats.updated,
            removed: written.stats.removed,
            shadowed: written.shadowed,
            overriding: written.overriding,
            conflicts: written.conflicts,
            doc_sites: prepared.len(),
            pages: prepared.iter().map(|p| p.site.pages.len()).sum(),
            millis: started.elapsed().as_millis() as u64,
        })
    }

    /// The imported snapshots, with their age and signer, for the sources list.
    pub fn snapshot_sources(&self) -> Result<Vec<SnapshotSource>, Error> {
        let now = greenroom_catalog::store::now_millis();
        Ok(self
            .catalog
            .sources()?
            .into_iter()
            .filter(|s| s.kind == SourceKind::Snapshot)
            .map(|source| {
                let snapshot: SnapshotSettings =
                    serde_json::from_value(source.settings.clone()).unwrap_or_default();
                SnapshotSource {
                    age_millis: if snapshot.created_at > 0 {
                        now - snapshot.created_at
                    } else {
                        0
                    },
                    source,
                    snapshot,
                }
            })
            .collect())
    }

    /// Removes a snapshot source (by id, target or name), its entities and its docs.
    pub fn remove_snapshot(&mut self, source: &str) -> Result<SourceRecord, Error> {
        let record = self.catalog.find_source(source)?;
        if record.kind != SourceKind::Snapshot {
            return Err(Error::Invalid(format!(
                "{} is not a snapshot; remove it with `greenroom source remove`",
                record.name
            )));
        }
        self.remove_source(&record.id.to_string())
    }

    /// Whether an entity's repository is on this machine, and where to clone it from if
    /// not (entities from a snapshot come from another machine's repositories).
    pub fn repository_of(&self, key: &str) -> Result<RepoAvailability, Error> {
        let key = self.resolve_ref(key)?;
        let Some(record) = self.catalog.entity(&key)? else {
            return Ok(RepoAvailability::None);
        };
        let Some(location) = record.location else {
            return Ok(RepoAvailability::None);
        };
        if record.source_kind == SourceKind::Folder {
            return Ok(RepoAvailability::Local {
                path: location.repo,
            });
        }
        if let Some(url) = &location.remote_url {
            let wanted = normalize_remote(url);
            for (path, remote) in self.catalog.local_repo_remotes()? {
                if normalize_remote(&remote) == wanted && Path::new(&path).is_dir() {
                    return Ok(RepoAvailability::Local { path });
                }
            }
        }
        Ok(not_here(&location))
    }

    /// The data folder's docs folder of a snapshot source.
    pub(crate) fn snapshot_docs_dir(&self, settings: &SnapshotSettings) -> Option<PathBuf> {
        settings.docs_dir.as_ref().map(|d| self.dir.join(d))
    }
}

fn not_here(location: &EntityLocation) -> RepoAvailability {
    let clone_url = location.remote_url.clone().or_else(|| {
        let repo = &location.repo;
        (repo.contains("://") || repo.starts_with("git@")).then(|| repo.clone())
    });
    RepoAvailability::NotOnThisMachine {
        repo: location.repo.clone(),
        clone_url,
    }
}

/// A remote URL reduced to host and path, so that `git@host:org/repo.git` and
/// `https://host/org/repo` compare equal.
fn normalize_remote(url: &str) -> String {
    let url = url.trim().trim_end_matches('/');
    let url = url.strip_suffix(".git").unwrap_or(url);
    let rest = match url.split_once("://") {
        Some((_, rest)) => rest.to_owned(),
        None => url.replacen(':', "/", 1),
    };
    let rest = rest.rsplit_once('@').map_or(rest.as_str(), |(_, r)| r);
    rest.to_lowercase()
}

/// Decides whether the snapshot's signature is acceptable; returns whether its key is
/// trusted. A source that was signed before must stay signed by the same key.
fn check_trust(
    snapshot: &Snapshot,
    previous: Option<&SnapshotSettings>,
    options: &ImportOptions,
) -> Result<bool, Error> {
    let pinned = previous.and_then(|s| s.signer.as_ref());
    match &snapshot.signature {
        SignatureStatus::Unsigned => {
            if let Some(pinned) = pinned {
                return Err(Error::Invalid(format!(
                    "the previous snapshot of {} was signed by {} (key {}), but this one is not signed; ask its \
                     publisher for a signed copy, or remove the source first if they stopped signing",
                    snapshot.manifest.origin.name, pinned.signer, pinned.key_id
                )));
            }
            if options.require_signature || options.require_trusted {
                return Err(Error::Invalid(
                    "this snapshot is not signed, and a signature is required".to_owned(),
                ));
            }
            Ok(false)
        }
        SignatureStatus::Verified(info) => {
            if let Some(pinned) = pinned
                && pinned.public_key != info.public_key
            {
                return Err(Error::Invalid(format!(
                    "this snapshot is signed by key {} ({}), but the previous snapshot of {} was signed by key {} \
                     ({}); if the team changed its key, remove the source and import again",
                    info.key_id,
                    info.signer,
                    snapshot.manifest.origin.name,
                    pinned.key_id,
                    pinned.signer
                )));
            }
            let trusted = pinned.is_some() || is_trusted(info, &options.trusted_keys)?;
            if options.require_trusted && !trusted {
                return Err(Error::Invalid(format!(
                    "this snapshot is signed by key {} ({}), which is not one of the trusted keys",
                    info.key_id, info.signer
                )));
            }
            Ok(trusted)
        }
    }
}

impl From<SnapshotError> for Error {
    fn from(error: SnapshotError) -> Self {
        match error {
            SnapshotError::Store(e) => Error::Store(e),
            SnapshotError::Io { path, reason } => Error::Io { path, reason },
            other => Error::Invalid(other.to_string()),
        }
    }
}
