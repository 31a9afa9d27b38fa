//! Sharing snapshots through Git, with no server of our own: `publish` commits a snapshot
//! into a repository (a folder, or a remote it pushes to), `subscribe` adds a source that
//! fetches the newest snapshot of a repository on every sync.
//!
//! Large files are handled so that Git stays pleasant: each publisher's snapshot is one
//! file (`<origin>.greenroom`) replaced in place, so history keeps every version without
//! the tree growing; `.gitattributes` marks snapshots binary (no diffs, merges or line-end
//! conversion); publishing and syncing fetch only the newest commit (depth 1), so old
//! versions are never downloaded; an unchanged snapshot makes no commit.

use std::path::{Path, PathBuf};

use git2::{Direction, FetchOptions, Oid, PushOptions, RemoteCallbacks, Repository, Signature};
use greenroom_catalog::snapshot::{CatalogSection, Limits, Snapshot};
use greenroom_catalog::store::{NewSource, SourceKind, SourceRecord};
use serde::{Deserialize, Serialize};

use crate::snapshot::{
    ExportOptions, ExportReport, ImportInto, ImportOptions, ImportReport, SNAPSHOT_EXTENSION,
    SNAPSHOT_PRIORITY, SnapshotProgress, SnapshotSettings, Subscription,
};
use crate::{Error, Greenroom, IndexReport};

/// What `.gitattributes` says about snapshots.
const ATTRIBUTES: &str = "*.greenroom binary -diff -merge -text\n";
/// Where subscriptions keep their fetched repositories, in the data folder.
const SUBSCRIPTIONS_DIR: &str = "snapshot-subscriptions";
/// How often a push is tried again when someone else published at the same time.
const PUSH_ATTEMPTS: usize = 3;

/// Where and how to publish.
#[derive(Debug, Default)]
pub struct PublishOptions {
    /// What to export.
    pub export: ExportOptions,
    /// The branch (default: the repository's default branch, else `main`).
    pub branch: Option<String>,
    /// The commit message (default: says what and when).
    pub message: Option<String>,
}

/// What publishing did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishReport {
    /// The repository (folder or URL).
    pub destination: String,
    /// The branch.
    pub branch: String,
    /// The snapshot's path in the repository.
    pub file: String,
    /// The new commit; `None` when the same snapshot was already published.
    pub commit: Option<String>,
    /// The exported snapshot.
    pub export: ExportReport,
}

/// The result of syncing a subscription.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum SyncOutcome {
    /// The repository has no new commit.
    UpToDate {
        /// The commit checked.
        commit: String,
    },
    /// A snapshot was imported (or found to be the one imported already).
    Imported {
        /// The commit it was read from.
        commit: String,
        /// What the import did.
        report: Box<ImportReport>,
    },
}

impl Greenroom {
    /// Exports the catalog and commits it into a Git repository: a local folder (made a
    /// repository if it is empty or missing) or a URL (fetched shallowly, then pushed).
    pub fn publish_snapshot(
        &self,
        to: &str,
        options: &PublishOptions,
        on_progress: &(dyn Fn(SnapshotProgress) + Sync),
    ) -> Result<PublishReport, Error> {
        let (bytes, export) = self.snapshot_bytes(&options.export, on_progress)?;
        let file = format!("{}.{SNAPSHOT_EXTENSION}", export.manifest.origin.id);
        let message = options.message.clone().unwrap_or_else(|| {
            format!(
                "Snapshot of {}, {} ({} entities, {} docs pages)\n\nManifest digest {}\n",
                export.manifest.origin.name,
                crate::snapshot::date(export.manifest.created_at),
                export.manifest.counts.entities,
                export.manifest.counts.pages,
                export.digest
            )
        });
        let content = Content {
            file: &file,
            bytes: &bytes,
            message: &message,
        };
        let (branch, commit) = if is_url(to) {
            publish_remote(to, options.branch.as_deref(), &content)?
        } else {
            publish_folder(Path::new(to), options.branch.as_deref(), &content)?
        };
        Ok(PublishReport {
            destination: to.to_owned(),
            branch,
            file,
            commit: commit.map(|c| c.to_string()),
            export,
        })
    }

    /// Adds a source that follows the snapshots published in a Git repository, and syncs
    /// it. If the first sync fails, the source is removed again and the catalog is as it
    /// was.
    pub fn subscribe_snapshot(
        &mut self,
        url: &str,
        branch: Option<&str>,
        options: &ImportOptions,
        on_progress: &(dyn Fn(SnapshotProgress) + Sync),
    ) -> Result<(SourceRecord, SyncOutcome), Error> {
        let settings = SnapshotSettings {
            subscription: Some(Subscription {
                url: url.to_owned(),
                branch: branch.map(str::to_owned),
                import: options.clone(),
                ..Subscription::default()
            }),
            ..SnapshotSettings::default()
        };
        let source = self.catalog.add_source(&NewSource {
            kind: SourceKind::Snapshot,
            target: url.to_owned(),
            name: format!("Snapshots from {url}"),
            settings: serde_json::to_value(&settings).unwrap_or_default(),
            priority: options.priority.unwrap_or(SNAPSHOT_PRIORITY),
        })?;
        match self.sync_snapshot(source.id, options, on_progress) {
            Ok(outcome) => {
                let record = self.catalog.source(source.id)?.unwrap_or(source);
                Ok((record, outcome))
            }
            Err(e) => {
                let _ = self.catalog.remove_source(source.id);
                let _ = std::fs::remove_dir_all(self.subscription_cache(url));
                Err(e)
            }
        }
    }

    /// Fetches a subscription's repository (only its newest commit) and imports the
    /// newest snapshot of its origin if the commit changed. A bad snapshot is refused and
    /// the source keeps what it had.
    pub fn sync_snapshot(
        &mut self,
        source_id: i64,
        options: &ImportOptions,
        on_progress: &(dyn Fn(SnapshotProgress) + Sync),
    ) -> Result<SyncOutcome, Error> {
        let record = self
            .catalog
            .source(source_id)?
            .ok_or_else(|| Error::Invalid(format!("there is no source {source_id}")))?;
        let mut settings: SnapshotSettings =
            serde_json::from_value(record.settings.clone()).unwrap_or_default();
        let Some(mut subscription) = settings.subscription.clone() else {
            return Err(Error::Invalid(format!(
                "{} is an imported file, not a subscription; import a newer file with `greenroom snapshot import`",
                record.name
            )));
        };
        on_progress(SnapshotProgress::Reading);
        let fetched = fetch_subscription(
            &self.subscription_cache(&subscription.url),
            &subscription.url,
            subscription.branch.as_deref(),
        );
        subscription.checked_at = Some(greenroom_catalog::store::now_millis());
        let (repo, commit) = match fetched {
            Ok(found) => found,
            Err(e) => {
                subscription.error = Some(e.to_string());
                settings.subscription = Some(subscription);
                self.catalog.set_source_settings(
                    source_id,
                    &serde_json::to_value(&settings).unwrap_or_default(),
                )?;
                return Err(e);
            }
        };
        if subscription.commit.as_deref() == Some(commit.to_string().as_str())
            && settings.origin.is_some()
        {
            subscription.error = None;
            settings.subscription = Some(subscription);
            self.catalog.set_source_settings(
                source_id,
                &serde_json::to_value(&settings).unwrap_or_default(),
            )?;
            return Ok(SyncOutcome::UpToDate {
                commit: commit.to_string(),
            });
        }
        let started = std::time::Instant::now();
        let chosen = newest_snapshot(
            &repo,
            commit,
            settings.origin.as_ref().map(|o| o.id.as_str()),
        );
        let result = chosen.and_then(|(snapshot, catalog)| {
            subscription.commit = Some(commit.to_string());
            subscription.error = None;
            self.import_checked(
                snapshot,
                catalog,
                ImportInto::Subscription {
                    id: source_id,
                    state: subscription.clone(),
                },
                options,
                on_progress,
                started,
            )
        });
        match result {
            Ok(report) => {
                if report.unchanged {
                    settings.subscription = Some(subscription);
                    self.catalog.set_source_settings(
                        source_id,
                        &serde_json::to_value(&settings).unwrap_or_default(),
                    )?;
                }
                Ok(SyncOutcome::Imported {
                    commit: commit.to_string(),
                    report: Box::new(report),
                })
            }
            Err(e) => {
                let mut kept: SnapshotSettings = serde_json::from_value(
                    self.catalog
                        .source(source_id)?
                        .map(|s| s.settings)
                        .unwrap_or_default(),
                )
                .unwrap_or_default();
                if let Some(s) = kept.subscription.as_mut() {
                    s.error = Some(e.to_string());
                    s.checked_at = subscription.checked_at;
                }
                self.catalog.set_source_settings(
                    source_id,
                    &serde_json::to_value(&kept).unwrap_or_default(),
                )?;
                Err(e)
            }
        }
    }

    /// `greenroom index` on a snapshot source: a subscription fetches its newest snapshot;
    /// an imported file has nothing to refresh.
    pub(crate) fn sync_for_index(
        &mut self,
        source: &SourceRecord,
        mut report: IndexReport,
        started: std::time::Instant,
    ) -> Result<IndexReport, Error> {
        let settings: SnapshotSettings =
            serde_json::from_value(source.settings.clone()).unwrap_or_default();
        if let Some(subscription) = &settings.subscription {
            let options = subscription.import.clone();
            match self.sync_snapshot(source.id, &options, &|_| {}) {
                Ok(SyncOutcome::Imported {
                    report: imported, ..
                }) => {
                    report.stats.added = imported.added;
                    report.stats.updated = imported.updated;
                    report.stats.removed = imported.removed;
                    report.name = imported.source_name.clone();
                }
                Ok(SyncOutcome::UpToDate { .. }) => {}
                Err(e) => {
                    let message = e.to_string();
                    self.catalog.set_index_error(source.id, Some(&message))?;
                    report.error = Some(message);
                }
            }
        }
        report.repos = self
            .catalog
            .source(source.id)?
            .map_or(0, |s| s.repo_count as usize);
        report.millis = started.elapsed().as_millis() as u64;
        Ok(report)
    }

    fn subscription_cache(&self, url: &str) -> PathBuf {
        let key = blake3::hash(url.as_bytes()).to_hex();
        self.dir.join(SUBSCRIPTIONS_DIR).join(&key.as_str()[..24])
    }
}

/// A snapshot to commit.
struct Content<'a> {
    file: &'a str,
    bytes: &'a [u8],
    message: &'a str,
}

/// Whether `to` names a remote repository rather than a folder.
fn is_url(to: &str) -> bool {
    to.contains("://") || (to.contains('@') && to.contains(':') && !Path::new(to).exists())
}

/// Whether `url` is reached through libgit2's local transport.
fn is_local(url: &str) -> bool {
    url.starts_with("file://") || !url.contains("://")
}

fn git_error(what: &str, e: &git2::Error) -> Error {
    Error::Invalid(format!("{what}: {}", e.message()))
}

fn signature(repo: &Repository) -> Result<Signature<'static>, Error> {
    repo.signature()
        .or_else(|_| Signature::now("Greenroom", "greenroom@localhost"))
        .map_err(|e| git_error("cannot sign the commit", &e))
}

/// Builds the commit that puts the snapshot (and `.gitattributes`) on top of `parent`;
/// `None` when the snapshot there is already this one.
fn snapshot_commit(
    repo: &Repository,
    parent: Option<Oid>,
    content: &Content<'_>,
) -> Result<Option<Oid>, Error> {
    let failed = |e: git2::Error| git_error("cannot write the commit", &e);
    let parent = parent
        .map(|p| repo.find_commit(p))
        .transpose()
        .map_err(failed)?;
    let base = parent
        .as_ref()
        .map(git2::Commit::tree)
        .transpose()
        .map_err(failed)?;
    let blob = repo.blob(content.bytes).map_err(failed)?;
    if let Some(tree) = &base
        && tree.get_name(content.file).map(|e| e.id()) == Some(blob)
    {
        return Ok(None);
    }
    let attributes = match base.as_ref().and_then(|t| t.get_name(".gitattributes")) {
        Some(entry) => {
            let existing = repo.find_blob(entry.id()).map_err(failed)?;
            let text = String::from_utf8_lossy(existing.content()).into_owned();
            if text.contains("*.greenroom") {
                entry.id()
            } else {
                let joined = format!(
                    "{}{}{ATTRIBUTES}",
                    text,
                    if text.ends_with('\n') || text.is_empty() {
                        ""
                    } else {
                        "\n"
                    }
                );
                repo.blob(joined.as_bytes()).map_err(failed)?
            }
        }
        None => repo.blob(ATTRIBUTES.as_bytes()).map_err(failed)?,
    };
    let mut builder = repo.treebuilder(base.as_ref()).map_err(failed)?;
    builder
        .insert(content.file, blob, 0o100644)
        .map_err(failed)?;
    builder
        .insert(".gitattributes", attributes, 0o100644)
        .map_err(failed)?;
    let tree = repo
        .find_tree(builder.write().map_err(failed)?)
        .map_err(failed)?;
    let who = signature(repo)?;
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    let commit = repo
        .commit(None, &who, &who, content.message, &tree, &parents)
        .map_err(failed)?;
    Ok(Some(commit))
}

/// Commits into a local repository (bare or not), or makes one in an empty folder.
fn publish_folder(
    folder: &Path,
    branch: Option<&str>,
    content: &Content<'_>,
) -> Result<(String, Option<Oid>), Error> {
    let repo = match Repository::open(folder) {
        Ok(repo) => repo,
        Err(_) => {
            let empty = !folder.exists()
                || std::fs::read_dir(folder)
                    .map_err(|e| Error::io(folder, &e))?
                    .next()
                    .is_none();
            if !empty {
                return Err(Error::Invalid(format!(
                    "{} is neither a Git repository nor an empty folder; publish into a repository, or an empty or \
                     new folder",
                    folder.display()
                )));
            }
            std::fs::create_dir_all(folder).map_err(|e| Error::io(folder, &e))?;
            let mut init = git2::RepositoryInitOptions::new();
            init.initial_head(branch.unwrap_or("main"));
            Repository::init_opts(folder, &init)
                .map_err(|e| git_error("cannot make a repository", &e))?
        }
    };
    let failed = |e: git2::Error| git_error("cannot publish into the repository", &e);
    let branch = match branch {
        Some(b) => b.to_owned(),
        None => {
            let head = repo.find_reference("HEAD").map_err(failed)?;
            head.symbolic_target()
                .ok()
                .flatten()
                .and_then(|t| t.strip_prefix("refs/heads/"))
                .unwrap_or("main")
                .to_owned()
        }
    };
    let refname = format!("refs/heads/{branch}");
    let parent = repo.refname_to_id(&refname).ok();
    let Some(commit) = snapshot_commit(&repo, parent, content)? else {
        return Ok((branch, None));
    };
    repo.reference(&refname, commit, true, "greenroom snapshot publish")
        .map_err(failed)?;
    // In a working copy on that branch, show the new files and keep the index in step for
    // them only (anything else the person staged stays as it was).
    let on_branch = repo
        .find_reference("HEAD")
        .ok()
        .and_then(|h| h.symbolic_target().ok().flatten().map(str::to_owned))
        == Some(refname.clone());
    if let (Some(workdir), true) = (repo.workdir(), on_branch) {
        let mut index = repo.index().map_err(failed)?;
        for name in [content.file, ".gitattributes"] {
            let tree = repo
                .find_commit(commit)
                .and_then(|c| c.tree())
                .map_err(failed)?;
            let entry = tree
                .get_name(name)
                .ok_or_else(|| Error::Invalid(format!("{name} is missing")))?;
            let blob = repo.find_blob(entry.id()).map_err(failed)?;
            crate::snapshot::write_atomic(&workdir.join(name), blob.content())?;
            index.add_path(Path::new(name)).map_err(failed)?;
        }
        index.write().map_err(failed)?;
    }
    Ok((branch, Some(commit)))
}

/// Fetches the branch's newest commit into a scratch repository, commits on top and
/// pushes; tries again if someone else published in between.
fn publish_remote(
    url: &str,
    branch: Option<&str>,
    content: &Content<'_>,
) -> Result<(String, Option<Oid>), Error> {
    let scratch = tempfile::Builder::new()
        .prefix("greenroom-publish-")
        .tempdir()
        .map_err(|e| Error::io(&std::env::temp_dir(), &e))?;
    let repo = Repository::init_bare(scratch.path())
        .map_err(|e| git_error("cannot make a scratch repository", &e))?;
    let mut last_error = None;
    for _ in 0..PUSH_ATTEMPTS {
        let (branch, parent) = fetch_tip(&repo, url, branch)?;
        let Some(commit) = snapshot_commit(&repo, parent, content)? else {
            return Ok((branch, None));
        };
        let refname = format!("refs/heads/{branch}");
        repo.reference(&refname, commit, true, "greenroom snapshot publish")
            .map_err(|e| git_error("cannot publish", &e))?;
        match push(&repo, url, &refname) {
            Ok(()) => return Ok((branch, Some(commit))),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| Error::Invalid(format!("cannot push to {url}"))))
}

/// Connects to `url`, picks the branch (given, else the remote's default, else `main`)
/// and fetches its newest commit if it has one.
fn fetch_tip(
    repo: &Repository,
    url: &str,
    branch: Option<&str>,
) -> Result<(String, Option<Oid>), Error> {
    let unreachable =
        |e: git2::Error| Error::Invalid(format!("cannot reach {url}: {}", e.message()));
    let mut remote = repo.remote_anonymous(url).map_err(unreachable)?;
    let (branch, exists) = {
        let connection = remote
            .connect_auth(Direction::Fetch, None, None)
            .map_err(unreachable)?;
        let heads: Vec<String> = connection
            .list()
            .map_err(unreachable)?
            .iter()
            .map(|h| h.name().to_owned())
            .collect();
        let branch = match branch {
            Some(b) => b.to_owned(),
            None => connection
                .default_branch()
                .ok()
                .and_then(|b| b.as_str().ok().map(str::to_owned))
                .and_then(|b| b.strip_prefix("refs/heads/").map(str::to_owned))
                .unwrap_or_else(|| "main".to_owned()),
        };
        let exists = heads.iter().any(|h| *h == format!("refs/heads/{branch}"));
        (branch, exists)
    };
    if !exists {
        return Ok((branch, None));
    }
    let tracking = format!("refs/greenroom/{branch}");
    let mut fetch = FetchOptions::new();
    // Only the newest commit: old snapshots are never downloaded. libgit2's local
    // transport cannot fetch shallowly; on a local disk a full fetch costs little.
    if !is_local(url) {
        fetch.depth(1);
    }
    remote
        .fetch(
            &[format!("+refs/heads/{branch}:{tracking}")],
            Some(&mut fetch),
            None,
        )
        .map_err(unreachable)?;
    let tip = repo.refname_to_id(&tracking).map_err(unreachable)?;
    Ok((branch, Some(tip)))
}

fn push(repo: &Repository, url: &str, refname: &str) -> Result<(), Error> {
    let mut remote = repo
        .remote_anonymous(url)
        .map_err(|e| git_error(&format!("cannot push to {url}"), &e))?;
    let rejected = std::cell::RefCell::new(None);
    let mut callbacks = RemoteCallbacks::new();
    callbacks.push_update_reference(|reference, status| {
        if let Some(status) = status {
            *rejected.borrow_mut() = Some(format!("{reference}: {status}"));
        }
        Ok(())
    });
    let mut options = PushOptions::new();
    options.remote_callbacks(callbacks);
    remote
        .push(&[format!("{refname}:{refname}")], Some(&mut options))
        .map_err(|e| git_error(&format!("cannot push to {url}"), &e))?;
    drop(options);
    if let Some(why) = rejected.into_inner() {
        return Err(Error::Invalid(format!(
            "{url} refused the snapshot ({why}); someone may have published at the same time: try again"
        )));
    }
    Ok(())
}

/// Fetches a subscription's branch (newest commit only) into its cache repository.
fn fetch_subscription(
    cache: &Path,
    url: &str,
    branch: Option<&str>,
) -> Result<(Repository, Oid), Error> {
    let repo = match Repository::open_bare(cache) {
        Ok(repo) => repo,
        Err(_) => {
            let _ = std::fs::remove_dir_all(cache);
            std::fs::create_dir_all(cache).map_err(|e| Error::io(cache, &e))?;
            Repository::init_bare(cache)
                .map_err(|e| git_error("cannot make the subscription's cache", &e))?
        }
    };
    let (branch, tip) = fetch_tip(&repo, url, branch)?;
    let tip = tip.ok_or_else(|| {
        Error::Invalid(format!(
            "{url} has no branch `{branch}` yet; publish a snapshot into it with `greenroom snapshot publish --to {url}`"
        ))
    })?;
    Ok((repo, tip))
}

/// The newest snapshot (by creation time) among the `.greenroom` files at the root of the
/// commit's tree, of `origin` when given, with its catalog section still to parse. Every
/// candidate is read and checked (but for its catalog's content, which the import checks);
/// a damaged one is an error rather than skipped, so the subscriber hears about it.
fn newest_snapshot(
    repo: &Repository,
    commit: Oid,
    origin: Option<&str>,
) -> Result<(Snapshot, CatalogSection), Error> {
    let failed = |e: git2::Error| git_error("cannot read the fetched commit", &e);
    let tree = repo
        .find_commit(commit)
        .and_then(|c| c.tree())
        .map_err(failed)?;
    let limits = Limits::default();
    let mut best: Option<(Snapshot, CatalogSection)> = None;
    let mut seen = 0;
    for entry in tree.iter() {
        let Ok(name) = entry.name() else { continue };
        if !name.ends_with(&format!(".{SNAPSHOT_EXTENSION}"))
            || entry.kind() != Some(git2::ObjectType::Blob)
        {
            continue;
        }
        let odb = repo.odb().map_err(failed)?;
        let (size, _) = odb.read_header(entry.id()).map_err(failed)?;
        if size as u64 > limits.max_file_bytes {
            return Err(Error::Invalid(format!(
                "{name} is too large to open safely ({size} bytes)"
            )));
        }
        let blob = repo.find_blob(entry.id()).map_err(failed)?;
        let (snapshot, catalog) = Snapshot::read_unparsed(blob.content(), &limits)
            .map_err(|e| Error::Invalid(format!("{name}: {e}")))?;
        if origin.is_some_and(|o| o != snapshot.manifest.origin.id) {
            continue;
        }
        seen += 1;
        if best
            .as_ref()
            .is_none_or(|(b, _)| snapshot.manifest.created_at > b.manifest.created_at)
        {
            best = Some((snapshot, catalog));
        }
    }
    best.ok_or_else(|| {
        Error::Invalid(match (origin, seen) {
            (Some(origin), 0) => format!("the repository no longer has a snapshot of `{origin}`"),
            _ => "the repository holds no .greenroom snapshot".to_owned(),
        })
    })
}
