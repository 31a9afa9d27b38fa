//! Remote sources against real Git servers on 127.0.0.1: clone, incremental sync, force
//! pushes, deleted repositories, credentials, broken connections, damaged caches, offline;
//! and organisations listed through a fake of GitHub's and Azure DevOps' APIs.

mod org;
pub(crate) mod org_api;
mod scenarios;
mod servers;
mod tree;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};
use std::time::Duration;

use greenroom_catalog::Catalog;
use greenroom_catalog::store::{NewSource, SourceIndex, SourceKind, WriteStats};
use greenroom_sources::remote::{
    Cancel, CredentialSource, HttpsToken, NoCredentials, RemoteRepo, RemoteUrl, RepoOutcome,
    RepoSync, SshSettings, SyncEvent, SyncSettings, Timeouts, set_timeouts, sync_repos,
};

/// Short network timeouts for every test of this binary, set once before any fetch
/// (libgit2 keeps them in process-wide globals).
pub(crate) fn init() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        set_timeouts(Timeouts {
            connect: Duration::from_secs(5),
            io: Duration::from_secs(3),
        });
    });
}

/// Tokens by host, as a keyring would hold them.
#[derive(Default)]
pub(crate) struct Tokens(pub HashMap<String, HttpsToken>);

impl CredentialSource for Tokens {
    fn https_token(&self, host: &str) -> Result<Option<HttpsToken>, String> {
        Ok(self.0.get(host).cloned())
    }
}

/// A catalog with one remote source, its cache folder, and folders of served repositories.
pub(crate) struct World {
    pub dir: tempfile::TempDir,
    pub catalog: Catalog,
    pub source: i64,
}

/// What one sync did.
pub(crate) struct Synced {
    pub stats: WriteStats,
    pub repos: Vec<RepoSync>,
    pub outcomes: HashMap<String, RepoOutcome>,
    pub events: Vec<SyncEvent>,
}

impl Synced {
    pub(crate) fn outcome(&self, key: &str) -> &RepoOutcome {
        self.outcomes
            .get(key)
            .unwrap_or_else(|| panic!("no outcome for {key}: {:?}", self.outcomes))
    }

    pub(crate) fn status(&self, key: &str) -> &RepoSync {
        self.repos
            .iter()
            .find(|r| r.key == key)
            .unwrap_or_else(|| panic!("no status for {key}"))
    }
}

impl World {
    pub(crate) fn new() -> World {
        init();
        let dir = tempfile::tempdir().expect("tempdir");
        let mut catalog = Catalog::open(&dir.path().join("catalog.db")).expect("catalog");
        let source = catalog
            .add_source(&NewSource {
                kind: SourceKind::Remote,
                target: "remote-test".into(),
                name: "remote-test".into(),
                settings: serde_json::json!({}),
                priority: 100,
            })
            .expect("source")
            .id;
        std::fs::create_dir_all(dir.path().join("served")).expect("mkdir");
        World {
            dir,
            catalog,
            source,
        }
    }

    pub(crate) fn served(&self) -> PathBuf {
        self.dir.path().join("served")
    }

    pub(crate) fn cache(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    pub(crate) fn sync(&mut self, repos: &[RemoteRepo]) -> Synced {
        self.sync_with(repos, &NoCredentials, &Cancel::new())
    }

    pub(crate) fn sync_with(
        &mut self,
        repos: &[RemoteRepo],
        credentials: &dyn CredentialSource,
        cancel: &Cancel,
    ) -> Synced {
        let ssh = SshSettings {
            agent: false,
            key_files: Vec::new(),
            known_hosts: Vec::new(),
        };
        self.sync_full(repos, credentials, cancel, &ssh)
    }

    pub(crate) fn sync_ssh(&mut self, repos: &[RemoteRepo], ssh: SshSettings) -> Synced {
        self.sync_full(repos, &NoCredentials, &Cancel::new(), &ssh)
    }

    fn sync_full(
        &mut self,
        repos: &[RemoteRepo],
        credentials: &dyn CredentialSource,
        cancel: &Cancel,
        ssh: &SshSettings,
    ) -> Synced {
        let previous = self.catalog.repo_states(self.source).expect("states");
        let cache = self.cache();
        let settings = SyncSettings {
            cache_dir: &cache,
            concurrency: 4,
            credentials,
            ssh,
            cancel,
        };
        let collected = Mutex::new(Vec::new());
        let events = Mutex::new(Vec::new());
        sync_repos(
            repos,
            &previous,
            &settings,
            &|event| events.lock().expect("events").push(event),
            &|index, status| collected.lock().expect("sink").push((index, status)),
        );
        let collected = collected.into_inner().expect("sink");
        let events = events.into_inner().expect("events");
        let (indexes, repos): (Vec<_>, Vec<_>) = collected.into_iter().unzip();
        let stats = self
            .catalog
            .apply(SourceIndex {
                source_id: self.source,
                repos: indexes,
                complete: true,
                problems: Vec::new(),
            })
            .expect("apply");
        let outcomes = events
            .iter()
            .filter_map(|e| match e {
                SyncEvent::Finished { repo, outcome, .. } => Some((repo.clone(), outcome.clone())),
                _ => None,
            })
            .collect();
        Synced {
            stats,
            repos,
            outcomes,
            events,
        }
    }

    /// The names of the entities the catalog shows, sorted.
    pub(crate) fn entity_names(&self) -> Vec<String> {
        let page = self
            .catalog
            .list(&Default::default())
            .expect("list entities");
        let mut names: Vec<String> = page.items.iter().map(|e| e.key.clone()).collect();
        names.sort();
        names
    }
}

pub(crate) fn remote(url: &str) -> RemoteRepo {
    RemoteRepo {
        url: RemoteUrl::parse(url).expect("url"),
        branch: None,
        globs: Vec::new(),
    }
}

/// A repository to serve, with `files` committed on `main`.
pub(crate) fn served_repo(base: &Path, name: &str, files: &[(&str, &str)]) -> git2::Repository {
    crate::git_repo(&base.join(name), files)
}

/// Commits `files` (added or replaced) on top of the current branch.
pub(crate) fn commit(repo: &git2::Repository, files: &[(&str, &str)], message: &str) -> git2::Oid {
    let dir = repo.workdir().expect("workdir").to_owned();
    for (path, text) in files {
        crate::write(&dir, path, text);
    }
    crate::commit_all(repo, message)
}

/// Replaces the branch's last commit by a different one, as `git push --force` after an
/// amend does.
pub(crate) fn force_push(repo: &git2::Repository, files: &[(&str, &str)]) -> git2::Oid {
    let dir = repo.workdir().expect("workdir").to_owned();
    for (path, text) in files {
        crate::write(&dir, path, text);
    }
    let head = repo.head().expect("head").peel_to_commit().expect("commit");
    let parents: Vec<git2::Commit<'_>> = head.parents().collect();
    let parents: Vec<&git2::Commit<'_>> = parents.iter().collect();
    let mut index = repo.index().expect("index");
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .expect("add");
    index.write().expect("write index");
    let tree = repo
        .find_tree(index.write_tree().expect("tree"))
        .expect("tree");
    let time = git2::Time::new(1_700_000_500, 0);
    let who = git2::Signature::new("Other", "other@example.com", &time).expect("signature");
    let oid = repo
        .commit(None, &who, &who, "Rewritten history", &tree, &parents)
        .expect("commit");
    repo.reference("refs/heads/main", oid, true, "force push")
        .expect("move branch");
    oid
}
