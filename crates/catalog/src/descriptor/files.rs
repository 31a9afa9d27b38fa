//! How descriptors reach the catalog: a repository's files, read through a small trait so
//! that a working tree, a fetched Git tree or a plain folder can all serve them.

/// Read access to one repository's files, addressed by repository-relative paths with `/`
/// separators (`services/api/catalog-info.yaml`).
///
/// Implementations must refuse anything outside the repository, including symlinks that
/// point out of it.
pub trait RepoFiles: Send + Sync {
    /// The bytes of a file, refusing files larger than `max_bytes`.
    fn read(&self, path: &str, max_bytes: u64) -> Result<Vec<u8>, FileError>;

    /// The files matching a glob pattern (repository-relative, `*`, `**`, `?`, `[..]`,
    /// `{a,b}`), sorted.
    fn glob(&self, pattern: &str) -> Result<Vec<String>, FileError>;

    /// A cheap summary of a file's state (size, times, inode) taken without reading it,
    /// so that unchanged files need not be read again; `None` where there is none.
    fn stamp(&self, _path: &str) -> Option<String> {
        None
    }

    /// How a path is shown to people, e.g. the absolute path on disk.
    fn display(&self, path: &str) -> String {
        path.to_owned()
    }
}

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    /// No such file.
    #[error("{0} does not exist")]
    NotFound(String),
    /// The file is larger than the limit.
    #[error(
        "{path} is {size} bytes, more than the {limit}-byte limit for this kind of file; split it or reference it another way"
    )]
    TooLarge {
        /// The file.
        path: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The path, or a symlink on it, leads outside the repository.
    #[error("{0} leads outside the repository; only files inside it can be read")]
    OutsideRepository(String),
    /// Any other I/O failure.
    #[error("{path} could not be read: {reason}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
}

/// Joins a relative reference to the folder of `base_file`, both repository-relative. A
/// leading `/` means the repository root. Returns `None` when `..` climbs out of the
/// repository.
pub fn resolve_relative(base_file: &str, reference: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    if !reference.starts_with('/') {
        parts.extend(base_file.split('/').filter(|p| !p.is_empty()));
        parts.pop(); // The file itself.
    }
    for part in reference.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// The folder part of a repository-relative path (`""` for the root).
pub fn parent_dir(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_references_resolve_inside_the_repository() {
        assert_eq!(
            resolve_relative("catalog-info.yaml", "./api.yaml").as_deref(),
            Some("api.yaml")
        );
        assert_eq!(
            resolve_relative("a/b/catalog-info.yaml", "../c.yaml").as_deref(),
            Some("a/c.yaml")
        );
        assert_eq!(
            resolve_relative("a/b/catalog-info.yaml", "/docs/x.yaml").as_deref(),
            Some("docs/x.yaml")
        );
        assert_eq!(
            resolve_relative("a/catalog-info.yaml", "../../x.yaml"),
            None
        );
        assert_eq!(resolve_relative("catalog-info.yaml", "../x"), None);
        assert_eq!(parent_dir("a/b/c.yaml"), "a/b");
        assert_eq!(parent_dir("c.yaml"), "");
    }
}
