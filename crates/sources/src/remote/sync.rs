//! Syncing the repositories of a remote source: fetch each into the cache on a bounded
//! number of threads, read the descriptors of those whose commit changed straight from the
//! fetched tree, and hand every repository to the catalog writer as soon as it is done. A
//! repository that fails keeps what the catalog has of it.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use greenroom_catalog::descriptor::RepoFiles;
use greenroom_catalog::read_tree;
use greenroom_catalog::store::{RepoContent, RepoIndex, RepoState};
use serde::{Deserialize, Serialize};

use super::cache::{self, FetchRequest, Fetched, Transfer};
use super::cancel::Cancel;
use super::credentials::{CredentialSource, SshSettings};
use super::failure::{FailureKind, FetchFailure};
use super::tree::GitTree;
use super::url::RemoteUrl;
use crate::local::DEFAULT_PATTERNS;
use crate::watch::{Recorder, Watch};

/// One repository of a remote source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteRepo {
    /// Where it is cloned from.
    pub url: RemoteUrl,
    /// The branch to follow; `None` for the remote's default branch.
    pub branch: Option<String>,
    /// Descriptor globs read besides the root `catalog-info.yaml`.
    pub globs: Vec<String>,
}

impl RemoteRepo {
    /// Its key in the catalog: the URL, followed by `#branch` when a branch is named.
    pub fn key(&self) -> String {
        match &self.branch {
            Some(branch) => format!("{}#{branch}", self.url),
            None => self.url.to_string(),
        }
    }

    /// Its cache entry under `cache_dir`.
    pub fn cache_entry(&self, cache_dir: &Path) -> std::path::PathBuf {
        cache::entry_path(cache_dir, &self.url, self.branch.as_deref())
    }
}

/// How a sync runs.
pub struct SyncSettings<'a> {
    /// The cache folder of the source.
    pub cache_dir: &'a Path,
    /// Repositories fetched at once.
    pub concurrency: usize,
    /// HTTPS tokens.
    pub credentials: &'a dyn CredentialSource,
    /// SSH keys and trusted hosts.
    pub ssh: &'a SshSettings,
    /// Stops the sync.
    pub cancel: &'a Cancel,
}

/// What a sync is doing, per repository.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "event",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum SyncEvent {
    /// A repository's fetch began.
    Started {
        /// The repository's key.
        repo: String,
    },
    /// Objects are arriving.
    Transfer {
        /// The repository's key.
        repo: String,
        /// Objects received so far.
        received_objects: usize,
        /// Objects the server is sending.
        total_objects: usize,
        /// Bytes received so far.
        received_bytes: usize,
    },
    /// A repository is done.
    Finished {
        /// The repository's key.
        repo: String,
        /// Repositories done so far.
        done: usize,
        /// Repositories in all.
        total: usize,
        /// How it went.
        outcome: RepoOutcome,
    },
}

/// How one repository's sync went.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "status",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum RepoOutcome {
    /// Fetched; the catalog already had this commit.
    Unchanged {
        /// The commit.
        commit: String,
    },
    /// A new commit; its descriptors were read (or found to be the same).
    Updated {
        /// The commit.
        commit: String,
        /// The commit the catalog had, if any.
        previous: Option<String>,
    },
    /// Not synced; the catalog keeps what it had.
    Failed {
        /// Why.
        failure: FetchFailure,
    },
}

/// The sync state of one repository, for the catalog's status table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoSync {
    /// The repository's key.
    pub key: String,
    /// Its URL.
    pub url: String,
    /// The branch followed (resolved after a successful fetch).
    pub branch: Option<String>,
    /// The commit fetched, when the fetch worked.
    pub commit: Option<String>,
    /// Why it failed, if it did.
    pub failure: Option<FetchFailure>,
    /// Whether a damaged cache entry was cloned again.
    pub recloned: bool,
}

/// Syncs `repos`, handing each repository's index and status to `sink` as soon as it is
/// done (from worker threads, in any order). Every repository reaches `sink`, failed and
/// cancelled ones as "unchanged" so that the catalog keeps them.
pub fn sync_repos(
    repos: &[RemoteRepo],
    previous: &HashMap<String, RepoState>,
    settings: &SyncSettings<'_>,
    on_event: &(dyn Fn(SyncEvent) + Sync),
    sink: &(dyn Fn(RepoIndex, RepoSync) + Sync),
) {
    super::timeouts::ensure_timeouts();
    let _ = std::fs::create_dir_all(settings.cache_dir);
    let total = repos.len();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let worker = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(repo) = repos.get(i) else { break };
            let key = repo.key();
            let (index, status, outcome) = if settings.cancel.is_cancelled() {
                let failure = FetchFailure::new(
                    FailureKind::Cancelled,
                    repo.url.credential_host(),
                    "the sync was cancelled before this repository",
                );
                kept(repo, previous.get(&key), failure, false)
            } else {
                on_event(SyncEvent::Started { repo: key.clone() });
                let on_transfer = |t: Transfer| {
                    on_event(SyncEvent::Transfer {
                        repo: key.clone(),
                        received_objects: t.received_objects,
                        total_objects: t.total_objects,
                        received_bytes: t.received_bytes,
                    });
                };
                sync_one(repo, previous.get(&key), settings, &on_transfer)
            };
            sink(index, status);
            let done = done.fetch_add(1, Ordering::Relaxed) + 1;
            on_event(SyncEvent::Finished {
                repo: key,
                done,
                total,
                outcome,
            });
        }
    };
    let threads = settings.concurrency.clamp(1, total.max(1));
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(worker);
        }
        worker();
    });
}

fn sync_one(
    repo: &RemoteRepo,
    previous: Option<&RepoState>,
    settings: &SyncSettings<'_>,
    on_transfer: &(dyn Fn(Transfer) + Sync),
) -> (RepoIndex, RepoSync, RepoOutcome) {
    let entry = repo.cache_entry(settings.cache_dir);
    let request = FetchRequest {
        url: &repo.url,
        branch: repo.branch.as_deref(),
        entry: &entry,
        credentials: settings.credentials,
        ssh: settings.ssh,
        cancel: settings.cancel,
        on_transfer,
    };
    let mut fetched = match cache::fetch(&request) {
        Ok(fetched) => fetched,
        Err(failure) => {
            // Offline, or failing: what an earlier fetch left in the cache is still good
            // if the catalog does not have it yet (e.g. the catalog was reset).
            if let Some((branch, commit)) = cache::cached_state(&entry)
                && previous.and_then(|p| p.head.as_deref()) != Some(commit.to_string().as_str())
            {
                let fetched = Fetched {
                    commit,
                    branch,
                    downloaded: false,
                    recloned: false,
                };
                if let Ok(index) = read_fetched(repo, previous, &entry, &fetched) {
                    let status = status(repo, Some(&fetched), Some(failure.clone()));
                    return (index, status, RepoOutcome::Failed { failure });
                }
            }
            return kept(repo, previous, failure, false);
        }
    };
    let read = match read_fetched(repo, previous, &entry, &fetched) {
        Ok(index) => Ok(index),
        // The entry held damaged objects: clone it again and read once more.
        Err(()) => {
            let _ = cache::remove_entry(&entry);
            match cache::fetch(&request) {
                Ok(again) => {
                    fetched = again;
                    fetched.recloned = true;
                    read_fetched(repo, previous, &entry, &fetched)
                }
                Err(failure) => return kept(repo, previous, failure, true),
            }
        }
    };
    match read {
        Ok(index) => {
            let commit = fetched.commit.to_string();
            let before = previous.and_then(|p| p.head.clone());
            let outcome = if before.as_deref() == Some(commit.as_str()) {
                RepoOutcome::Unchanged { commit }
            } else {
                RepoOutcome::Updated {
                    commit,
                    previous: before,
                }
            };
            (index, status(repo, Some(&fetched), None), outcome)
        }
        Err(()) => {
            let _ = cache::remove_entry(&entry);
            let failure = FetchFailure::new(
                FailureKind::CorruptCache,
                repo.url.credential_host(),
                "the cached copy was damaged again after a fresh clone; check the disk, then sync again",
            );
            kept(repo, previous, failure, true)
        }
    }
}

/// The index of a fetched commit: unchanged when the catalog has this commit, or when
/// every file the last read looked at has the same blob; otherwise read afresh. `Err`
/// when the cache entry turned out damaged.
fn read_fetched(
    repo: &RemoteRepo,
    previous: Option<&RepoState>,
    entry: &Path,
    fetched: &Fetched,
) -> Result<RepoIndex, ()> {
    let commit = fetched.commit.to_string();
    let mut index = RepoIndex {
        path: repo.key(),
        name: repo.url.repo_name(),
        head: Some(commit.clone()),
        branch: Some(fetched.branch.clone()),
        remote_url: Some(repo.url.to_string()),
        location: repo.url.location_prefix(&fetched.branch),
        fingerprint: String::new(),
        watch: String::new(),
        content: RepoContent::Unchanged,
    };
    if let Some(previous) = previous
        && previous.head.as_deref() == Some(commit.as_str())
        && !previous.fingerprint.is_empty()
    {
        index.fingerprint = previous.fingerprint.clone();
        index.watch = previous.watch.clone();
        return Ok(index);
    }
    let label = format!("{}#{}:", repo.url, fetched.branch);
    let tree = GitTree::open(entry, fetched.commit, label).map_err(|_| ())?;
    if let Some(previous) = previous
        && let Ok(watch) = serde_json::from_str::<Watch>(&previous.watch)
        && !watch.files.is_empty()
        && watch.refresh(&tree).fingerprint() == previous.fingerprint
        && !tree.damaged()
    {
        index.fingerprint = previous.fingerprint.clone();
        index.watch = previous.watch.clone();
        return Ok(index);
    }
    let recorder = Recorder::new(&tree);
    let mut roots: Vec<String> = Vec::new();
    for pattern in DEFAULT_PATTERNS
        .iter()
        .map(|p| (*p).to_owned())
        .chain(repo.globs.iter().cloned())
    {
        for found in recorder.glob(&pattern).unwrap_or_default() {
            if !roots.contains(&found) {
                roots.push(found);
            }
        }
    }
    let files = read_tree(&recorder as &dyn RepoFiles, &roots);
    let watch = recorder.into_watch();
    if tree.damaged() {
        return Err(());
    }
    index.fingerprint = watch.fingerprint();
    index.watch = serde_json::to_string(&watch).unwrap_or_default();
    index.content = RepoContent::Read {
        files,
        problems: Vec::new(),
    };
    Ok(index)
}

/// A repository that was not synced: the catalog keeps what it had.
fn kept(
    repo: &RemoteRepo,
    previous: Option<&RepoState>,
    failure: FetchFailure,
    recloned: bool,
) -> (RepoIndex, RepoSync, RepoOutcome) {
    let index = RepoIndex {
        path: repo.key(),
        name: previous.map_or_else(|| repo.url.repo_name(), |p| p.name.clone()),
        head: previous.and_then(|p| p.head.clone()),
        branch: previous.and_then(|p| p.branch.clone()),
        remote_url: Some(repo.url.to_string()),
        location: String::new(),
        fingerprint: previous.map(|p| p.fingerprint.clone()).unwrap_or_default(),
        watch: previous.map(|p| p.watch.clone()).unwrap_or_default(),
        content: RepoContent::Unchanged,
    };
    let mut status = status(repo, None, Some(failure.clone()));
    status.recloned = recloned;
    status.branch = previous.and_then(|p| p.branch.clone()).or(status.branch);
    (index, status, RepoOutcome::Failed { failure })
}

fn status(repo: &RemoteRepo, fetched: Option<&Fetched>, failure: Option<FetchFailure>) -> RepoSync {
    RepoSync {
        key: repo.key(),
        url: repo.url.to_string(),
        branch: fetched
            .map(|f| f.branch.clone())
            .or_else(|| repo.branch.clone()),
        commit: fetched
            .filter(|_| failure.is_none())
            .map(|f| f.commit.to_string()),
        failure,
        recloned: fetched.is_some_and(|f| f.recloned),
    }
}
