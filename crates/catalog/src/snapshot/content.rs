//! What the sections of a snapshot hold: the catalog (repositories, their descriptor files,
//! every entity with its relations, place and problems) and, optionally, rendered docs.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use std::collections::HashSet;

use super::{Counts, Limits, SnapshotError};
use crate::descriptor::FileProblem;
use crate::problem::Problem;

/// The `catalog` section.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CatalogContent {
    /// Repositories, by path.
    pub repos: Vec<SnapshotRepo>,
    /// Problems of the exported sources as a whole.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

/// A repository and what was read from it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotRepo {
    /// Where it was on the exporting machine (a folder or a URL).
    pub path: String,
    /// What people call it.
    pub name: String,
    /// The source it came from there.
    pub source: String,
    /// The commit read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<String>,
    /// The branch, if on one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// Where it can be cloned from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_url: Option<String>,
    /// Prefix of its entities' `backstage.io/managed-by-location`.
    pub location: String,
    /// Its descriptor files, by path.
    pub files: Vec<SnapshotFile>,
    /// Problems of the repository itself.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

/// A descriptor file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotFile {
    /// Repository-relative path.
    pub path: String,
    /// The entities the catalog showed, in document order.
    pub entities: Vec<SnapshotEntity>,
    /// Its problems (conflicts excluded: the importing catalog decides its own).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<FileProblem>,
}

/// An entity, as the catalog stored it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SnapshotEntity {
    /// Index of its document in the file.
    pub document: usize,
    /// Line where the document starts.
    pub line: u32,
    /// The entity.
    pub entity: Box<RawValue>,
    /// The relations it declares (for readers of the file; the importing catalog derives
    /// its own from the entity).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relations: Vec<SnapshotRelation>,
}

/// A relation an entity declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotRelation {
    /// E.g. `ownedBy`.
    #[serde(rename = "type")]
    pub relation_type: String,
    /// Canonical ref of the other entity.
    pub target: String,
}

/// The `docs` section: rendered sites.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocsContent {
    /// Sites, by repository and folder.
    pub sites: Vec<SnapshotSite>,
}

/// A rendered TechDocs site.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotSite {
    /// The repository it was built from.
    pub repo: String,
    /// Repository-relative folder of its `mkdocs.yml`.
    pub dir: String,
    /// `site_name`.
    pub name: String,
    /// Hash of everything it was built from.
    pub content_hash: String,
    /// Canonical refs of the entities that show it.
    pub entities: Vec<String>,
    /// Pages in it.
    pub pages: usize,
    /// The rendered site (pages' HTML, nav, tables of contents, search records), as
    /// `greenroom-techdocs` serialises its `Site`.
    pub site: Box<RawValue>,
    /// Its assets, whose bytes are in the `assets` section.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<SnapshotBlob>,
}

/// A file whose bytes are a range of the `assets` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotBlob {
    /// Repository-relative path.
    pub path: String,
    /// Where its bytes start in the section.
    pub offset: u64,
    /// How many bytes.
    pub size: u64,
}

/// Checks a repository-relative path from a snapshot: `/`-separated, not absolute, no
/// empty, `.` or `..` parts, no backslashes, drive letters or control characters, so that
/// joined onto a folder it stays inside that folder.
pub fn check_relative_path(path: &str) -> Result<(), SnapshotError> {
    let refuse = |why: &str| {
        Err(SnapshotError::corrupt(format!(
            "the path '{}' {why}",
            path.escape_debug()
        )))
    };
    if path.is_empty() || path.len() > 4096 {
        return refuse("is empty or too long");
    }
    if path.starts_with('/') || path.contains('\\') {
        return refuse("is absolute or uses backslashes");
    }
    if path.chars().any(char::is_control) {
        return refuse("holds control characters");
    }
    let bytes = path.as_bytes();
    if bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic() {
        return refuse("starts with a drive letter");
    }
    for part in path.split('/') {
        if part.is_empty() || part == "." || part == ".." || part.len() > 255 {
            return refuse("climbs out of its folder or has an empty part");
        }
    }
    Ok(())
}

/// Checks a catalog section's repositories one by one as they are read, and what they add
/// up to: no repository or file twice, paths that stay inside their folder, no entity over
/// its size limit, and counts within [`Limits`] (checked as they grow, so that a hostile file
/// is refused before it fills memory) and equal to the manifest's.
pub(crate) struct CatalogTally<'l> {
    limits: &'l Limits,
    repo_paths: HashSet<String>,
    repos: usize,
    files: usize,
    entities: usize,
    relations: usize,
    problems: usize,
}

impl<'l> CatalogTally<'l> {
    pub(crate) fn new(limits: &'l Limits) -> Self {
        CatalogTally {
            limits,
            repo_paths: HashSet::new(),
            repos: 0,
            files: 0,
            entities: 0,
            relations: 0,
            problems: 0,
        }
    }

    /// Checks one repository and counts what it holds.
    pub(crate) fn repo(&mut self, repo: &SnapshotRepo) -> Result<(), SnapshotError> {
        if !self.repo_paths.insert(repo.path.clone()) {
            return Err(SnapshotError::corrupt(format!(
                "the repository '{}' appears twice",
                repo.path.escape_debug()
            )));
        }
        let mut file_paths = HashSet::with_capacity(repo.files.len());
        for file in &repo.files {
            check_relative_path(&file.path)?;
            if !file_paths.insert(file.path.as_str()) {
                return Err(SnapshotError::corrupt(format!(
                    "the file '{}' of '{}' appears twice",
                    file.path.escape_debug(),
                    repo.path.escape_debug()
                )));
            }
            for entity in &file.entities {
                let size = entity.entity.get().len();
                if size > self.limits.max_entity_bytes {
                    return Err(SnapshotError::too_large(
                        format!("an entity of {}/{}", repo.name, file.path),
                        size as u64,
                        self.limits.max_entity_bytes as u64,
                    ));
                }
                self.relations += entity.relations.len();
            }
            self.entities += file.entities.len();
            self.problems += file.problems.len();
        }
        self.repos += 1;
        self.files += repo.files.len();
        self.problems += repo.problems.len();
        self.within_limits()
    }

    /// Adds the source-wide problems, and compares the totals with the manifest's `counts`.
    pub(crate) fn finish(mut self, problems: usize, counts: &Counts) -> Result<(), SnapshotError> {
        self.problems += problems;
        self.within_limits()?;
        for (what, found, stated) in [
            ("repositories", self.repos, counts.repos),
            ("files", self.files, counts.files),
            ("entities", self.entities, counts.entities),
            ("relations", self.relations, counts.relations),
            ("problems", self.problems, counts.problems),
        ] {
            if found != stated {
                return Err(SnapshotError::corrupt(format!(
                    "it holds {found} {what} but its manifest says {stated}"
                )));
            }
        }
        Ok(())
    }

    fn within_limits(&self) -> Result<(), SnapshotError> {
        if self.entities > self.limits.max_entities {
            return Err(SnapshotError::too_large(
                "the number of entities",
                self.entities as u64,
                self.limits.max_entities as u64,
            ));
        }
        for (what, n) in [
            ("the number of repositories", self.repos),
            ("the number of files", self.files),
            ("the number of problems", self.problems),
            ("the number of relations", self.relations),
        ] {
            if n > self.limits.max_items {
                return Err(SnapshotError::too_large(
                    what,
                    n as u64,
                    self.limits.max_items as u64,
                ));
            }
        }
        Ok(())
    }
}
