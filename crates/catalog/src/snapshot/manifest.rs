//! The manifest: what a snapshot is, who made it, what it holds and the checksum of every
//! section. It is stored uncompressed so that any tool can read it, and it is what a
//! signature signs.

use serde::{Deserialize, Serialize};

/// The manifest's `format` value.
pub const FORMAT_NAME: &str = "greenroom-snapshot";
/// The format version this build writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;

/// A snapshot's description.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Always [`FORMAT_NAME`].
    pub format: String,
    /// The layout of the file; a reader refuses versions newer than it knows.
    pub format_version: u32,
    /// What wrote it, e.g. `greenroom 0.1.0`.
    pub producer: String,
    /// When the catalog content it holds was last read (ms since the epoch): the newest
    /// repository read, so exporting an unchanged catalog gives the same bytes.
    pub created_at: i64,
    /// Who publishes it; re-importing a snapshot of the same origin replaces the previous one.
    pub origin: Origin,
    /// The sources of the catalog it was made from.
    pub sources: Vec<SourceSummary>,
    /// What it holds.
    pub counts: Counts,
    /// The compressed sections, in file order.
    pub sections: Vec<SectionInfo>,
}

/// Who publishes a snapshot.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Origin {
    /// Stable identifier (lowercase letters, digits and dashes); the same for every
    /// snapshot of one publisher.
    pub id: String,
    /// What people call it, e.g. `Platform team`.
    pub name: String,
}

/// A source of the exporting catalog.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceSummary {
    /// Its name.
    pub name: String,
    /// Its kind (`folder`, `remote`, `snapshot`, `org`).
    pub kind: String,
    /// Repositories it contributed.
    pub repos: usize,
    /// Entities it contributed.
    pub entities: usize,
}

/// What a snapshot holds.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// Repositories.
    pub repos: usize,
    /// Descriptor files.
    pub files: usize,
    /// Entities.
    pub entities: usize,
    /// Relations the entities declare.
    pub relations: usize,
    /// Problems found where the catalog was indexed.
    pub problems: usize,
    /// API entities that carry their definition.
    pub api_definitions: usize,
    /// TechDocs sites.
    pub doc_sites: usize,
    /// TechDocs pages.
    pub pages: usize,
    /// TechDocs assets (images, downloads).
    pub assets: usize,
}

/// One compressed section.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SectionInfo {
    /// `catalog`, `docs` or `assets`.
    pub name: String,
    /// Always `zstd`.
    pub compression: String,
    /// Bytes in the file.
    pub size: u64,
    /// Bytes once decompressed.
    pub raw_size: u64,
    /// BLAKE3 of the bytes in the file (hex), checked before decompressing.
    pub blake3: String,
}
