//! Errors of the facade, each with a stable code the front ends can branch on.

use std::path::Path;

use greenroom_catalog::StoreError;
use greenroom_sources::ScanError;
use serde::{Deserialize, Serialize};

/// What kind of failure, for front ends that react differently (mirrored in TypeScript).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    /// Something asked for is not there.
    NotFound,
    /// A name matched several entities.
    Ambiguous,
    /// An argument or file content is not acceptable.
    InvalidInput,
    /// A file or folder could not be read or written.
    Io,
    /// The catalog was written by a newer Greenroom.
    NewerCatalog,
    /// The catalog file is damaged.
    CorruptCatalog,
    /// A source's place cannot be reached.
    Unreachable,
    /// Anything else from the database.
    Internal,
}

/// A failure, with a message that says what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// From the catalog database.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A source could not be indexed.
    #[error(transparent)]
    Scan(#[from] ScanError),
    /// No entity matched.
    #[error("no entity matches `{text}`{hint}")]
    NotFound {
        /// What was asked.
        text: String,
        /// Suggestions, starting with "; ".
        hint: String,
    },
    /// Several entities matched a bare name.
    #[error("`{text}` could be any of {}; write the full reference", candidates.join(", "))]
    Ambiguous {
        /// What was asked.
        text: String,
        /// What it could mean.
        candidates: Vec<String>,
    },
    /// A file or folder problem.
    #[error("{path}: {reason}")]
    Io {
        /// The file or folder.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// An unacceptable argument.
    #[error("{0}")]
    Invalid(String),
}

impl Error {
    /// An I/O error about `path`.
    pub fn io(path: &Path, e: &std::io::Error) -> Error {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "does not exist".to_owned(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
            _ => e.to_string(),
        };
        Error::Io {
            path: path.display().to_string(),
            reason,
        }
    }

    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Store(StoreError::NewerSchema { .. }) => ErrorCode::NewerCatalog,
            Error::Store(StoreError::Corrupt { .. }) => ErrorCode::CorruptCatalog,
            Error::Store(StoreError::NoSuchSource(_)) => ErrorCode::NotFound,
            Error::Store(StoreError::DuplicateSource(_) | StoreError::Refused) => {
                ErrorCode::InvalidInput
            }
            Error::Store(StoreError::Sqlite(_)) => ErrorCode::Internal,
            Error::Scan(_) => ErrorCode::Unreachable,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::Ambiguous { .. } => ErrorCode::Ambiguous,
            Error::Io { .. } => ErrorCode::Io,
            Error::Invalid(_) => ErrorCode::InvalidInput,
        }
    }
}
