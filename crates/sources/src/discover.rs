//! Finding the Git repositories under a folder: nested repositories too, within bounds,
//! skipping dependency trees and hidden folders, following symlinks without looping.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Folders never searched: dependency trees and build output hold no repositories of ours.
const SKIPPED: [&str; 6] = [
    "node_modules",
    "target",
    "vendor",
    "dist",
    "build",
    "__pycache__",
];

/// How far a search goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiscoveryLimits {
    /// Deepest folder searched below the root.
    pub max_depth: usize,
    /// Deepest folder searched below a repository for repositories nested in it.
    pub nested_depth: usize,
}

impl Default for DiscoveryLimits {
    fn default() -> Self {
        DiscoveryLimits {
            max_depth: 6,
            nested_depth: 3,
        }
    }
}

/// What a search found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    /// Repository folders, sorted.
    pub repos: Vec<PathBuf>,
    /// Folders that could not be searched, with the reason.
    pub unreadable: Vec<(PathBuf, String)>,
}

/// Finds the repositories under `root` (the root itself may be one). Fails only when the
/// root itself cannot be read.
pub fn discover_repos(root: &Path, limits: &DiscoveryLimits) -> io::Result<Discovery> {
    let root_meta = fs::metadata(root)?;
    if !root_meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::NotADirectory,
            format!("{} is not a folder", root.display()),
        ));
    }
    fs::read_dir(root)?;
    let mut found = Discovery::default();
    let mut visited = HashSet::from([(root_meta.dev(), root_meta.ino())]);
    let mut repos_seen = HashSet::new();
    // (folder, depth below root, depth below the enclosing repository)
    let mut stack: Vec<(PathBuf, usize, Option<usize>)> = vec![(root.to_owned(), 0, None)];
    while let Some((dir, depth, in_repo)) = stack.pop() {
        let is_repo = fs::symlink_metadata(dir.join(".git")).is_ok();
        let in_repo = if is_repo {
            // A repository reached twice (through a symlink and directly) is listed once.
            let key = fs::metadata(&dir).map(|m| (m.dev(), m.ino())).ok();
            if key.is_some_and(|k| !repos_seen.insert(k)) {
                continue;
            }
            found.repos.push(dir.clone());
            Some(0)
        } else {
            in_repo
        };
        if depth >= limits.max_depth || in_repo.is_some_and(|d| d >= limits.nested_depth) {
            continue;
        }
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                found.unreadable.push((dir, reason(&e)));
                continue;
            }
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || SKIPPED.contains(&name.as_ref()) {
                continue;
            }
            let path = entry.path();
            // Plain folders are known from the directory entry; symlinks are followed, so
            // linked repositories are found, and the visited set of (device, inode) pairs
            // stops loops.
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            let folder = if file_type.is_dir() {
                true
            } else if file_type.is_symlink() {
                fs::metadata(&path)
                    .is_ok_and(|meta| meta.is_dir() && visited.insert((meta.dev(), meta.ino())))
            } else {
                false
            };
            if folder {
                stack.push((path, depth + 1, in_repo.map(|d| d + 1)));
            }
        }
    }
    found.repos.sort();
    found.unreadable.sort();
    Ok(found)
}

fn reason(e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::PermissionDenied {
        "permission denied; check the folder's permissions".to_owned()
    } else {
        e.to_string()
    }
}
