//! Warnings about a docs site, each pointing at a file and line a person can fix.

use serde::{Deserialize, Serialize};

/// What a warning is about, so a front end can group or filter them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarningKind {
    /// `mkdocs.yml` settings that are wrong or ignored.
    Config,
    /// A nav entry that points nowhere or cannot be read.
    Nav,
    /// A link to a file that is not among the docs files.
    BrokenLink,
    /// A link to an anchor that the target page does not have.
    BrokenAnchor,
    /// An image or asset path that is missing or leaves the repository.
    Asset,
    /// A snippet (`--8<--`) that is missing or leaves the allowed folder.
    Snippet,
    /// Raw HTML that was changed for safety (scripts, handlers, remote loads).
    UnsafeHtml,
    /// Remote content (images) that is not loaded, since docs work offline.
    RemoteContent,
    /// A file that could not be read (too large, symlink loop, outside the repository).
    File,
}

impl WarningKind {
    /// Whether `check` (and CI) treats this warning as a failure.
    pub fn is_broken_reference(self) -> bool {
        matches!(
            self,
            WarningKind::BrokenLink
                | WarningKind::BrokenAnchor
                | WarningKind::Asset
                | WarningKind::Nav
        )
    }
}

/// One problem found while building, at a repository-relative file and line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Warning {
    /// Repository-relative path of the file at fault.
    pub file: String,
    /// Line in that file, from 1 (0 when the whole file is meant).
    pub line: u32,
    /// What kind of problem.
    pub kind: WarningKind,
    /// What is wrong and what to do.
    pub message: String,
}

impl Warning {
    /// A warning at `file`:`line`.
    pub fn new(kind: WarningKind, file: &str, line: u32, message: impl Into<String>) -> Self {
        Warning {
            file: file.to_string(),
            line,
            kind,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}
