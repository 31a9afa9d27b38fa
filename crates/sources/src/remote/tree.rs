//! [`RepoFiles`] straight from a fetched commit, with no checkout: files are blobs of the
//! commit's tree, a file's stamp is its blob id, and symlinks are followed only while they
//! stay inside the tree. Damaged objects are remembered, so a damaged cache entry is
//! re-cloned instead of being half-read.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use git2::{ObjectType, Oid, Repository};
use globset::{GlobBuilder, GlobMatcher};
use greenroom_catalog::descriptor::{FileError, RepoFiles, resolve_relative};

/// Folders never searched by globs, as in working trees.
const SKIPPED_DIRS: [&str; 4] = [".git", "node_modules", "target", ".venv"];
/// How deep a glob search goes below its fixed prefix.
const MAX_GLOB_DEPTH: usize = 16;
/// Symlinks followed while resolving one path, before calling it a loop.
const MAX_LINKS: usize = 16;
const MODE_LINK: i32 = 0o120000;
const MODE_TREE: i32 = 0o040000;
const MODE_SUBMODULE: i32 = 0o160000;

/// One commit's files, read from a (bare) repository.
pub struct GitTree {
    repo: Mutex<Repository>,
    tree: Oid,
    label: String,
    damaged: AtomicBool,
}

/// An entry found by path.
struct Found {
    id: Oid,
    mode: i32,
}

impl GitTree {
    /// The files of `commit` in the repository at `git_dir`. `label` prefixes paths shown
    /// to people (e.g. the clone URL and branch).
    pub fn open(git_dir: &Path, commit: Oid, label: String) -> Result<GitTree, git2::Error> {
        let repo = Repository::open_bare(git_dir)?;
        let tree = repo.find_commit(commit)?.tree_id();
        repo.find_tree(tree)?;
        Ok(GitTree {
            repo: Mutex::new(repo),
            tree,
            label,
            damaged: AtomicBool::new(false),
        })
    }

    /// Whether a read met a damaged or missing object: what was read cannot be trusted.
    pub fn damaged(&self) -> bool {
        self.damaged.load(Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Repository> {
        self.repo.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn object_error(&self, path: &str, e: &git2::Error) -> FileError {
        self.damaged.store(true, Ordering::Relaxed);
        FileError::Io {
            path: path.to_owned(),
            reason: format!("the cached repository is damaged ({})", e.message()),
        }
    }

    /// Finds `path`, following symlinks on the way that stay inside the tree.
    fn resolve(&self, repo: &Repository, path: &str) -> Result<Found, FileError> {
        if path.split('/').any(|p| p == "..") || path.starts_with('/') {
            return Err(FileError::OutsideRepository(path.to_owned()));
        }
        let mut pending: Vec<String> = path
            .split('/')
            .filter(|p| !p.is_empty() && *p != ".")
            .map(str::to_owned)
            .collect();
        pending.reverse();
        let mut done: Vec<String> = Vec::new();
        let mut current = Found {
            id: self.tree,
            mode: MODE_TREE,
        };
        let mut links = 0;
        while let Some(part) = pending.pop() {
            if current.mode != MODE_TREE {
                return Err(FileError::NotFound(path.to_owned()));
            }
            let tree = repo
                .find_tree(current.id)
                .map_err(|e| self.object_error(path, &e))?;
            let Some(entry) = tree.get_name(&part) else {
                return Err(FileError::NotFound(path.to_owned()));
            };
            let mode = entry.filemode();
            if mode == MODE_LINK {
                links += 1;
                if links > MAX_LINKS {
                    return Err(FileError::Io {
                        path: path.to_owned(),
                        reason: "a symlink loop (a link that points back to itself)".into(),
                    });
                }
                let blob = repo
                    .find_blob(entry.id())
                    .map_err(|e| self.object_error(path, &e))?;
                let target = String::from_utf8_lossy(blob.content()).into_owned();
                let here = done.join("/");
                let base = if here.is_empty() {
                    "x".to_owned()
                } else {
                    format!("{here}/x")
                };
                let resolved = (!target.starts_with('/'))
                    .then(|| resolve_relative(&base, &target))
                    .flatten()
                    .ok_or_else(|| FileError::OutsideRepository(format!("{path} (a symlink)")))?;
                // Start again from the root with the link replaced by its target.
                let mut rest: Vec<String> = resolved
                    .split('/')
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect();
                rest.reverse();
                pending.extend(rest);
                done.clear();
                current = Found {
                    id: self.tree,
                    mode: MODE_TREE,
                };
                continue;
            }
            done.push(part);
            current = Found {
                id: entry.id(),
                mode,
            };
        }
        Ok(current)
    }

    fn glob_in(
        &self,
        repo: &Repository,
        matcher: &GlobMatcher,
        start: &str,
        max_depth: usize,
    ) -> Result<Vec<String>, FileError> {
        let root = match self.resolve(repo, start) {
            Ok(found) if found.mode == MODE_TREE => found.id,
            Ok(_) | Err(FileError::NotFound(_) | FileError::OutsideRepository(_)) => {
                return Ok(Vec::new());
            }
            Err(e) => return Err(e),
        };
        let mut found = Vec::new();
        let mut stack = vec![(start.to_owned(), root, 0usize)];
        while let Some((dir, id, depth)) = stack.pop() {
            let tree = repo
                .find_tree(id)
                .map_err(|e| self.object_error(&dir, &e))?;
            for entry in tree.iter() {
                let Ok(name) = entry.name() else {
                    continue; // Not UTF-8: no descriptor path can name it.
                };
                let relative = if dir.is_empty() {
                    name.to_owned()
                } else {
                    format!("{dir}/{name}")
                };
                match entry.filemode() {
                    MODE_TREE => {
                        if depth < max_depth && !SKIPPED_DIRS.contains(&name) {
                            stack.push((relative, entry.id(), depth + 1));
                        }
                    }
                    MODE_SUBMODULE => {}
                    _ => {
                        if matcher.is_match(&relative) {
                            found.push(relative);
                        }
                    }
                }
            }
        }
        found.sort();
        Ok(found)
    }
}

impl RepoFiles for GitTree {
    fn read(&self, path: &str, max_bytes: u64) -> Result<Vec<u8>, FileError> {
        let repo = self.lock();
        let found = self.resolve(&repo, path)?;
        match found.mode {
            MODE_TREE => {
                return Err(FileError::Io {
                    path: path.to_owned(),
                    reason: "it is a folder, not a file".into(),
                });
            }
            MODE_SUBMODULE => {
                return Err(FileError::Io {
                    path: path.to_owned(),
                    reason: "it is a Git submodule; add the submodule's repository as a source to read it".into(),
                });
            }
            _ => {}
        }
        let odb = repo.odb().map_err(|e| self.object_error(path, &e))?;
        let (size, kind) = odb
            .read_header(found.id)
            .map_err(|e| self.object_error(path, &e))?;
        if kind != ObjectType::Blob {
            return Err(FileError::NotFound(path.to_owned()));
        }
        if size as u64 > max_bytes {
            return Err(FileError::TooLarge {
                path: path.to_owned(),
                size: size as u64,
                limit: max_bytes,
            });
        }
        let blob = repo
            .find_blob(found.id)
            .map_err(|e| self.object_error(path, &e))?;
        Ok(blob.content().to_vec())
    }

    fn glob(&self, pattern: &str) -> Result<Vec<String>, FileError> {
        let matcher = glob_matcher(pattern)?;
        let fixed: Vec<&str> = pattern
            .split('/')
            .take_while(|part| !part.contains(['*', '?', '[', '{']))
            .collect();
        let start = fixed.join("/");
        let max_depth = if pattern.contains("**") {
            MAX_GLOB_DEPTH
        } else {
            pattern.split('/').count().saturating_sub(fixed.len() + 1)
        };
        let repo = self.lock();
        // A pattern without wildcards names one file: look it up instead of listing its folder.
        if fixed.len() == pattern.split('/').count() {
            return match self.resolve(&repo, pattern) {
                Ok(found) if found.mode != MODE_TREE && found.mode != MODE_SUBMODULE => {
                    Ok(vec![pattern.to_owned()])
                }
                Ok(_) | Err(FileError::NotFound(_) | FileError::OutsideRepository(_)) => {
                    Ok(Vec::new())
                }
                Err(e) => Err(e),
            };
        }
        self.glob_in(&repo, &matcher, &start, max_depth)
    }

    fn stamp(&self, path: &str) -> Option<String> {
        let repo = self.lock();
        self.resolve(&repo, path).ok().map(|f| f.id.to_string())
    }

    fn display(&self, path: &str) -> String {
        format!("{}{path}", self.label)
    }
}

/// Compiled glob matchers, by pattern: every repository of a source uses the same few.
fn glob_matcher(pattern: &str) -> Result<GlobMatcher, FileError> {
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
