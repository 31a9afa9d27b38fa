//! [`RepoFiles`] over a folder on disk: a repository's working tree, or any folder given
//! to `greenroom validate`. Every read is confined to the folder: `..` and symlinks that
//! lead out of it are refused, and symlink loops are reported, not followed forever.

use std::fs;
use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};

use super::files::{FileError, RepoFiles};

/// Folders never searched by globs: version-control internals and dependency trees.
const SKIPPED_DIRS: [&str; 4] = [".git", "node_modules", "target", ".venv"];
/// How deep a glob search goes below its fixed prefix.
const MAX_GLOB_DEPTH: usize = 16;

/// A folder on disk whose files are served by repository-relative path.
#[derive(Debug, Clone)]
pub struct WorkingTree {
    root: PathBuf,
}

impl WorkingTree {
    /// Serves the files under `root`.
    pub fn new(root: &Path) -> std::io::Result<Self> {
        Ok(WorkingTree {
            root: fs::canonicalize(root)?,
        })
    }

    /// The folder, as an absolute path.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The absolute path of a repository-relative path, refusing escapes and symlinks out.
    pub fn confine(&self, path: &str) -> Result<PathBuf, FileError> {
        let relative = Path::new(path);
        if relative
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return Err(FileError::OutsideRepository(path.to_owned()));
        }
        let full = self.root.join(relative);
        match fs::canonicalize(&full) {
            Ok(real) if real.starts_with(&self.root) => Ok(real),
            Ok(_) => Err(FileError::OutsideRepository(format!("{path} (a symlink)"))),
            Err(e) if e.kind() == ErrorKind::NotFound => Err(FileError::NotFound(path.to_owned())),
            Err(e) => Err(io_error(path, &e)),
        }
    }
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
        let real = self.confine(path)?;
        let metadata = fs::metadata(&real).map_err(|e| io_error(path, &e))?;
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
        fs::read(&real).map_err(|e| io_error(path, &e))
    }

    fn glob(&self, pattern: &str) -> Result<Vec<String>, FileError> {
        let matcher: GlobMatcher = GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|e| FileError::Io {
                path: pattern.to_owned(),
                reason: format!("not a valid glob: {e}"),
            })?
            .compile_matcher();
        // Start at the longest prefix without wildcards.
        let fixed: Vec<&str> = pattern
            .split('/')
            .take_while(|part| !part.contains(['*', '?', '[', '{']))
            .collect();
        let start = fixed.join("/");
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

    fn display(&self, path: &str) -> String {
        self.root.join(path).display().to_string()
    }
}
