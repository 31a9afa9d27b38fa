//! Where descriptors come from: Git repositories under local folders (and, later, remote
//! repositories), and cheap detection of what changed since the last index.

pub mod discover;
pub mod git_head;
pub mod local;
pub mod watch;

pub use discover::{Discovery, DiscoveryLimits, discover_repos};
pub use git_head::{RepoHead, read_head};
pub use local::{DEFAULT_PATTERNS, FolderSettings, ScanError, ScanEvent, scan_folder, scan_repo};
pub use watch::{Recorder, Watch};
