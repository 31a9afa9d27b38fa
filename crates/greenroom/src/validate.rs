//! `greenroom validate`: check descriptor files with the catalog's rules, without a
//! catalog, for CI. Works on plain files outside any repository too.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use greenroom_catalog::descriptor::RepoFiles;
use greenroom_catalog::{FileProblem, Severity, WorkingTree, read_tree};
use serde::{Deserialize, Serialize};

use crate::Error;

/// Descriptor files looked for under a folder, besides `extra` patterns.
const FOLDER_PATTERN: &str = "**/catalog-info.{yaml,yml}";

/// The verdict on a set of files.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ValidationReport {
    /// Every file checked, in order.
    pub files: Vec<ValidatedFile>,
    /// Valid entities in all.
    pub entities: usize,
    /// Errors in all.
    pub errors: usize,
    /// Warnings in all.
    pub warnings: usize,
}

impl ValidationReport {
    /// Whether every document is valid (warnings allowed).
    pub fn is_valid(&self) -> bool {
        self.errors == 0
    }
}

/// One file's verdict.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidatedFile {
    /// The file, as given or relative to the current folder.
    pub path: String,
    /// The valid entities it defines (canonical refs).
    pub entities: Vec<String>,
    /// Its problems.
    pub problems: Vec<FileProblem>,
}

/// Validates files and folders (a folder: every `catalog-info.yaml`/`.yml` below it, plus
/// `extra_globs`). Location targets are followed within the enclosing repository, or the
/// given folder when there is no repository.
pub fn validate_paths(
    paths: &[PathBuf],
    extra_globs: &[String],
) -> Result<ValidationReport, Error> {
    let mut report = ValidationReport::default();
    let mut seen = BTreeSet::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, &e))?;
        let absolute = std::fs::canonicalize(path).map_err(|e| Error::io(path, &e))?;
        let folder = if meta.is_dir() {
            absolute.clone()
        } else {
            absolute.parent().unwrap_or(Path::new("/")).to_owned()
        };
        let root = enclosing_repository(&folder).unwrap_or_else(|| folder.clone());
        let tree = WorkingTree::new(&root).map_err(|e| Error::io(&root, &e))?;
        let relative = |p: &Path| {
            p.strip_prefix(tree.root())
                .unwrap_or(p)
                .display()
                .to_string()
        };
        let starts: Vec<String> = if meta.is_dir() {
            let prefix = relative(&absolute);
            let prefix = if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}/")
            };
            let mut found = BTreeSet::new();
            for pattern in
                std::iter::once(FOLDER_PATTERN.to_owned()).chain(extra_globs.iter().cloned())
            {
                let files = tree
                    .glob(&format!("{prefix}{pattern}"))
                    .map_err(|e| Error::Invalid(e.to_string()))?;
                found.extend(files);
            }
            found.into_iter().collect()
        } else {
            vec![relative(&absolute)]
        };
        for file in read_tree(&tree, &starts) {
            let shown = display_path(&tree.root().join(&file.path));
            if !seen.insert(shown.clone()) {
                continue;
            }
            for p in &file.problems {
                match p.problem.severity {
                    Severity::Error => report.errors += 1,
                    Severity::Warning => report.warnings += 1,
                }
            }
            report.entities += file.entities.len();
            report.files.push(ValidatedFile {
                path: shown,
                entities: file
                    .entities
                    .iter()
                    .map(|e| e.entity.entity_ref().key())
                    .collect(),
                problems: file.problems,
            });
        }
    }
    Ok(report)
}

fn enclosing_repository(folder: &Path) -> Option<PathBuf> {
    folder
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_owned)
}

/// The path relative to the current folder when it is inside it.
fn display_path(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| std::fs::canonicalize(cwd).ok())
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_owned))
        .unwrap_or_else(|| path.to_owned())
        .display()
        .to_string()
}
