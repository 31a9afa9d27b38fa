//! Remote sources in the facade: add a repository by URL (or a list of them from a file, or
//! an organisation: see `remote_org`), sync with progress and cancel, see each repository's
//! state, remove with its cache.
//! Fetching and reading run on worker threads while this thread writes the catalog, in
//! one transaction per source.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, mpsc};
use std::time::Instant;

use greenroom_catalog::Problem;
use greenroom_catalog::store::{
    NewSource, RemoteRepoRecord, RemoteRepoUpdate, RepoIndex, SourceKind, SourceRecord, WriteStats,
};
use greenroom_sources::remote::{Organisation, parse_list};
use greenroom_sources::{
    Cancel, FailureKind, RemoteRepo, RemoteUrl, RepoOutcome, RepoSync, SshSettings, SyncEvent,
    SyncSettings, sync_repos,
};
use serde::{Deserialize, Serialize};

use crate::azure_devops::AzureDevOpsTokens;
use crate::git_credentials::HttpsTokens;
use crate::{Error, Greenroom};

/// Repositories fetched at once. Fetches mostly wait on the network and the server, so
/// this is well above the number of cores; servers limit connections per client too.
pub const SYNC_CONCURRENCY: usize = 16;

/// Settings of a remote source, stored with it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RemoteSettings {
    /// The branch to follow; `None` for each repository's default branch.
    pub branch: Option<String>,
    /// Descriptor globs read besides `catalog-info.yaml` at the root.
    pub globs: Vec<String>,
    /// Whether the target is a file listing repositories rather than one URL.
    pub list: bool,
    /// The organisation whose repositories the source follows, listed at each sync.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org: Option<Organisation>,
}

/// How to add a remote source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteOptions {
    /// The branch to follow (default: the remote's default branch).
    pub branch: Option<String>,
    /// Extra descriptor globs, e.g. `services/*/catalog-info.yaml`.
    pub globs: Vec<String>,
}

/// What a sync is doing, for progress bars and the app's events.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum SyncProgress {
    /// A source's turn began.
    SourceStarted {
        /// The source.
        source_id: i64,
        /// Its name.
        name: String,
        /// Its position among the sources being synced, from 1.
        position: usize,
        /// How many sources are being synced.
        count: usize,
        /// How many repositories it has.
        repos: usize,
    },
    /// A repository's fetch began.
    RepoStarted {
        /// The source.
        source_id: i64,
        /// The repository's key (its URL, `#branch` when a branch is named).
        repo: String,
    },
    /// Objects are arriving for a repository.
    Transfer {
        /// The source.
        source_id: i64,
        /// The repository's key.
        repo: String,
        /// Objects received so far.
        received_objects: usize,
        /// Objects being sent.
        total_objects: usize,
        /// Bytes received so far.
        received_bytes: usize,
    },
    /// A repository is done.
    RepoFinished {
        /// The source.
        source_id: i64,
        /// The repository's key.
        repo: String,
        /// Repositories done so far.
        done: usize,
        /// Repositories in all.
        total: usize,
        /// How it went.
        outcome: RepoOutcome,
    },
    /// The source is done.
    SourceFinished {
        /// What happened.
        report: SyncReport,
    },
}

/// What syncing one source did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    /// The source.
    pub source_id: i64,
    /// Its name.
    pub name: String,
    /// What changed in the catalog.
    pub stats: WriteStats,
    /// Repositories of the source.
    pub repos: usize,
    /// Repositories with a new commit.
    pub updated: usize,
    /// Repositories whose commit had not moved.
    pub unchanged: usize,
    /// Repositories that could not be synced (they keep what they had).
    pub failures: Vec<RepoFailure>,
    /// Hosts that need a token: what the app should ask for.
    pub needs_credentials: Vec<String>,
    /// Whether the sync was cancelled.
    pub cancelled: bool,
    /// How long it took, in milliseconds.
    pub millis: u64,
    /// Why the source as a whole could not be synced (e.g. its list file is missing).
    pub error: Option<String>,
}

/// A repository that could not be synced.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RepoFailure {
    /// The repository's key.
    pub repo: String,
    /// What went wrong (and what to do).
    pub failure: greenroom_sources::FetchFailure,
}

impl Greenroom {
    /// Adds one remote repository as a source (`https://`, `ssh://`, `git@host:path`,
    /// `git://`, `file://`), or an organisation given by its web address
    /// (`https://github.com/ORG`, `https://dev.azure.com/ORG/PROJECT`; see
    /// [`Greenroom::add_remote_org`]). Nothing is fetched until [`Greenroom::sync`].
    pub fn add_remote(
        &mut self,
        url: &str,
        options: &RemoteOptions,
    ) -> Result<SourceRecord, Error> {
        if let Some(org) = Organisation::detect(url) {
            return self.add_remote_org(&org, options);
        }
        let url = RemoteUrl::parse(url).map_err(|e| Error::Invalid(e.to_string()))?;
        check_options(options)?;
        let settings = RemoteSettings {
            branch: options.branch.clone(),
            globs: options.globs.clone(),
            list: false,
            org: None,
        };
        self.add_remote_source(url.to_string(), url.repo_name(), settings)
    }

    /// Adds a source that follows every repository listed in a text file, one URL per
    /// line, optionally followed by `branch=NAME` and `glob=PATTERN` (see
    /// [`greenroom_sources::remote::list`]). The file is read again at each sync.
    pub fn add_remote_list(
        &mut self,
        file: &Path,
        options: &RemoteOptions,
    ) -> Result<SourceRecord, Error> {
        let file = std::fs::canonicalize(file).map_err(|e| Error::io(file, &e))?;
        let text = std::fs::read_to_string(&file).map_err(|e| Error::io(&file, &e))?;
        let (repos, problems) = parse_list(&text, options.branch.as_deref(), &options.globs);
        if repos.is_empty() {
            let why = problems.first().map_or_else(
                || "it lists no repositories".to_owned(),
                ToString::to_string,
            );
            return Err(Error::Invalid(format!("{}: {why}", file.display())));
        }
        check_options(options)?;
        let name = file.file_stem().map_or_else(
            || file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let settings = RemoteSettings {
            branch: options.branch.clone(),
            globs: options.globs.clone(),
            list: true,
            org: None,
        };
        self.add_remote_source(file.display().to_string(), name, settings)
    }

    pub(crate) fn add_remote_source(
        &mut self,
        target: String,
        name: String,
        settings: RemoteSettings,
    ) -> Result<SourceRecord, Error> {
        let record = self.catalog.add_source(&NewSource {
            kind: SourceKind::Remote,
            target,
            name,
            settings: serde_json::to_value(settings).unwrap_or_default(),
            priority: 100,
        })?;
        // Ids can be reused after a removal: start from an empty cache.
        let _ = std::fs::remove_dir_all(self.remote_cache_dir(record.id));
        Ok(record)
    }

    /// The cache folder of a remote source's repositories.
    pub fn remote_cache_dir(&self, source_id: i64) -> PathBuf {
        self.dir
            .join("cache")
            .join("git")
            .join(format!("source-{source_id}"))
    }

    /// The repositories of a remote source (by id, target or name) with their sync state:
    /// last synced commit and time, the last error, entities and problems.
    pub fn remote_repos(&self, source: &str) -> Result<Vec<RemoteRepoRecord>, Error> {
        let record = self.catalog.find_source(source)?;
        Ok(self.catalog.remote_repos(record.id)?)
    }

    /// Syncs one remote source (by id, target or name) or all of them: fetches what
    /// changed, re-reads only repositories whose commit moved, and keeps the last fetched
    /// state of those that fail. `cancel` stops it; what was fetched is kept.
    pub fn sync(
        &mut self,
        source: Option<&str>,
        on_progress: &(dyn Fn(SyncProgress) + Sync),
        cancel: &Cancel,
    ) -> Result<Vec<SyncReport>, Error> {
        let sources: Vec<SourceRecord> = match source {
            Some(text) => {
                let record = self.catalog.find_source(text)?;
                if record.kind != SourceKind::Remote {
                    return Err(Error::Invalid(format!(
                        "{} is a {} source; `greenroom sync` fetches remote sources, `greenroom index` reads folders",
                        record.name,
                        record.kind.as_str()
                    )));
                }
                vec![record]
            }
            None => self
                .catalog
                .sources()?
                .into_iter()
                .filter(|s| s.kind == SourceKind::Remote)
                .collect(),
        };
        let count = sources.len();
        let mut reports = Vec::with_capacity(count);
        for (i, record) in sources.iter().enumerate() {
            let report = self.sync_source(record, i + 1, count, on_progress, cancel)?;
            on_progress(SyncProgress::SourceFinished {
                report: report.clone(),
            });
            reports.push(report);
        }
        Ok(reports)
    }

    pub(crate) fn sync_source(
        &mut self,
        record: &SourceRecord,
        position: usize,
        count: usize,
        on_progress: &(dyn Fn(SyncProgress) + Sync),
        cancel: &Cancel,
    ) -> Result<SyncReport, Error> {
        let started = Instant::now();
        let id = record.id;
        let mut report = SyncReport {
            source_id: id,
            name: record.name.clone(),
            stats: WriteStats::default(),
            repos: 0,
            updated: 0,
            unchanged: 0,
            failures: Vec::new(),
            needs_credentials: Vec::new(),
            cancelled: false,
            millis: 0,
            error: None,
        };
        let cache_dir = self.remote_cache_dir(id);
        let credentials = HttpsTokens::new(self.azure_devops_tokens());
        let listed = repositories(record, &cache_dir, Some(&credentials));
        let needs_credentials = match &listed {
            Ok(listed) => listed.needs_credentials.clone(),
            Err(unlisted) => unlisted.needs_credentials.clone(),
        };
        report.needs_credentials.extend(needs_credentials);
        let Listed {
            repos, problems, ..
        } = match listed {
            Ok(listed) => listed,
            Err(Unlisted { message, .. }) => {
                self.catalog.set_index_error(id, Some(&message))?;
                on_progress(SyncProgress::SourceStarted {
                    source_id: id,
                    name: record.name.clone(),
                    position,
                    count,
                    repos: 0,
                });
                report.error = Some(message);
                report.millis = started.elapsed().as_millis() as u64;
                return Ok(report);
            }
        };
        report.repos = repos.len();
        on_progress(SyncProgress::SourceStarted {
            source_id: id,
            name: record.name.clone(),
            position,
            count,
            repos: repos.len(),
        });
        let previous = self.catalog.repo_states(id)?;
        greenroom_sources::remote::cache::clean_partial(&cache_dir);
        let ssh = SshSettings::default();
        let statuses = Mutex::new(Vec::with_capacity(repos.len()));
        let settings = SyncSettings {
            cache_dir: &cache_dir,
            concurrency: SYNC_CONCURRENCY,
            credentials: &credentials,
            ssh: &ssh,
            cancel,
        };
        // Worker threads fetch and read; this thread writes what they hand over, in one
        // transaction, as it comes.
        let (sender, receiver) = mpsc::sync_channel::<RepoIndex>(64);
        let catalog = &mut self.catalog;
        report.stats = std::thread::scope(|scope| {
            let repos = &repos;
            let previous = &previous;
            let settings = &settings;
            let statuses = &statuses;
            scope.spawn(move || {
                let events = |event: SyncEvent| on_progress(progress(id, event));
                sync_repos(repos, previous, settings, &events, &|index, status| {
                    if let Ok(mut statuses) = statuses.lock() {
                        statuses.push(status);
                    }
                    let _ = sender.send(index);
                });
            });
            catalog.apply_stream(id, true, &problems, receiver)
        })?;
        let statuses = statuses.into_inner().unwrap_or_default();
        let updates: Vec<RemoteRepoUpdate> = statuses.iter().map(update).collect();
        self.catalog.record_remote_sync(id, &updates, true)?;
        for status in statuses {
            match status.failure {
                Some(failure) => {
                    report.cancelled |= failure.kind == FailureKind::Cancelled;
                    if failure.kind == FailureKind::NeedsCredentials
                        && let Some(host) = &failure.host
                        && !report.needs_credentials.contains(host)
                    {
                        report.needs_credentials.push(host.clone());
                    }
                    report.failures.push(RepoFailure {
                        repo: status.key,
                        failure,
                    });
                }
                None => {
                    let before = previous.get(&status.key).and_then(|p| p.head.clone());
                    if before.is_some() && before == status.commit {
                        report.unchanged += 1;
                    } else {
                        report.updated += 1;
                    }
                }
            }
        }
        report.failures.sort_by(|a, b| a.repo.cmp(&b.repo));
        if !report.failures.is_empty() {
            let summary = format!(
                "{} of {} repositories not synced; the first: {}",
                report.failures.len(),
                report.repos,
                report.failures[0].failure.message
            );
            self.catalog.set_index_error(id, Some(&summary))?;
        }
        report.millis = started.elapsed().as_millis() as u64;
        Ok(report)
    }
}

impl Greenroom {
    /// Entra ID tokens for Azure DevOps hosts, when sign-in is configured. A settings file
    /// that cannot be read only costs this fallback; `greenroom login` reports it.
    fn azure_devops_tokens(&self) -> AzureDevOpsTokens {
        let hosts = self
            .settings()
            .map(|s| s.git.azure_devops_hosts)
            .unwrap_or_default();
        let config = self
            .auth_config(&greenroom_auth::ConfigOverrides::default())
            .ok();
        AzureDevOpsTokens::new(hosts, config)
    }
}

/// The repositories a sync of a remote source goes through.
pub(crate) struct Listed {
    pub(crate) repos: Vec<RemoteRepo>,
    /// Problems of the list file or of the organisation's listing.
    pub(crate) problems: Vec<Problem>,
    /// A host whose API wanted a token (the organisation's last listing was used).
    pub(crate) needs_credentials: Option<String>,
}

/// Why a remote source's repositories are not known: the catalog keeps what it had.
pub(crate) struct Unlisted {
    pub(crate) message: String,
    /// A host whose API wanted a token.
    pub(crate) needs_credentials: Option<String>,
}

impl From<String> for Unlisted {
    fn from(message: String) -> Self {
        Unlisted {
            message,
            needs_credentials: None,
        }
    }
}

/// The repositories of a remote source: its one URL, the lines of its list file, or its
/// organisation's repositories (listed by the API when `tokens` is given, else the last
/// listing, which is kept in `cache_dir`).
fn repositories(
    record: &SourceRecord,
    cache_dir: &Path,
    tokens: Option<&HttpsTokens>,
) -> Result<Listed, Unlisted> {
    let settings: RemoteSettings =
        serde_json::from_value(record.settings.clone()).unwrap_or_default();
    if let Some(org) = &settings.org {
        return crate::remote_org::org_repositories(record, org, &settings, cache_dir, tokens);
    }
    if !settings.list {
        let url = RemoteUrl::parse(&record.target).map_err(|e| e.to_string())?;
        return Ok(Listed {
            repos: vec![RemoteRepo {
                url,
                branch: settings.branch,
                globs: settings.globs,
            }],
            problems: Vec::new(),
            needs_credentials: None,
        });
    }
    let text = std::fs::read_to_string(&record.target).map_err(|e| {
        format!(
            "cannot read the repository list {}: {e}; the catalog keeps what this source contributed before",
            record.target
        )
    })?;
    let (repos, problems) = parse_list(&text, settings.branch.as_deref(), &settings.globs);
    let problems = problems
        .into_iter()
        .map(|p| {
            Problem::warning(
                "repo-list",
                format!("{}, {p}; that line is skipped", record.target),
            )
        })
        .collect();
    Ok(Listed {
        repos,
        problems,
        needs_credentials: None,
    })
}

pub(crate) fn check_options(options: &RemoteOptions) -> Result<(), Error> {
    if let Some(branch) = &options.branch
        && (branch.is_empty()
            || branch.starts_with('-')
            || branch.contains(['~', '^', ':', '?', '*', '[', '\\', ' '])
            || branch.contains(".."))
    {
        return Err(Error::Invalid(format!(
            "`{branch}` is not a valid branch name"
        )));
    }
    Ok(())
}

fn progress(source_id: i64, event: SyncEvent) -> SyncProgress {
    match event {
        SyncEvent::Started { repo } => SyncProgress::RepoStarted { source_id, repo },
        SyncEvent::Transfer {
            repo,
            received_objects,
            total_objects,
            received_bytes,
        } => SyncProgress::Transfer {
            source_id,
            repo,
            received_objects,
            total_objects,
            received_bytes,
        },
        SyncEvent::Finished {
            repo,
            done,
            total,
            outcome,
        } => SyncProgress::RepoFinished {
            source_id,
            repo,
            done,
            total,
            outcome,
        },
    }
}

fn update(status: &RepoSync) -> RemoteRepoUpdate {
    RemoteRepoUpdate {
        path: status.key.clone(),
        url: status.url.clone(),
        branch: status.branch.clone(),
        commit: status.commit.clone(),
        error: status.failure.as_ref().map(|f| {
            (
                f.kind.as_str().to_owned(),
                f.host.clone(),
                f.message.clone(),
            )
        }),
    }
}

impl Greenroom {
    /// `greenroom index` on a remote source: a sync that cannot be cancelled, reported as
    /// index progress.
    pub(crate) fn index_remote(
        &mut self,
        source: &SourceRecord,
        on_progress: &(dyn Fn(crate::Progress) + Sync),
    ) -> Result<crate::IndexReport, Error> {
        use crate::Progress;
        let id = source.id;
        let events = |event: SyncProgress| match event {
            SyncProgress::SourceStarted { repos, .. } => on_progress(Progress::Discovered {
                source_id: id,
                repos,
            }),
            SyncProgress::RepoFinished {
                repo,
                done,
                total,
                outcome,
                ..
            } => on_progress(Progress::Scanned {
                source_id: id,
                done,
                total,
                repo,
                changed: matches!(outcome, RepoOutcome::Updated { .. }),
            }),
            _ => {}
        };
        let report = self.sync_source(source, 1, 1, &events, &Cancel::new())?;
        let error = report.error.clone().or_else(|| {
            report.failures.first().map(|first| {
                format!(
                    "{} of {} repositories not synced; the first: {}",
                    report.failures.len(),
                    report.repos,
                    first.failure.message
                )
            })
        });
        Ok(crate::IndexReport {
            source_id: id,
            name: report.name,
            stats: report.stats,
            repos: report.repos,
            millis: report.millis,
            error,
        })
    }
}

impl Greenroom {
    /// The files of a remote repository as last fetched, read from the cache without a
    /// checkout (for TechDocs and API definitions). `repo` is the repository's key as in
    /// [`Greenroom::remote_repos`]. Works offline.
    pub fn remote_tree(
        &self,
        source: &str,
        repo: &str,
    ) -> Result<greenroom_sources::remote::GitTree, Error> {
        let record = self.catalog.find_source(source)?;
        self.fetched_repos(&record)?.tree(repo)
    }

    /// The repositories of a remote source with their cache, to open several of their
    /// fetched trees after reading the source's repository list once.
    pub(crate) fn fetched_repos(&self, record: &SourceRecord) -> Result<FetchedRepos, Error> {
        let cache_dir = self.remote_cache_dir(record.id);
        let listed =
            repositories(record, &cache_dir, None).map_err(|u| Error::Invalid(u.message))?;
        Ok(FetchedRepos {
            source_name: record.name.clone(),
            repos: listed.repos,
            cache_dir,
        })
    }
}

/// A remote source's repositories and where their clones are cached.
pub(crate) struct FetchedRepos {
    source_name: String,
    repos: Vec<RemoteRepo>,
    cache_dir: PathBuf,
}

impl FetchedRepos {
    /// The last fetched tree of the repository `repo` (its key).
    pub(crate) fn tree(&self, repo: &str) -> Result<greenroom_sources::remote::GitTree, Error> {
        let found = self.repos.iter().find(|r| r.key() == repo).ok_or_else(|| {
            Error::Invalid(format!(
                "{repo} is not a repository of {}; `greenroom source list` shows them",
                self.source_name
            ))
        })?;
        let entry = found.cache_entry(&self.cache_dir);
        let (branch, commit) = greenroom_sources::remote::cache::cached_state(&entry)
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "{repo} has not been fetched yet (or its cache is damaged); sync the source first"
                ))
            })?;
        greenroom_sources::remote::GitTree::open(&entry, commit, format!("{repo}#{branch}:"))
            .map_err(|e| Error::Io {
                path: entry.display().to_string(),
                reason: e.message().to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use greenroom_catalog::descriptor::RepoFiles;

    use super::*;

    const COMPONENT: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: orders\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n  definition: x\n";

    fn repo(dir: &Path) -> String {
        let mut options = git2::RepositoryInitOptions::new();
        options.initial_head("main");
        let repo = git2::Repository::init_opts(dir, &options).expect("init");
        std::fs::write(dir.join("catalog-info.yaml"), COMPONENT).expect("write");
        let mut index = repo.index().expect("index");
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .expect("add");
        let tree = repo
            .find_tree(index.write_tree().expect("tree"))
            .expect("tree");
        let who = git2::Signature::now("T", "t@example.com").expect("sig");
        repo.commit(Some("HEAD"), &who, &who, "init", &tree, &[])
            .expect("commit");
        format!("file://{}", dir.display())
    }

    #[test]
    fn the_sources_page_flow_add_sync_status_read_cancel_remove() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = repo(&dir.path().join("orders"));
        let mut greenroom = Greenroom::open(&dir.path().join("data")).expect("open");
        let source = greenroom
            .add_remote(&url, &RemoteOptions::default())
            .expect("add");
        assert_eq!(source.kind, SourceKind::Remote);
        assert!(
            greenroom
                .add_remote("https://u:p@h/x.git", &RemoteOptions::default())
                .is_err()
        );

        let events = Mutex::new(Vec::new());
        let reports = greenroom
            .sync(
                Some("orders"),
                &|e| events.lock().expect("events").push(e),
                &Cancel::new(),
            )
            .expect("sync");
        assert_eq!(reports[0].updated, 1);
        assert_eq!(reports[0].stats.added, 1);
        let events = events.into_inner().expect("events");
        assert!(matches!(
            events.first(),
            Some(SyncProgress::SourceStarted { repos: 1, .. })
        ));
        assert!(events.iter().any(|e| matches!(
            e,
            SyncProgress::RepoFinished {
                outcome: RepoOutcome::Updated { .. },
                done: 1,
                total: 1,
                ..
            }
        )));
        assert!(matches!(
            events.last(),
            Some(SyncProgress::SourceFinished { .. })
        ));

        let repos = greenroom.remote_repos("orders").expect("status");
        assert_eq!(repos.len(), 1);
        assert!(repos[0].commit.is_some() && repos[0].synced_at.is_some());
        assert_eq!(repos[0].entity_count, 1);
        assert_eq!(repos[0].indexed_commit, repos[0].commit);

        let tree = greenroom
            .remote_tree("orders", &repos[0].path)
            .expect("tree");
        assert_eq!(
            tree.read("catalog-info.yaml", 4096).expect("read"),
            COMPONENT.as_bytes()
        );

        let cancel = Cancel::new();
        cancel.cancel();
        let cancelled = greenroom
            .sync(None, &|_| {}, &cancel)
            .expect("cancelled sync");
        assert!(cancelled[0].cancelled);
        assert_eq!(cancelled[0].stats.removed, 0);
        let repos = greenroom.remote_repos("orders").expect("status");
        assert_eq!(repos[0].error_kind.as_deref(), Some("cancelled"));
        assert!(repos[0].synced_at.is_some(), "the last good sync is kept");

        // `index` syncs remote sources too.
        let indexed = greenroom.index(Some("orders"), &|_| {}).expect("index");
        assert!(indexed[0].error.is_none());

        let cache = greenroom.remote_cache_dir(source.id);
        assert!(cache.is_dir());
        greenroom.remove_source("orders").expect("remove");
        assert!(!cache.exists());
        assert!(greenroom.catalog().sources().expect("sources").is_empty());
    }

    #[test]
    fn a_list_file_is_read_again_at_each_sync() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = repo(&dir.path().join("a"));
        let list = dir.path().join("team.txt");
        std::fs::write(&list, format!("{first}\nnonsense here\n")).expect("list");
        let mut greenroom = Greenroom::open(&dir.path().join("data")).expect("open");
        let source = greenroom
            .add_remote_list(&list, &RemoteOptions::default())
            .expect("add list");
        assert_eq!(source.name, "team");
        let report = greenroom
            .sync(None, &|_| {}, &Cancel::new())
            .expect("sync")
            .remove(0);
        assert_eq!(report.repos, 1);
        let problems = greenroom
            .catalog()
            .problems(&Default::default())
            .expect("problems");
        assert!(
            problems
                .iter()
                .any(|p| p.problem.message.contains("line 2")),
            "{problems:?}"
        );

        std::fs::remove_file(&list).expect("remove list");
        let report = greenroom
            .sync(None, &|_| {}, &Cancel::new())
            .expect("sync")
            .remove(0);
        assert!(
            report
                .error
                .as_deref()
                .is_some_and(|e| e.contains("cannot read the repository list")),
            "{report:?}"
        );
        assert_eq!(
            greenroom.catalog().stats().expect("stats").entities,
            1,
            "kept"
        );
        let empty = dir.path().join("empty.txt");
        std::fs::write(&empty, "# nothing\n").expect("write");
        assert!(
            greenroom
                .add_remote_list(&empty, &RemoteOptions::default())
                .is_err()
        );
    }
}
