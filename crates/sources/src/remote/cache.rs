//! The local cache of remote repositories: one bare, shallow (depth 1) clone per
//! repository and branch. A fetch first asks the server for its refs and downloads only
//! when the branch moved. A new clone is made in a temporary folder and renamed into
//! place when complete, so an interrupted clone never looks like a cache entry; an entry
//! that cannot be opened or whose commit cannot be read is removed and cloned again.

use std::cell::RefCell;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use git2::{
    AutotagOption, CertificateCheckStatus, Direction, FetchOptions, Oid, RemoteCallbacks,
    Repository,
};

use super::cancel::Cancel;
use super::credentials::{Attempt, CredentialSource, SshSettings, known_host};
use super::failure::{FailureKind, FetchFailure};
use super::url::{RemoteUrl, Scheme};

/// Where unfinished clones are made, inside the cache folder.
const PARTIAL_DIR: &str = ".partial";
/// How often transfer progress is reported per repository.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);
/// Packs an entry may gather from incremental fetches before it is cloned afresh, which
/// keeps the cache from growing with every change.
const MAX_PACKS: usize = 50;

/// Transfer progress of one fetch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Transfer {
    /// Objects received so far.
    pub received_objects: usize,
    /// Objects the server is sending.
    pub total_objects: usize,
    /// Objects checked and stored.
    pub indexed_objects: usize,
    /// Bytes received so far.
    pub received_bytes: usize,
}

/// What to fetch and how.
pub struct FetchRequest<'a> {
    /// The repository.
    pub url: &'a RemoteUrl,
    /// The branch; `None` follows the remote's default branch.
    pub branch: Option<&'a str>,
    /// The cache entry (a bare repository folder).
    pub entry: &'a Path,
    /// HTTPS tokens.
    pub credentials: &'a dyn CredentialSource,
    /// SSH keys and trusted hosts.
    pub ssh: &'a SshSettings,
    /// Stops the fetch between network reads.
    pub cancel: &'a Cancel,
    /// Receives transfer progress (at most every 100 ms, and at the end).
    pub on_transfer: &'a (dyn Fn(Transfer) + Sync),
}

/// The state of a cache entry after a fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The branch's commit.
    pub commit: Oid,
    /// The branch (the remote's default branch when none was asked for).
    pub branch: String,
    /// Whether objects were downloaded (false when the branch had not moved).
    pub downloaded: bool,
    /// Whether a damaged entry was removed and cloned again.
    pub recloned: bool,
}

/// The branch and commit a valid cache entry holds; `None` when there is no usable entry.
pub fn cached_state(entry: &Path) -> Option<(String, Oid)> {
    match open_entry(entry) {
        Entry::Valid(_, branch, commit) => Some((branch, commit)),
        _ => None,
    }
}

/// Removes a cache entry (after its source was removed, or when it is damaged).
pub fn remove_entry(entry: &Path) -> std::io::Result<()> {
    match fs::remove_dir_all(entry) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Removes clones that were left unfinished (by a crash or a killed process).
pub fn clean_partial(cache_dir: &Path) {
    let _ = fs::remove_dir_all(cache_dir.join(PARTIAL_DIR));
}

/// Brings a cache entry up to date with the remote branch.
pub fn fetch(request: &FetchRequest<'_>) -> Result<Fetched, FetchFailure> {
    let host = request.url.credential_host();
    if let Some(parent) = request.entry.parent() {
        fs::create_dir_all(parent).map_err(|e| io_failure(parent, &e))?;
    }
    // Another Greenroom process syncing the same entry waits here; the lock goes away
    // with the process, so a crash leaves no stale lock.
    let lock_path = request.entry.with_extension("lock");
    let lock = fs::File::create(&lock_path).map_err(|e| io_failure(&lock_path, &e))?;
    lock.lock().map_err(|e| io_failure(&lock_path, &e))?;

    let mut recloned = false;
    let existing = match open_entry(request.entry) {
        Entry::Valid(repo, branch, commit) if pack_count(request.entry) <= MAX_PACKS => {
            Some((repo, (branch, commit)))
        }
        // Too many packs: a fresh clone replaces the entry, but only once it is complete,
        // so that going offline now still leaves the old one.
        Entry::Valid(..) => None,
        Entry::Missing => None,
        Entry::Damaged => {
            recloned = true;
            remove_entry(request.entry).map_err(|e| io_failure(request.entry, &e))?;
            None
        }
    };
    let result = match existing {
        Some((repo, state)) => update(request, &repo, Some(state), host.as_deref()),
        None => clone(request, host.as_deref()),
    };
    match result {
        Ok(mut fetched) => {
            fetched.recloned |= recloned;
            Ok(fetched)
        }
        // The entry passed the quick check but the fetch met damage (e.g. objects the
        // negotiation relies on are missing): start again from nothing, once.
        Err(failure) if failure.kind == FailureKind::CorruptCache && !recloned => {
            remove_entry(request.entry).map_err(|e| io_failure(request.entry, &e))?;
            clone(request, host.as_deref()).map(|mut f| {
                f.recloned = true;
                f
            })
        }
        Err(failure) => Err(failure),
    }
}

/// Makes a fresh clone in a temporary folder and moves it into place when complete.
fn clone(request: &FetchRequest<'_>, host: Option<&str>) -> Result<Fetched, FetchFailure> {
    let cache_dir = request.entry.parent().unwrap_or(Path::new("."));
    let partial = cache_dir.join(PARTIAL_DIR).join(format!(
        "{}-{}-{}",
        request
            .entry
            .file_name()
            .map_or_else(|| "entry".into(), |n| n.to_string_lossy()),
        std::process::id(),
        next_partial()
    ));
    let _ = fs::remove_dir_all(&partial);
    fs::create_dir_all(&partial).map_err(|e| io_failure(&partial, &e))?;
    let outcome = (|| {
        let repo = Repository::init_bare(&partial).map_err(|e| git_failure(&e, host))?;
        let fetched = update(request, &repo, None, host)?;
        drop(repo);
        remove_entry(request.entry).map_err(|e| io_failure(request.entry, &e))?;
        fs::rename(&partial, request.entry).map_err(|e| io_failure(request.entry, &e))?;
        Ok(fetched)
    })();
    if outcome.is_err() {
        let _ = fs::remove_dir_all(&partial);
    }
    outcome
}

fn next_partial() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Asks the remote for its refs and downloads the branch's commit if it is new here.
fn update(
    request: &FetchRequest<'_>,
    repo: &Repository,
    current: Option<(String, Oid)>,
    host: Option<&str>,
) -> Result<Fetched, FetchFailure> {
    let loopback = host.is_some_and(|h| {
        let name = h.rsplit_once(':').map_or(h, |(name, _)| name);
        matches!(name, "localhost" | "127.0.0.1" | "[::1]")
    });
    let attempt = RefCell::new(
        Attempt::new(
            host.unwrap_or("this host").to_owned(),
            request.credentials,
            request.ssh,
        )
        .cleartext(request.url.scheme() == Scheme::Http && !loopback),
    );
    let last_report = RefCell::new(None::<Instant>);
    let callbacks = || {
        let mut callbacks = RemoteCallbacks::new();
        callbacks.credentials(|_url, username, allowed| {
            attempt.borrow_mut().credential(username, allowed)
        });
        callbacks.certificate_check(|cert, hostname| {
            if let Some(key) = cert.as_hostkey().and_then(|k| k.hostkey())
                && known_host(
                    &request.ssh.known_hosts,
                    hostname_with_port(request.url, hostname).as_str(),
                    key,
                )
            {
                return Ok(CertificateCheckStatus::CertificateOk);
            }
            Ok(CertificateCheckStatus::CertificatePassthrough)
        });
        callbacks.sideband_progress(|_| !request.cancel.is_cancelled());
        callbacks.transfer_progress(|progress| {
            let now = Instant::now();
            let done = progress.received_objects() == progress.total_objects()
                && progress.indexed_objects() == progress.total_objects();
            let mut last = last_report.borrow_mut();
            if done || last.is_none_or(|t| now.duration_since(t) >= PROGRESS_EVERY) {
                *last = Some(now);
                (request.on_transfer)(Transfer {
                    received_objects: progress.received_objects(),
                    total_objects: progress.total_objects(),
                    indexed_objects: progress.indexed_objects(),
                    received_bytes: progress.received_bytes(),
                });
            }
            !request.cancel.is_cancelled()
        });
        callbacks
    };
    let fail_as = |e: &git2::Error, transferring: bool| -> FetchFailure {
        if request.cancel.is_cancelled() {
            return FetchFailure::new(
                FailureKind::Cancelled,
                host.map(str::to_owned),
                "the sync was cancelled",
            );
        }
        if let Some(failure) = attempt.borrow_mut().failure.take() {
            return failure;
        }
        if is_local_damage(e) {
            return FetchFailure::new(
                FailureKind::CorruptCache,
                host.map(str::to_owned),
                format!("the cached copy is damaged ({})", e.message()),
            );
        }
        if transferring {
            FetchFailure::during_transfer(e, host)
        } else {
            FetchFailure::from_git(e, host)
        }
    };
    let fail = |e: &git2::Error| fail_as(e, false);
    if request.cancel.is_cancelled() {
        return Err(FetchFailure::new(
            FailureKind::Cancelled,
            host.map(str::to_owned),
            "the sync was cancelled",
        ));
    }

    let mut remote = repo
        .remote_anonymous(request.url.as_str())
        .map_err(|e| fail(&e))?;
    let mut connection = remote
        .connect_auth(Direction::Fetch, Some(callbacks()), None)
        .map_err(|e| fail(&e))?;
    let (branch, commit) = {
        let heads = connection.list().map_err(|e| fail(&e))?;
        let advertised: Vec<(String, Oid)> = heads
            .iter()
            .map(|h| (h.name().to_owned(), h.oid()))
            .collect();
        let default = connection
            .default_branch()
            .ok()
            .and_then(|b| b.as_str().ok().map(str::to_owned));
        pick_branch(&advertised, request.branch, default.as_deref(), request.url)?
    };
    let reference = format!("refs/heads/{branch}");
    if let Some((current_branch, current_commit)) = &current
        && *current_branch == branch
        && *current_commit == commit
    {
        let _ = connection.remote().disconnect();
        return Ok(Fetched {
            commit,
            branch,
            downloaded: false,
            recloned: false,
        });
    }
    let mut options = FetchOptions::new();
    options
        .remote_callbacks(callbacks())
        .download_tags(AutotagOption::None)
        .update_fetchhead(false);
    // The local transport cannot make shallow copies; a file:// repository is copied whole.
    if request.url.scheme() != Scheme::File {
        options.depth(1);
    }
    connection
        .remote()
        .download(&[format!("+{reference}:{reference}")], Some(&mut options))
        .map_err(|e| fail_as(&e, true))?;
    let _ = connection.remote().disconnect();
    drop(connection);
    drop(remote);
    // The refs are written only once the objects are in: an interrupted download leaves
    // the entry at its previous commit.
    let complete = repo.find_commit(commit).and_then(|c| c.tree().map(|_| ()));
    if let Err(e) = complete {
        return Err(FetchFailure::new(
            FailureKind::Interrupted,
            host.map(str::to_owned),
            format!(
                "the server did not send the whole commit {commit} ({}); nothing partial was kept. Sync again",
                e.message()
            ),
        ));
    }
    repo.reference(&reference, commit, true, "greenroom fetch")
        .and_then(|_| repo.set_head(&reference))
        .map_err(|e| fail(&e))?;
    Ok(Fetched {
        commit,
        branch,
        downloaded: true,
        recloned: false,
    })
}

/// The host as known_hosts files name it: libgit2 gives the host name alone.
fn hostname_with_port(url: &RemoteUrl, hostname: &str) -> String {
    match url.credential_host() {
        Some(host) if host.starts_with(hostname) => host,
        _ => hostname.to_owned(),
    }
}

/// Chooses the branch to follow among the advertised refs.
fn pick_branch(
    advertised: &[(String, Oid)],
    wanted: Option<&str>,
    default: Option<&str>,
    url: &RemoteUrl,
) -> Result<(String, Oid), FetchFailure> {
    let host = url.credential_host();
    let find = |name: &str| {
        advertised
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, oid)| *oid)
    };
    if let Some(branch) = wanted {
        return find(&format!("refs/heads/{branch}"))
            .map(|oid| (branch.to_owned(), oid))
            .ok_or_else(|| {
                FetchFailure::new(
                    FailureKind::NoSuchBranch,
                    host.clone(),
                    format!("{url} has no branch `{branch}`; check the source's branch setting"),
                )
            });
    }
    let head = default
        .and_then(|d| d.strip_prefix("refs/heads/"))
        .and_then(|b| find(&format!("refs/heads/{b}")).map(|oid| (b.to_owned(), oid)))
        .or_else(|| {
            // Servers that do not say where HEAD points: the branch with HEAD's commit.
            let head = find("HEAD")?;
            let names = ["refs/heads/main", "refs/heads/master"];
            advertised
                .iter()
                .filter(|(n, oid)| *oid == head && n.starts_with("refs/heads/"))
                .min_by_key(|(n, _)| !names.contains(&n.as_str()))
                .map(|(n, oid)| (n["refs/heads/".len()..].to_owned(), *oid))
        });
    head.ok_or_else(|| {
        FetchFailure::new(
            FailureKind::NoSuchBranch,
            host,
            format!("{url} is empty (it has no default branch); push a commit or name a branch"),
        )
    })
}

/// What is in a cache entry's place.
enum Entry {
    /// Nothing.
    Missing,
    /// A repository that cannot be opened or whose commit cannot be read.
    Damaged,
    /// A usable entry, with its branch and commit.
    Valid(Repository, String, Oid),
}

/// Opens a cache entry, checking that its commit and root tree can be read.
fn open_entry(entry: &Path) -> Entry {
    if !entry.exists() {
        return Entry::Missing;
    }
    let Ok(repo) = Repository::open_bare(entry) else {
        return Entry::Damaged;
    };
    let state = (|| {
        let head = repo.find_reference("HEAD").ok()?;
        let target = head.symbolic_target().ok().flatten()?.to_owned();
        let branch = target.strip_prefix("refs/heads/")?.to_owned();
        let commit = repo.refname_to_id(&target).ok()?;
        // Reading the commit and its root tree catches truncated or missing packs.
        let tree = repo.find_commit(commit).ok()?.tree().ok()?;
        let odb = repo.odb().ok()?;
        for item in tree.iter() {
            odb.read_header(item.id()).ok()?;
        }
        Some((branch, commit))
    })();
    match state {
        Some((branch, commit)) => Entry::Valid(repo, branch, commit),
        None => Entry::Damaged,
    }
}

fn pack_count(entry: &Path) -> usize {
    fs::read_dir(entry.join("objects/pack")).map_or(0, |dir| {
        dir.flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".pack"))
            .count()
    })
}

/// Errors that come from the local repository rather than the network.
fn is_local_damage(e: &git2::Error) -> bool {
    matches!(
        e.class(),
        git2::ErrorClass::Odb
            | git2::ErrorClass::Zlib
            | git2::ErrorClass::Object
            | git2::ErrorClass::Repository
    ) && e.code() != git2::ErrorCode::Auth
}

fn io_failure(path: &Path, e: &std::io::Error) -> FetchFailure {
    FetchFailure::new(
        FailureKind::Failed,
        None,
        format!(
            "cannot write the cache at {}: {e}; check the data folder's permissions and free space",
            path.display()
        ),
    )
}

fn git_failure(e: &git2::Error, host: Option<&str>) -> FetchFailure {
    FetchFailure::from_git(e, host)
}

/// Where the cache entry of a repository and branch lives under `cache_dir`.
pub fn entry_path(cache_dir: &Path, url: &RemoteUrl, branch: Option<&str>) -> PathBuf {
    let mut hasher = blake3::Hasher::new();
    hasher.update(url.as_str().as_bytes());
    hasher.update(b"\0");
    hasher.update(branch.unwrap_or("").as_bytes());
    let hash = hasher.finalize().to_hex();
    let name: String = url
        .repo_name()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    cache_dir.join(format!("{name}-{}.git", &hash[..16]))
}
