//! Listing a template folder and matching globby patterns, as `fetch:template` does with
//! globby 11 (`dot: true`, `onlyFiles: false`, `markDirectories: true`, symlinks not
//! followed): folders are listed with a trailing `/`, a pattern naming an existing folder
//! covers everything under it, dot-files match `*`, and `!pattern` excludes.

use std::fs;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

/// One entry of a listed folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Relative path with `/` separators; folders end with `/`.
    pub rel: String,
    /// Full path.
    pub path: PathBuf,
    pub kind: EntryKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryKind {
    File,
    Dir,
    Symlink,
}

/// Lists everything under `dir` depth-first in name order, without following symlinks.
pub(crate) fn list_tree(dir: &Path) -> std::io::Result<Vec<Entry>> {
    let mut out = Vec::new();
    walk(dir, "", &mut out)?;
    Ok(out)
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<Entry>) -> std::io::Result<()> {
    let mut children: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    children.sort_by_key(|e| e.file_name());
    for child in children {
        let name = child.file_name().to_string_lossy().into_owned();
        let file_type = child.file_type()?;
        let path = child.path();
        if file_type.is_symlink() {
            out.push(Entry {
                rel: format!("{prefix}{name}"),
                path,
                kind: EntryKind::Symlink,
            });
        } else if file_type.is_dir() {
            let rel = format!("{prefix}{name}/");
            out.push(Entry {
                rel: rel.clone(),
                path: path.clone(),
                kind: EntryKind::Dir,
            });
            walk(&path, &rel, out)?;
        } else {
            out.push(Entry {
                rel: format!("{prefix}{name}"),
                path,
                kind: EntryKind::File,
            });
        }
    }
    Ok(())
}

/// A set of globby patterns relative to a base folder.
pub(crate) struct Patterns {
    include: GlobSet,
    exclude: GlobSet,
    empty: bool,
}

impl Patterns {
    /// Compiles patterns; one that names an existing folder under `base` covers its content.
    pub(crate) fn new(patterns: &[String], base: &Path) -> Result<Patterns, String> {
        let mut include = GlobSetBuilder::new();
        let mut exclude = GlobSetBuilder::new();
        let mut any_include = false;
        for raw in patterns {
            let (negated, pattern) = match raw.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, raw.as_str()),
            };
            let mut pattern = pattern.trim_start_matches("./").to_owned();
            if !pattern.is_empty() && base.join(&pattern).is_dir() {
                pattern = format!("{}/**", pattern.trim_end_matches('/'));
            }
            let glob = GlobBuilder::new(&pattern)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|e| format!("the pattern `{raw}` is not a valid glob: {e}"))?;
            if negated {
                exclude.add(glob);
            } else {
                include.add(glob);
                any_include = true;
            }
        }
        let build = |b: GlobSetBuilder| b.build().map_err(|e| e.to_string());
        Ok(Patterns {
            include: build(include)?,
            exclude: build(exclude)?,
            empty: !any_include,
        })
    }

    /// Whether a listed entry (folders with a trailing `/`) is matched.
    pub(crate) fn matches(&self, rel: &str) -> bool {
        if self.empty {
            return false;
        }
        let path = rel.trim_end_matches('/');
        self.include.is_match(path) && !self.exclude.is_match(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_patterns_cover_their_content_and_dot_files_match() {
        let dir = tempfile::tempdir().expect("temp dir");
        let base = dir.path();
        fs::create_dir_all(base.join(".github/workflows")).expect("dirs");
        fs::write(base.join(".github/workflows/ci.yaml"), "x").expect("file");
        fs::write(base.join(".env"), "x").expect("file");
        fs::write(base.join("README.md"), "x").expect("file");
        let entries: Vec<String> = list_tree(base)
            .expect("lists")
            .into_iter()
            .map(|e| e.rel)
            .collect();
        assert_eq!(
            entries,
            [
                ".env",
                ".github/",
                ".github/workflows/",
                ".github/workflows/ci.yaml",
                "README.md"
            ]
        );

        for pattern in [
            ".github/workflows",
            ".github/workflows/",
            ".github/workflows/*",
            "./.github/**",
        ] {
            let p = Patterns::new(&[pattern.to_owned()], base).expect("compiles");
            assert!(p.matches(".github/workflows/ci.yaml"), "{pattern}");
            assert!(!p.matches("README.md"), "{pattern}");
        }
        let p = Patterns::new(&["*".to_owned(), "!README.md".to_owned()], base).expect("compiles");
        assert!(p.matches(".env"));
        assert!(!p.matches("README.md"));
        assert!(!p.matches(".github/workflows/ci.yaml"));
        assert!(!Patterns::new(&[], base).expect("compiles").matches(".env"));
    }
}
