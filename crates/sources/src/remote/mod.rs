//! Remote Git repositories: addresses, a cache of bare shallow clones, credentials that
//! never prompt, descriptors read straight from fetched trees, and concurrent syncs.

pub mod cache;
mod cancel;
mod credentials;
mod failure;
pub mod list;
mod sync;
mod timeouts;
mod tree;
mod url;

pub use cancel::Cancel;
pub use credentials::{CredentialSource, HttpsToken, NoCredentials, SshSettings};
pub use failure::{FailureKind, FetchFailure};
pub use list::{ListProblem, parse_list};
pub use sync::{RemoteRepo, RepoOutcome, RepoSync, SyncEvent, SyncSettings, sync_repos};
pub use timeouts::{Timeouts, set_timeouts};
pub use tree::GitTree;
pub use url::{RemoteUrl, Scheme, UrlError};
