//! The catalog database: one SQLite file in WAL mode, so readers never wait for the
//! indexing writer; schema migrations embedded and applied in order, each in its own
//! transaction; `PRAGMA user_version` makes an older Greenroom refuse a newer catalog.

mod changes;
mod docs;
mod graph;
mod migrate;
mod query;
mod remote;
mod search;
mod snapshot;
mod sources;
mod stored;
mod write;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub use changes::ChangeBatch;
pub use docs::{DocHit, DocSection, DocSiteRecord, NewDocSite};
pub use graph::{Graph, GraphEdge, GraphNode};
pub use migrate::SCHEMA_VERSION;
pub use query::{
    CatalogStats, EntityLocation, EntityPage, EntityQuery, EntityRecord, EntitySummary, FacetCount,
    Facets, ProblemQuery, ProblemRecord, Related, SortField,
};
pub use remote::{RemoteRepoRecord, RemoteRepoUpdate};
pub use search::SearchHit;
pub use snapshot::{
    ExportedCatalog, SnapshotPart, SnapshotSiteWrite, SnapshotWrite, SnapshotWritten,
};
pub use sources::{NewSource, RepoState, SourceKind, SourceRecord};
pub use stored::{StoredForm, prepare_stored};
pub use write::{RepoContent, RepoIndex, SourceIndex, WriteStats};

/// Why the catalog could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file was written by a newer Greenroom.
    #[error(
        "the catalog at {path} was written by a newer Greenroom (schema version {found}; this version knows up to \
         {known}); update Greenroom, or use another data folder with --data-dir"
    )]
    NewerSchema {
        /// The database file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest version this build knows.
        known: i64,
    },
    /// The file is not a usable SQLite database.
    #[error(
        "the catalog at {path} is damaged or is not a Greenroom catalog ({reason}); move it away and index again"
    )]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// SQLite's reason.
        reason: String,
    },
    /// A source with this target is already in the catalog.
    #[error("{0} is already a source of this catalog")]
    DuplicateSource(String),
    /// No such source.
    #[error("there is no source {0}; `greenroom source list` shows the sources")]
    NoSuchSource(String),
    /// An import's input was found unsound while it was being written; nothing was kept.
    #[error(
        "the import stopped before it was complete, and nothing of it was kept; import the file again, and if it \
         stops again, ask its publisher for a new copy"
    )]
    Refused,
    /// Any other database failure.
    #[error("catalog database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// A connection to the catalog.
pub struct Catalog {
    conn: Connection,
    path: PathBuf,
}

impl Catalog {
    /// Opens (creating and migrating if needed) the catalog at `path`.
    pub fn open(path: &Path) -> Result<Catalog, StoreError> {
        let conn = Connection::open(path).map_err(|e| corrupt(path, &e))?;
        let mut catalog = Catalog {
            conn,
            path: path.to_owned(),
        };
        catalog.configure().map_err(|e| corrupt(path, &e))?;
        migrate::migrate(&mut catalog.conn, path)?;
        Ok(catalog)
    }

    /// Opens an existing catalog for reading only (e.g. a second window or `greenroom
    /// search` while an index runs).
    pub fn open_read_only(path: &Path) -> Result<Catalog, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| corrupt(path, &e))?;
        let catalog = Catalog {
            conn,
            path: path.to_owned(),
        };
        catalog.conn.busy_timeout(Duration::from_secs(5))?;
        migrate::check_version(&catalog.conn, path)?;
        Ok(catalog)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn configure(&self) -> rusqlite::Result<()> {
        self.conn.busy_timeout(Duration::from_secs(10))?;
        self.conn.execute_batch(
            // 64 KiB pages (SQLite's largest): entity rows are about 1 KiB, and an index or
            // import of tens of thousands of them splits fewer pages and writes fewer WAL
            // frames. A 50,000-entity import took 16% less time with 16 KiB pages than with
            // 4 KiB, and about 7% less again with 64 KiB; searches and small re-indexes did
            // not get slower. It applies when the file is created; an existing catalog keeps
            // its page size.
            "PRAGMA page_size = 65536;
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA temp_store = MEMORY;",
        )?;
        self.conn.execute_batch(USUAL_CACHE_SIZE)?;
        Ok(())
    }
}

/// The page cache a connection keeps (32 MB); a large snapshot import raises it for its
/// transaction and puts this back.
const USUAL_CACHE_SIZE: &str = "PRAGMA cache_size = -32000;";

fn corrupt(path: &Path, e: &rusqlite::Error) -> StoreError {
    StoreError::Corrupt {
        path: path.to_owned(),
        reason: e.to_string(),
    }
}

/// Milliseconds since the Unix epoch, the catalog's time unit.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
