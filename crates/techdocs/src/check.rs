//! `greenroom docs check`: builds a site and reports what is broken, for CI.

use crate::files::DocsFiles;
use crate::locate::DocsLocation;
use crate::report::Warning;
use crate::site::{BuildError, BuildOptions, build_site};

/// The outcome of checking a docs site.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Broken links, anchors, images and nav entries, with file:line (these fail CI).
    pub problems: Vec<Warning>,
    /// Everything else worth knowing (ignored settings, sanitised HTML, remote images).
    pub notes: Vec<Warning>,
    /// Pages checked.
    pub pages: usize,
}

impl CheckReport {
    /// Whether nothing is broken (the CLI exits 0).
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Builds the site at `location` and sorts its warnings into problems and notes.
pub fn check(
    files: &dyn DocsFiles,
    location: &DocsLocation,
    options: &BuildOptions,
) -> Result<CheckReport, BuildError> {
    let site = build_site(files, location, options, None, &|_| {})?;
    let (problems, notes) = site
        .warnings
        .into_iter()
        .partition(|w| w.kind.is_broken_reference());
    Ok(CheckReport {
        problems,
        notes,
        pages: site.pages.len(),
    })
}
