//! Indexing sources with progress: each source is read (in parallel over its
//! repositories) and written in one transaction.

use std::time::Instant;

use greenroom_catalog::store::{SourceKind, SourceRecord, WriteStats};
use std::path::Path;
use std::sync::mpsc;

use greenroom_catalog::store::RepoIndex;
use greenroom_sources::{FolderSettings, ScanEvent, plan_folder, scan_repos};
use serde::{Deserialize, Serialize};

use crate::{Error, Greenroom};

/// What an index is doing, for progress bars and events.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Progress {
    /// A source's turn began.
    SourceStarted {
        /// The source.
        source_id: i64,
        /// Its name.
        name: String,
        /// Its position among the sources being indexed, from 1.
        position: usize,
        /// How many sources are being indexed.
        count: usize,
    },
    /// Its repositories were found.
    Discovered {
        /// The source.
        source_id: i64,
        /// How many repositories.
        repos: usize,
    },
    /// One repository was checked.
    Scanned {
        /// The source.
        source_id: i64,
        /// Repositories checked so far.
        done: usize,
        /// Repositories in all.
        total: usize,
        /// The one just checked.
        repo: String,
        /// Whether its descriptors changed.
        changed: bool,
    },
    /// The changes are being written.
    Writing {
        /// The source.
        source_id: i64,
    },
    /// The source is done.
    SourceFinished {
        /// What happened.
        report: IndexReport,
    },
    /// The docs of the indexed sources are being built and indexed for search
    /// ([`Greenroom::index_with_docs`]).
    Docs {
        /// What the docs build is doing.
        progress: crate::docs::DocsProgress,
    },
}

/// What indexing one source did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexReport {
    /// The source.
    pub source_id: i64,
    /// Its name.
    pub name: String,
    /// What changed in the catalog.
    pub stats: WriteStats,
    /// Repositories found.
    pub repos: usize,
    /// How long it took, in milliseconds.
    pub millis: u64,
    /// Why it failed, if it did; what it contributed before is kept.
    pub error: Option<String>,
}

impl Greenroom {
    /// Indexes one source (by id, folder or name) or all of them.
    pub fn index(
        &mut self,
        source: Option<&str>,
        on_progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<Vec<IndexReport>, Error> {
        let sources: Vec<SourceRecord> = match source {
            Some(text) => vec![self.catalog.find_source(text)?],
            None => self.catalog.sources()?,
        };
        let count = sources.len();
        let mut reports = Vec::with_capacity(count);
        for (i, source) in sources.into_iter().enumerate() {
            on_progress(Progress::SourceStarted {
                source_id: source.id,
                name: source.name.clone(),
                position: i + 1,
                count,
            });
            let report = self.index_source(&source, on_progress)?;
            on_progress(Progress::SourceFinished {
                report: report.clone(),
            });
            reports.push(report);
        }
        Ok(reports)
    }

    fn index_source(
        &mut self,
        source: &SourceRecord,
        on_progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<IndexReport, Error> {
        let started = Instant::now();
        let mut report = IndexReport {
            source_id: source.id,
            name: source.name.clone(),
            stats: WriteStats::default(),
            repos: 0,
            millis: 0,
            error: None,
        };
        match source.kind {
            SourceKind::Folder => {}
            SourceKind::Remote => return self.index_remote(source, on_progress),
            // Other kinds are refreshed by their own commands.
            SourceKind::Snapshot => return self.sync_for_index(source, report, started),
            SourceKind::Org => return Ok(report),
        }
        let settings: FolderSettings =
            serde_json::from_value(source.settings.clone()).unwrap_or_default();
        let previous = self.catalog.repo_states(source.id)?;
        let id = source.id;
        let plan = match plan_folder(Path::new(&source.target), &settings, &previous) {
            Ok(plan) => plan,
            Err(e) => {
                let message = e.to_string();
                self.catalog.set_index_error(id, Some(&message))?;
                report.error = Some(message);
                report.millis = started.elapsed().as_millis() as u64;
                return Ok(report);
            }
        };
        report.repos = plan.repos.len() + plan.retained.len();
        on_progress(Progress::Discovered {
            source_id: id,
            repos: plan.repos.len(),
        });
        // Scanning threads hand repositories to this thread, which writes them as they
        // come: reading and writing overlap, in one transaction.
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let (sender, receiver) = mpsc::sync_channel::<RepoIndex>(64);
        let catalog = &mut self.catalog;
        report.stats = std::thread::scope(|scope| {
            let plan = &plan;
            let previous = &previous;
            scope.spawn(move || {
                let events = |event: ScanEvent| {
                    if let ScanEvent::Scanned {
                        done,
                        total,
                        repo,
                        changed,
                    } = event
                    {
                        on_progress(Progress::Scanned {
                            source_id: id,
                            done,
                            total,
                            repo,
                            changed,
                        });
                    }
                };
                scan_repos(plan, previous, threads, &events, &|repo| {
                    let _ = sender.send(repo);
                });
                on_progress(Progress::Writing { source_id: id });
            });
            catalog.apply_stream(
                id,
                true,
                &plan.problems,
                receiver.into_iter().chain(plan.retained.iter().cloned()),
            )
        })?;
        report.millis = started.elapsed().as_millis() as u64;
        Ok(report)
    }
}
