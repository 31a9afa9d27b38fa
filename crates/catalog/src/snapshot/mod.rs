//! Catalog snapshots: a whole catalog (and optionally its rendered TechDocs) in one
//! `.greenroom` file that another machine can open offline.
//!
//! The file is self-describing and versioned: a fixed header, a JSON [`Manifest`] (format
//! version, producer, creation time, origin, counts and a checksum per section), an
//! optional minisign signature of the manifest, then the zstd-compressed sections. The
//! same catalog always exports to the same bytes (a signature adds random bytes of its
//! own, as minisign signatures are hedged).
//!
//! A snapshot is untrusted input. [`Snapshot::read`] checks everything before anything is
//! used: the header, every length against [`Limits`], the manifest's checksum, the
//! signature, each section's checksum before it is decompressed, decompressed sizes
//! (no bombs), counts against the manifest, and repository-relative paths. Entities are then
//! validated as if read from a repository by [`Snapshot::repo_indexes`].
//!
//! An import does not wait for the whole catalog section to be parsed:
//! [`Snapshot::read_unparsed`] checks all the rest, and [`CatalogSection::validate_chunks`]
//! parses, checks and validates the repositories while the first ones are written. Its
//! totals are only known at the end of the section, so the writer keeps nothing (one
//! transaction) until the section has checked out.

mod container;
mod content;
mod frames;
mod import;
mod manifest;
mod signing;
mod stream;

pub use container::{MAGIC, Snapshot, write_snapshot};
pub use content::{
    CatalogContent, DocsContent, SnapshotBlob, SnapshotEntity, SnapshotFile, SnapshotRelation,
    SnapshotRepo, SnapshotSite, check_relative_path,
};
pub use import::ValidatedRepo;
pub use manifest::{
    Counts, FORMAT_NAME, FORMAT_VERSION, Manifest, Origin, SectionInfo, SourceSummary,
};
pub use signing::{SignatureInfo, SignatureStatus, SigningKey, key_id_of, parse_public_key};
pub use stream::CatalogSection;

use crate::store::StoreError;

/// Bounds on what a snapshot may hold, so that a hostile file cannot exhaust memory or
/// disk. The defaults are far above real catalogs (a 50,000-entity catalog with 2,000 docs
/// pages is a few tens of megabytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file read.
    pub max_file_bytes: u64,
    /// Largest manifest.
    pub max_manifest_bytes: u64,
    /// Largest decompressed section.
    pub max_section_bytes: u64,
    /// Most entities.
    pub max_entities: usize,
    /// Most repositories, files, problems, sites, pages or assets (each).
    pub max_items: usize,
    /// Largest single entity (as JSON).
    pub max_entity_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 2 << 30,
            max_manifest_bytes: 1 << 20,
            max_section_bytes: 2 << 30,
            max_entities: 2_000_000,
            max_items: 4_000_000,
            max_entity_bytes: crate::descriptor::MAX_DESCRIPTOR_BYTES as usize,
        }
    }
}

/// Why a snapshot could not be written, read or imported. Every message says what the
/// person can do.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The file could not be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The file does not start like a snapshot.
    #[error(
        "this is not a Greenroom snapshot (it does not start with a snapshot header); pick a .greenroom file made by \
         `greenroom snapshot export`"
    )]
    NotASnapshot,
    /// Made by a newer Greenroom, in a format this one cannot read.
    #[error(
        "this snapshot was made by a newer Greenroom (format version {found}; this version reads up to {known}); \
         update Greenroom to open it"
    )]
    NewerFormat {
        /// The file's format version.
        found: u32,
        /// The newest this build reads.
        known: u32,
    },
    /// The file ends early.
    #[error(
        "the snapshot is incomplete: it ends after {found} bytes where {expected} were expected; copy or download it \
         again"
    )]
    Truncated {
        /// Bytes present.
        found: u64,
        /// Bytes needed.
        expected: u64,
    },
    /// The content does not match its checksums or is malformed.
    #[error("the snapshot is damaged or was changed after it was made ({0}); ask for a new copy")]
    Corrupt(String),
    /// The signature does not verify.
    #[error(
        "the snapshot's signature does not check ({0}): it was changed after it was signed, or the signature is \
         forged; do not import it, and ask its publisher for a new copy"
    )]
    BadSignature(String),
    /// Something in it exceeds [`Limits`].
    #[error("the snapshot is too large to open safely: {what} is {found}, the limit is {limit}")]
    TooLarge {
        /// What is too large.
        what: String,
        /// Its size or count.
        found: u64,
        /// The limit.
        limit: u64,
    },
    /// A signing key could not be used.
    #[error("{0}")]
    Key(String),
    /// From the catalog database.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SnapshotError {
    pub(crate) fn corrupt(what: impl Into<String>) -> Self {
        SnapshotError::Corrupt(what.into())
    }

    pub(crate) fn too_large(what: impl Into<String>, found: u64, limit: u64) -> Self {
        SnapshotError::TooLarge {
            what: what.into(),
            found,
            limit,
        }
    }
}
