//! Repository-relative paths: always `/`-separated, never absolute, never climbing out.
//!
//! Every path the renderer handles (docs files, snippets, images, included `mkdocs.yml`
//! files) is one of these, so confinement to the repository is checked in one place.

/// Why a path written in a repository was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// The path is absolute (`/etc/passwd`, `C:\x`, `\\server\share`).
    #[error("'{0}' is an absolute path; write it relative to the file that uses it")]
    Absolute(String),
    /// The path climbs above the folder it must stay in.
    #[error("'{0}' climbs out of the folder it must stay in (too many '..')")]
    Escapes(String),
}

/// Joins `rel` onto the folder `base` (both repository-relative) and normalises the result,
/// refusing absolute paths and any path that would leave the repository.
pub fn join(base: &str, rel: &str) -> Result<String, PathError> {
    if is_absolute(rel) {
        return Err(PathError::Absolute(rel.to_string()));
    }
    let mut parts: Vec<&str> = base
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    for part in rel.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(PathError::Escapes(rel.to_string()));
                }
            }
            other => parts.push(other),
        }
    }
    Ok(parts.join("/"))
}

/// Normalises a repository-relative path on its own (as `join("", path)`).
pub fn normalize(path: &str) -> Result<String, PathError> {
    join("", path)
}

/// Whether `path` is inside folder `dir` (or is `dir` itself); both normalised.
pub fn is_within(path: &str, dir: &str) -> bool {
    dir.is_empty() || path == dir || (path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/')
}

/// `path` made relative to folder `dir`, if it lies inside it.
pub fn strip_dir<'a>(path: &'a str, dir: &str) -> Option<&'a str> {
    if dir.is_empty() {
        Some(path)
    } else if path == dir {
        Some("")
    } else {
        path.strip_prefix(dir)?.strip_prefix('/')
    }
}

/// The folder part of a path (`a/b/c.md` → `a/b`, `c.md` → ``).
pub fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// The last component of a path.
pub fn file_name(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, name)| name)
}

/// Splits a file name into stem and extension (with the dot), as Python's `splitext`.
pub fn split_ext(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        // A leading dot is part of the stem (".bashrc").
        Some(i) if i > 0 && !name[..i].chars().all(|c| c == '.') => (&name[..i], &name[i..]),
        _ => (name, ""),
    }
}

/// Joins two repository-relative parts with a `/` when both are non-empty.
pub fn concat(dir: &str, name: &str) -> String {
    match (dir.is_empty(), name.is_empty()) {
        (true, _) => name.to_string(),
        (_, true) => dir.to_string(),
        _ => format!("{dir}/{name}"),
    }
}

fn is_absolute(p: &str) -> bool {
    let bytes = p.as_bytes();
    p.starts_with('/')
        || p.starts_with('\\')
        || (bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_and_normalises() {
        assert_eq!(join("docs", "a/./b/../c.md").unwrap(), "docs/a/c.md");
        assert_eq!(join("docs/x", "../y.md").unwrap(), "docs/y.md");
        assert_eq!(join("", "docs\\win.md").unwrap(), "docs/win.md");
        assert_eq!(join("docs", "..").unwrap(), "");
    }

    #[test]
    fn refuses_escapes_and_absolute_paths() {
        assert!(matches!(
            join("docs", "../../etc/passwd"),
            Err(PathError::Escapes(_))
        ));
        assert!(matches!(
            join("docs", "/etc/passwd"),
            Err(PathError::Absolute(_))
        ));
        assert!(matches!(join("", "C:\\x"), Err(PathError::Absolute(_))));
        assert!(matches!(
            join("", "\\\\server\\share"),
            Err(PathError::Absolute(_))
        ));
    }

    #[test]
    fn splits_names_as_python_does() {
        assert_eq!(split_ext("index.md"), ("index", ".md"));
        assert_eq!(split_ext("a.b.md"), ("a.b", ".md"));
        assert_eq!(split_ext(".hidden"), (".hidden", ""));
        assert_eq!(split_ext("noext"), ("noext", ""));
        assert!(is_within("docs/a.md", "docs"));
        assert!(!is_within("docs2/a.md", "docs"));
        assert_eq!(strip_dir("docs/a/b.md", "docs"), Some("a/b.md"));
    }
}
