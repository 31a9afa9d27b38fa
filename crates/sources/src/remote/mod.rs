//! Remote Git repositories: addresses, a cache of bare shallow clones, credentials that
//! never prompt, descriptors read straight from fetched trees, concurrent syncs, and the
//! repositories of whole organisations listed through their host's API.

pub mod cache;
mod cancel;
mod credentials;
mod failure;
pub mod list;
pub mod org;
mod sync;
mod timeouts;
mod tree;
mod url;

pub use cancel::Cancel;
pub use credentials::{CredentialSource, HttpsToken, NoCredentials, SshSettings};
pub use failure::{FailureKind, FetchFailure};
pub use list::{ListProblem, parse_list};
pub use org::{ApiToken, OrgError, OrgListing, Organisation, Provider, SkipReason, SkippedRepo};
pub use sync::{RemoteRepo, RepoOutcome, RepoSync, SyncEvent, SyncSettings, sync_repos};
pub use timeouts::{Timeouts, set_timeouts};
pub use tree::{GitTree, TreeEntryKind, TreeListing};
pub use url::{RemoteUrl, Scheme, UrlError};
