//! Where descriptors come from: Git repositories under local folders and remote
//! repositories fetched into a cache, and cheap detection of what changed since the last
//! index.

pub mod discover;
pub mod git_head;
pub mod local;
pub mod remote;
pub mod watch;

pub use discover::{Discovery, DiscoveryLimits, discover_repos};
pub use git_head::{RepoHead, read_head, remote_url};
pub use local::{
    DEFAULT_PATTERNS, FolderPlan, FolderSettings, ScanError, ScanEvent, plan_folder, scan_folder,
    scan_repo, scan_repos,
};
pub use remote::{
    Cancel, CredentialSource, FailureKind, FetchFailure, HttpsToken, RemoteRepo, RemoteUrl,
    RepoOutcome, RepoSync, SshSettings, SyncEvent, SyncSettings, sync_repos,
};
pub use watch::{Recorder, Watch};
