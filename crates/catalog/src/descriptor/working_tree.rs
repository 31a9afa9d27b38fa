//! [`RepoFiles`] over a folder on disk: a repository's working tree, or any folder given
//! to `greenroom validate`. Every read is confined to the folder: `..` and symlinks that
//! lead out of it are refused, and symlink loops are reported, not followed forever.

use std::collections::HashMap;
use std::fs;
use std::io::{ErrorKind, Read};
use std::path::{Component, Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use globset::{GlobBuilder, GlobMatcher};

use super::files::{FileError, RepoFiles};

/// Folders never searched by globs: version-control internals and dependency trees.
const SKIPPED_DIRS: [&str; 4] = [".git", "node_modules", "target", ".venv"];
/// How deep a glob search goes below its fixed prefix.
const MAX_GLOB_DEPTH: usize = 16;

/// A folder on disk whose files are served by repository-relative path.
#[derive(Debug)]
pub struct WorkingTree {
    root: PathBuf,
    /// The root with symlinks resolved, computed the first time a symlink is met.
    real_root: OnceLock<Option<PathBuf>>,
}

impl WorkingTree {
    /// Serves the files under the folder `root`.
    pub fn new(root: &Path) -> std::io::Result<Self> {
        let root = if root.is_absolute() {
            root.to_owned()
        } else {
            std::env::current_dir()?.join(root)
        };
        if !fs::metadata(&root)?.is_dir() {
            return Err(std::io::Error::new(
                ErrorKind::NotADirectory,
                format!("{} is not a folder", root.display()),
            ));
        }
        Ok(WorkingTree {
            root,
            real_root: OnceLock::new(),
        })
    }

    /// The folder, as an absolute path.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The absolute path of a repository-relative path and its metadata, refusing `..`,
    /// and symlinks that lead out of the folder.
    ///
    /// Each component is checked with one `lstat`; only paths that do pass through a
    /// symlink are resolved in full, which keeps re-indexing many repositories cheap.
    pub fn confine(&self, path: &str) -> Result<(PathBuf, fs::Metadata), FileError> {
        let relative = Path::new(path);
        if relative
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return Err(FileError::OutsideRepository(path.to_owned()));
        }
        let mut current = self.root.clone();
        let mut last = None;
        for part in relative.components() {
            current.push(part);
            match fs::symlink_metadata(&current) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    return self.confine_through_symlink(path);
                }
                Ok(meta) => last = Some(meta),
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    return Err(FileError::NotFound(path.to_owned()));
                }
                Err(e) => return Err(io_error(path, &e)),
            }
        }
        let meta = match last {
            Some(meta) => meta,
            None => fs::metadata(&current).map_err(|e| io_error(path, &e))?,
        };
        Ok((current, meta))
    }

    fn confine_through_symlink(&self, path: &str) -> Result<(PathBuf, fs::Metadata), FileError> {
        let real_root = self
            .real_root
            .get_or_init(|| fs::canonicalize(&self.root).ok());
        let Some(real_root) = real_root else {
            return Err(FileError::Io {
                path: path.to_owned(),
                reason: "the repository folder cannot be resolved".into(),
            });
        };
        match fs::canonicalize(self.root.join(path)) {
            Ok(real) if real.starts_with(real_root) => {
                let meta = fs::metadata(&real).map_err(|e| io_error(path, &e))?;
                Ok((real, meta))
            }
            Ok(_) => Err(FileError::OutsideRepository(format!("{path} (a symlink)"))),
            Err(e) if e.kind() == ErrorKind::NotFound => Err(FileError::NotFound(path.to_owned())),
            Err(e) => Err(io_error(path, &e)),
        }
    }
}

/// A descriptor glob (`*` stays within one folder, `**` crosses folders), compiled once and
/// cached: every repository of a source uses the same few patterns, and compiling one
/// costs more than matching a whole folder.
pub fn glob_matcher(pattern: &str) -> Result<GlobMatcher, FileError> {
    static CACHE: OnceLock<Mutex<HashMap<String, GlobMatcher>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(matcher) = cache.lock().ok().and_then(|c| c.get(pattern).cloned()) {
        return Ok(matcher);
    }
    let matcher = GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|e| FileError::Io {
            path: pattern.to_owned(),
            reason: format!("not a valid glob: {e}"),
        })?
        .compile_matcher();
    if let Ok(mut cache) = cache.lock() {
        if cache.len() > 256 {
            cache.clear();
        }
        cache.insert(pattern.to_owned(), matcher.clone());
    }
    Ok(matcher)
}

fn io_error(path: &str, e: &std::io::Error) -> FileError {
    let reason = match e.raw_os_error() {
        Some(40) => "a symlink loop (a link that points back to itself)".to_owned(),
        _ if e.kind() == ErrorKind::PermissionDenied => {
            "permission denied; check the file's permissions".to_owned()
        }
        _ => e.to_string(),
    };
    FileError::Io {
        path: path.to_owned(),
        reason,
    }
}

impl RepoFiles for WorkingTree {
    fn read(&self, path: &str, max_bytes: u64) -> Result<Vec<u8>, FileError> {
        let (real, metadata) = self.confine(path)?;
        if metadata.is_dir() {
            return Err(FileError::Io {
                path: path.to_owned(),
                reason: "it is a folder, not a file".into(),
            });
        }
        if metadata.len() > max_bytes {
            return Err(FileError::TooLarge {
                path: path.to_owned(),
                size: metadata.len(),
                limit: max_bytes,
            });
        }
        let mut bytes = Vec::with_capacity(metadata.len() as usize + 1);
        // `take` skips the extra size query of `File::read_to_end`: the size is known.
        fs::File::open(&real)
            .and_then(|file| {
                file.take(max_bytes.saturating_add(1))
                    .read_to_end(&mut bytes)
            })
            .map_err(|e| io_error(path, &e))?;
        Ok(bytes)
    }

    fn glob(&self, pattern: &str) -> Result<Vec<String>, FileError> {
        let matcher = glob_matcher(pattern)?;
        // Start at the longest prefix without wildcards.
        let fixed: Vec<&str> = pattern
            .split('/')
            .take_while(|part| !part.contains(['*', '?', '[', '{']))
            .collect();
        let start = fixed.join("/");
        if !start.is_empty() && !matches!(self.confine(&start), Ok((_, meta)) if meta.is_dir()) {
            return Ok(Vec::new()); // Missing, or a symlink out of the folder.
        }
        // Without `**`, a pattern reaches only as deep as it has segments.
        let max_depth = if pattern.contains("**") {
            MAX_GLOB_DEPTH
        } else {
            pattern.split('/').count().saturating_sub(fixed.len() + 1)
        };
        let mut found = Vec::new();
        let mut stack = vec![(start.clone(), 0usize)];
        while let Some((dir, depth)) = stack.pop() {
            let Ok(entries) = fs::read_dir(self.root.join(&dir)) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let relative = if dir.is_empty() {
                    name.clone()
                } else {
                    format!("{dir}/{name}")
                };
                // Symlinked folders are not entered: they may lead out or loop.
                let Ok(file_type) = entry.file_type() else {
                    continue;
                };
                if file_type.is_dir() {
                    if depth < max_depth && !SKIPPED_DIRS.contains(&name.as_str()) {
                        stack.push((relative, depth + 1));
                    }
                } else if matcher.is_match(&relative) {
                    found.push(relative);
                }
            }
        }
        found.sort();
        Ok(found)
    }

    fn stamp(&self, path: &str) -> Option<String> {
        use std::os::unix::fs::MetadataExt;
        let (_, m) = self.confine(path).ok()?;
        // The change time cannot be set by tools that preserve modification times.
        Some(format!(
            "{}:{}:{}.{}:{}.{}",
            m.ino(),
            m.size(),
            m.mtime(),
            m.mtime_nsec(),
            m.ctime(),
            m.ctime_nsec()
        ))
    }

    fn display(&self, path: &str) -> String {
        self.root.join(path).display().to_string()
    }
}
