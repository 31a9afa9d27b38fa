//! The Greenroom facade: open a data folder, manage sources, index them with progress, and
//! ask the catalog. The desktop app, the CLI and the end-to-end tests all go through it.

pub mod account;
mod azure_devops;
pub mod demo;
pub mod docs;
mod error;
mod git_credentials;
mod indexing;
mod refs;
pub mod remote;
mod remote_docs;
mod remote_org;
pub mod repo_files;
pub mod snapshot;
mod snapshot_docs;
pub mod snapshot_git;
pub mod templates;
pub mod validate;
pub mod watch;

use std::path::{Path, PathBuf};

pub use azure_devops::AZURE_DEVOPS_SCOPE;
pub use error::{Error, ErrorCode};
pub use git_credentials::{DEFAULT_TOKEN_USER, GIT_KEYRING_SERVICE};
pub use greenroom_auth as auth;
pub use greenroom_catalog as catalog;
pub use greenroom_scaffolder as scaffolder;
pub use greenroom_sources::remote::Organisation;
pub use greenroom_sources::{Cancel, FailureKind, FetchFailure, RepoOutcome};
pub use greenroom_techdocs as techdocs;
pub use indexing::{IndexReport, Progress};
pub use remote::{RemoteOptions, RemoteSettings, RepoFailure, SyncProgress, SyncReport};

use greenroom_catalog::Catalog;
use greenroom_catalog::store::{NewSource, SourceKind, SourceRecord};
use greenroom_sources::FolderSettings;

/// The environment variable that overrides the data folder.
pub const DATA_DIR_ENV: &str = "GREENROOM_DATA_DIR";
/// The catalog's file name inside the data folder.
pub const CATALOG_FILE: &str = "catalog.db";

/// The data folder: `flag` if given, else `$GREENROOM_DATA_DIR`, else the platform's data
/// folder (`~/.local/share/greenroom` on Linux).
pub fn data_dir(flag: Option<&Path>) -> Result<PathBuf, Error> {
    if let Some(dir) = flag {
        return Ok(dir.to_owned());
    }
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("dev", "greenroom", "greenroom")
        .map(|dirs| dirs.data_dir().to_owned())
        .ok_or_else(|| {
            Error::Invalid(format!(
                "cannot tell where to keep data; set {DATA_DIR_ENV} or pass --data-dir"
            ))
        })
}

/// An open Greenroom data folder.
pub struct Greenroom {
    dir: PathBuf,
    catalog: Catalog,
}

impl Greenroom {
    /// Opens (creating if needed) the data folder and its catalog.
    pub fn open(dir: &Path) -> Result<Greenroom, Error> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e))?;
        let catalog = Catalog::open(&dir.join(CATALOG_FILE))?;
        Ok(Greenroom {
            dir: dir.to_owned(),
            catalog,
        })
    }

    /// Opens an existing data folder for reading only; works while another process writes.
    pub fn open_read_only(dir: &Path) -> Result<Greenroom, Error> {
        let path = dir.join(CATALOG_FILE);
        if !path.exists() {
            return Self::open(dir);
        }
        Ok(Greenroom {
            dir: dir.to_owned(),
            catalog: Catalog::open_read_only(&path)?,
        })
    }

    /// The data folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The catalog, for queries.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The catalog, for writes.
    pub fn catalog_mut(&mut self) -> &mut Catalog {
        &mut self.catalog
    }

    /// Adds a folder of repositories as a source. `globs` are extra descriptor patterns
    /// inside each repository.
    pub fn add_folder(&mut self, folder: &Path, globs: &[String]) -> Result<SourceRecord, Error> {
        let folder = std::fs::canonicalize(folder).map_err(|e| Error::io(folder, &e))?;
        if !folder.is_dir() {
            return Err(Error::Invalid(format!(
                "{} is not a folder",
                folder.display()
            )));
        }
        let name = folder.file_name().map_or_else(
            || folder.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let settings = FolderSettings {
            globs: globs.to_vec(),
        };
        Ok(self.catalog.add_source(&NewSource {
            kind: SourceKind::Folder,
            target: folder.display().to_string(),
            name,
            settings: serde_json::to_value(settings).unwrap_or_default(),
            priority: 100,
        })?)
    }

    /// Removes a source (by id, folder or name) and everything it contributed, including
    /// the cached clones of a remote source.
    pub fn remove_source(&mut self, source: &str) -> Result<SourceRecord, Error> {
        let record = self.catalog.find_source(source)?;
        self.catalog.remove_source(record.id)?;
        let left_behind = match record.kind {
            SourceKind::Remote => Some(self.remote_cache_dir(record.id)),
            SourceKind::Snapshot => snapshot::docs_dir_of(&record).map(|d| self.dir.join(d)),
            _ => None,
        };
        if let Some(dir) = left_behind
            && let Err(e) = std::fs::remove_dir_all(&dir)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            return Err(Error::io(&dir, &e));
        }
        Ok(record)
    }
}
