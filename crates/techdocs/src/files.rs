//! Reading a repository's files, confined to the repository.
//!
//! The renderer never touches the file system directly: it goes through [`DocsFiles`], so the
//! same code can read a working tree ([`WorkingTree`]) or, later, a git tree of a remote source.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::path;

/// What a path in the repository is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file (or a symlink to one inside the repository).
    File,
    /// A folder (or a symlink to one inside the repository).
    Dir,
}

/// One entry of a folder listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// The entry's name (one path component).
    pub name: String,
    /// File or folder; entries that are neither, or that point outside the repository, are
    /// reported through [`FilesError`] by [`DocsFiles::list_dir`] instead.
    pub kind: EntryKind,
}

/// A folder listing: the usable entries and the ones that had to be skipped, with why.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// Files and folders, sorted by name (byte order).
    pub entries: Vec<DirEntry>,
    /// Entries skipped (symlinks out of the repository, broken links, unreadable entries).
    pub skipped: Vec<FilesError>,
}

/// Why a repository file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilesError {
    /// The path is absolute or climbs out of the repository.
    #[error(transparent)]
    Path(#[from] path::PathError),
    /// Nothing at that path.
    #[error("'{0}' does not exist")]
    NotFound(String),
    /// A symlink in the path points outside the repository.
    #[error("'{0}' is a symlink pointing outside the repository; it is not read")]
    OutsideRepo(String),
    /// Symlinks at that path point at each other endlessly.
    #[error("'{0}' is part of a symlink loop; it is not read")]
    SymlinkLoop(String),
    /// The file is larger than the caller accepts.
    #[error("'{path}' is {size} bytes, more than the {limit} bytes accepted")]
    TooLarge {
        /// The file.
        path: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// Expected a file and found a folder, or the other way round.
    #[error("'{0}' is not a {1}")]
    WrongKind(String, &'static str),
    /// Any other I/O failure.
    #[error("cannot read '{path}': {message}")]
    Io {
        /// The file.
        path: String,
        /// The system's message.
        message: String,
    },
}

/// Read access to one repository, by repository-relative `/`-separated paths.
///
/// Implementations must refuse to read anything outside the repository (absolute paths,
/// `..` escapes, symlinks leading out) and must not loop on symlink cycles.
pub trait DocsFiles: Sync {
    /// Reads a whole file, refusing files larger than `limit` bytes.
    fn read(&self, path: &str, limit: u64) -> Result<Vec<u8>, FilesError>;
    /// Lists a folder.
    fn list_dir(&self, path: &str) -> Result<Listing, FilesError>;
    /// What is at `path`, if anything usable (inside the repository) is there.
    fn kind(&self, path: &str) -> Option<EntryKind>;
    /// A stable identity for the folder at `path` after following symlinks, used to detect
    /// symlink loops while walking (for a git tree, the path itself).
    fn dir_identity(&self, path: &str) -> Result<String, FilesError>;

    /// Whether a file or folder exists at `path`.
    fn exists(&self, path: &str) -> bool {
        self.kind(path).is_some()
    }

    /// Reads a file as UTF-8 text (a leading byte-order mark is dropped, as MkDocs does;
    /// invalid bytes become U+FFFD).
    fn read_text(&self, path: &str, limit: u64) -> Result<String, FilesError> {
        let bytes = self.read(path, limit)?;
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
        };
        Ok(match text.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_string(),
            None => text,
        })
    }
}

/// A repository checked out on disk; every read is confined to its root.
#[derive(Debug, Clone)]
pub struct WorkingTree {
    root: PathBuf,
}

impl WorkingTree {
    /// Opens the working tree rooted at `root` (which must exist).
    pub fn new(root: impl AsRef<Path>) -> io::Result<Self> {
        Ok(WorkingTree {
            root: fs::canonicalize(root)?,
        })
    }

    /// The repository root on disk (canonical).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Resolves a repository-relative path to a canonical location inside the root.
    fn resolve(&self, rel: &str) -> Result<PathBuf, FilesError> {
        let rel = path::normalize(rel)?;
        let joined = if rel.is_empty() {
            self.root.clone()
        } else {
            self.root.join(&rel)
        };
        match fs::canonicalize(&joined) {
            Ok(real) if real.starts_with(&self.root) => Ok(real),
            Ok(_) => Err(FilesError::OutsideRepo(rel)),
            Err(err) => Err(io_error(&rel, &err)),
        }
    }
}

fn io_error(rel: &str, err: &io::Error) -> FilesError {
    // ELOOP has no stable ErrorKind yet; its raw code is 40 on Linux and 62 on macOS/BSD.
    let is_loop = matches!(err.raw_os_error(), Some(40) if cfg!(target_os = "linux"))
        || matches!(err.raw_os_error(), Some(62) if cfg!(not(target_os = "linux")));
    if is_loop {
        FilesError::SymlinkLoop(rel.to_string())
    } else if err.kind() == io::ErrorKind::NotFound {
        FilesError::NotFound(rel.to_string())
    } else {
        FilesError::Io {
            path: rel.to_string(),
            message: err.to_string(),
        }
    }
}

impl DocsFiles for WorkingTree {
    fn read(&self, rel: &str, limit: u64) -> Result<Vec<u8>, FilesError> {
        let real = self.resolve(rel)?;
        let file = fs::File::open(&real).map_err(|e| io_error(rel, &e))?;
        let meta = file.metadata().map_err(|e| io_error(rel, &e))?;
        if !meta.is_file() {
            return Err(FilesError::WrongKind(rel.to_string(), "file"));
        }
        if meta.len() > limit {
            return Err(FilesError::TooLarge {
                path: rel.to_string(),
                size: meta.len(),
                limit,
            });
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        // Read one byte past the limit so a file growing meanwhile is still caught.
        file.take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| io_error(rel, &e))?;
        if bytes.len() as u64 > limit {
            return Err(FilesError::TooLarge {
                path: rel.to_string(),
                size: bytes.len() as u64,
                limit,
            });
        }
        Ok(bytes)
    }

    fn list_dir(&self, rel: &str) -> Result<Listing, FilesError> {
        let real = self.resolve(rel)?;
        let rel = path::normalize(rel)?;
        let reader = fs::read_dir(&real).map_err(|e| io_error(&rel, &e))?;
        let mut listing = Listing::default();
        for entry in reader {
            let entry = entry.map_err(|e| io_error(&rel, &e))?;
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                listing.skipped.push(FilesError::Io {
                    path: path::concat(&rel, &entry.file_name().to_string_lossy()),
                    message: "the name is not valid UTF-8".into(),
                });
                continue;
            };
            let child = path::concat(&rel, &name);
            let is_link = entry.file_type().is_ok_and(|t| t.is_symlink());
            let kind = if is_link {
                // Follow the link, but only if it lands inside the repository.
                match self.resolve(&child) {
                    Ok(target) => fs::metadata(&target).ok().and_then(|m| kind_of(&m)),
                    Err(err) => {
                        listing.skipped.push(err);
                        continue;
                    }
                }
            } else {
                entry.file_type().ok().and_then(|t| {
                    if t.is_dir() {
                        Some(EntryKind::Dir)
                    } else if t.is_file() {
                        Some(EntryKind::File)
                    } else {
                        None
                    }
                })
            };
            if let Some(kind) = kind {
                listing.entries.push(DirEntry { name, kind });
            }
        }
        listing.entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(listing)
    }

    fn kind(&self, rel: &str) -> Option<EntryKind> {
        let real = self.resolve(rel).ok()?;
        kind_of(&fs::metadata(real).ok()?)
    }

    fn dir_identity(&self, rel: &str) -> Result<String, FilesError> {
        let real = self.resolve(rel)?;
        Ok(real.to_string_lossy().into_owned())
    }
}

fn kind_of(meta: &fs::Metadata) -> Option<EntryKind> {
    if meta.is_dir() {
        Some(EntryKind::Dir)
    } else if meta.is_file() {
        Some(EntryKind::File)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_inside_and_refuses_outside() {
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("secret.txt"), "secret").unwrap();
        let repo = tempfile::tempdir().unwrap();
        fs::create_dir(repo.path().join("docs")).unwrap();
        fs::write(repo.path().join("docs/index.md"), "# Hi").unwrap();
        let tree = WorkingTree::new(repo.path()).unwrap();
        assert_eq!(tree.read_text("docs/index.md", 100).unwrap(), "# Hi");
        assert!(matches!(
            tree.read("../secret.txt", 100),
            Err(FilesError::Path(_))
        ));
        assert!(matches!(
            tree.read("docs/index.md", 2),
            Err(FilesError::TooLarge { .. })
        ));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(
                outside.path().join("secret.txt"),
                repo.path().join("docs/leak.md"),
            )
            .unwrap();
            assert!(matches!(
                tree.read("docs/leak.md", 100),
                Err(FilesError::OutsideRepo(_))
            ));
            let listing = tree.list_dir("docs").unwrap();
            assert_eq!(listing.entries.len(), 1);
            assert!(matches!(listing.skipped[0], FilesError::OutsideRepo(_)));
            std::os::unix::fs::symlink("loop-b", repo.path().join("docs/loop-a")).unwrap();
            std::os::unix::fs::symlink("loop-a", repo.path().join("docs/loop-b")).unwrap();
            assert!(matches!(
                tree.read("docs/loop-a", 100),
                Err(FilesError::SymlinkLoop(_))
            ));
        }
    }
}
