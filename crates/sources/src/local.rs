//! Indexing a folder source: find its repositories, skip those whose descriptors did not
//! change, read the others, in parallel with a bounded number of threads.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use greenroom_catalog::descriptor::RepoFiles;
use greenroom_catalog::store::{RepoContent, RepoIndex, RepoState, SourceIndex};
use greenroom_catalog::{Problem, WorkingTree, read_tree};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::discover::{DiscoveryLimits, discover_repos};
use crate::git_head::{read_head, remote_url};
use crate::watch::{Recorder, Watch};

/// Where descriptors are looked for in each repository unless a source says otherwise.
pub const DEFAULT_PATTERNS: [&str; 1] = ["catalog-info.{yaml,yml}"];

/// Settings of a folder source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FolderSettings {
    /// Descriptor globs, relative to each repository, read besides the default
    /// `catalog-info.yaml`/`.yml` at the root (e.g. `services/*/catalog-info.yaml`).
    pub globs: Vec<String>,
}

/// What happens while a folder is indexed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "camelCase")]
pub enum ScanEvent {
    /// The repositories were found.
    Discovered {
        /// How many.
        repos: usize,
    },
    /// One repository was checked.
    Scanned {
        /// Repositories checked so far.
        done: usize,
        /// Repositories in all.
        total: usize,
        /// The one just checked.
        repo: String,
        /// Whether its descriptors changed.
        changed: bool,
    },
}

/// Why a folder could not be indexed at all.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The folder is missing or unreadable; what it contributed stays in the catalog.
    #[error(
        "cannot read the folder {path}: {reason}. If it is on a drive that is not mounted, mount it and index again; \
         the catalog keeps what this source contributed before"
    )]
    Unreachable {
        /// The folder.
        path: String,
        /// Why.
        reason: String,
    },
}

/// A folder's repositories, found and ready to be scanned.
#[derive(Debug, Clone, Default)]
pub struct FolderPlan {
    /// Repositories to check.
    pub repos: Vec<PathBuf>,
    /// Problems of the folder as a whole (sub-folders that could not be searched).
    pub problems: Vec<Problem>,
    /// Repositories the catalog knows that could not be reached this time; they keep what
    /// they had.
    pub retained: Vec<RepoIndex>,
    /// Descriptor globs to read in each repository.
    pub patterns: Vec<String>,
}

/// Finds the repositories of the folder `root`. `previous` is what the catalog knows of
/// them, so that repositories in folders that cannot be read now are kept.
pub fn plan_folder(
    root: &Path,
    settings: &FolderSettings,
    previous: &HashMap<String, RepoState>,
) -> Result<FolderPlan, ScanError> {
    let discovery =
        discover_repos(root, &DiscoveryLimits::default()).map_err(|e| ScanError::Unreachable {
            path: root.display().to_string(),
            reason: e.to_string(),
        })?;
    let mut plan = FolderPlan {
        repos: discovery.repos,
        patterns: DEFAULT_PATTERNS
            .iter()
            .map(|p| (*p).to_owned())
            .chain(settings.globs.iter().cloned())
            .collect(),
        ..FolderPlan::default()
    };
    for (dir, reason) in &discovery.unreadable {
        plan.problems.push(Problem::warning(
            "folder-unreadable",
            format!(
                "could not search {}: {reason}; repositories inside it keep what they had",
                dir.display()
            ),
        ));
        for (path, state) in previous {
            if Path::new(path).starts_with(dir) {
                plan.retained.push(unchanged(path, state));
            }
        }
    }
    Ok(plan)
}

/// Checks every repository of a plan on `threads` threads, handing each result to `sink`
/// as soon as it is ready (in any order).
pub fn scan_repos(
    plan: &FolderPlan,
    previous: &HashMap<String, RepoState>,
    threads: usize,
    on_event: &(dyn Fn(ScanEvent) + Sync),
    sink: &(dyn Fn(RepoIndex) + Sync),
) {
    let total = plan.repos.len();
    let done = AtomicUsize::new(0);
    let scan = |repo: &PathBuf| {
        let key = repo.display().to_string();
        let index = scan_repo(repo, &plan.patterns, previous.get(&key));
        let changed = !matches!(index.content, RepoContent::Unchanged);
        sink(index);
        let done = done.fetch_add(1, Ordering::Relaxed) + 1;
        on_event(ScanEvent::Scanned {
            done,
            total,
            repo: key,
            changed,
        });
    };
    match rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
    {
        Ok(pool) => pool.install(|| plan.repos.par_iter().for_each(scan)),
        Err(_) => plan.repos.iter().for_each(scan),
    }
}

/// Indexes the folder `root` in one go: every repository found is either re-read or
/// reported unchanged against `previous`.
pub fn scan_folder(
    source_id: i64,
    root: &Path,
    settings: &FolderSettings,
    previous: &HashMap<String, RepoState>,
    threads: usize,
    on_event: &(dyn Fn(ScanEvent) + Sync),
) -> Result<SourceIndex, ScanError> {
    let plan = plan_folder(root, settings, previous)?;
    on_event(ScanEvent::Discovered {
        repos: plan.repos.len(),
    });
    let repos = Mutex::new(Vec::with_capacity(plan.repos.len()));
    scan_repos(&plan, previous, threads, on_event, &|repo| {
        if let Ok(mut repos) = repos.lock() {
            repos.push(repo);
        }
    });
    let mut repos = repos.into_inner().unwrap_or_default();
    repos.extend(plan.retained);
    Ok(SourceIndex {
        source_id,
        repos,
        complete: true,
        problems: plan.problems,
    })
}

fn unchanged(path: &str, state: &RepoState) -> RepoIndex {
    RepoIndex {
        path: path.to_owned(),
        name: state.name.clone(),
        head: state.head.clone(),
        branch: state.branch.clone(),
        remote_url: None,
        location: format!("file:{path}/"),
        fingerprint: state.fingerprint.clone(),
        watch: state.watch.clone(),
        content: RepoContent::Unchanged,
    }
}

/// Checks one repository: unchanged when what the last index read is still the same,
/// otherwise every descriptor is read again.
pub fn scan_repo(repo: &Path, patterns: &[String], previous: Option<&RepoState>) -> RepoIndex {
    let path = repo.display().to_string();
    let name = repo
        .file_name()
        .map_or_else(|| path.clone(), |n| n.to_string_lossy().into_owned());
    let mut problems = Vec::new();
    let head = match read_head(repo) {
        Ok(head) => head,
        Err(reason) => {
            problems.push(Problem::error(
                "git-damaged",
                format!(
                    "the Git metadata of this repository is damaged ({reason}); its descriptors were read from the working \
                     tree without commit information. Run `git fsck` in {path} to see what is wrong"
                ),
            ));
            Default::default()
        }
    };
    let mut index = RepoIndex {
        path: path.clone(),
        name,
        head: head.commit,
        branch: head.branch,
        remote_url: None,
        location: format!("file:{path}/"),
        fingerprint: String::new(),
        watch: String::new(),
        content: RepoContent::Unchanged,
    };
    let tree = match WorkingTree::new(repo) {
        Ok(tree) => tree,
        Err(e) => {
            problems.push(Problem::error(
                "repo-unreadable",
                format!("cannot read {path}: {e}"),
            ));
            index.content = RepoContent::Read {
                files: Vec::new(),
                problems,
            };
            return index;
        }
    };
    if let Some(previous) = previous
        && problems.is_empty()
        && let Ok(watch) = serde_json::from_str::<Watch>(&previous.watch)
        && watch.refresh(&tree).fingerprint() == previous.fingerprint
    {
        index.fingerprint = previous.fingerprint.clone();
        index.watch = previous.watch.clone();
        return index;
    }
    index.remote_url = remote_url(repo);
    let recorder = Recorder::new(&tree);
    let mut roots: Vec<String> = Vec::new();
    for pattern in patterns {
        for found in recorder.glob(pattern).unwrap_or_default() {
            if !roots.contains(&found) {
                roots.push(found);
            }
        }
    }
    let files = read_tree(&recorder as &dyn RepoFiles, &roots);
    let watch = recorder.into_watch();
    index.fingerprint = watch.fingerprint();
    index.watch = serde_json::to_string(&watch).unwrap_or_default();
    index.content = RepoContent::Read { files, problems };
    index
}
