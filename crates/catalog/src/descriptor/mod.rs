//! Reading descriptor files: every document of a file, its placeholders, its validation,
//! and the Location entities that lead to more files.

pub mod files;
mod json_documents;
mod location;
mod placeholder;
mod working_tree;

use std::collections::HashSet;

use greenroom_yaml::{Limits, parse_documents};
use serde::{Deserialize, Serialize};

pub use files::{FileError, RepoFiles, parent_dir, resolve_relative};
pub use json_documents::{JsonDocument, read_json_documents};
pub use location::read_tree;
pub use placeholder::MAX_PLACEHOLDER_BYTES;
pub use working_tree::{WorkingTree, glob_matcher};

use crate::model::entity::Entity;
use crate::problem::Problem;
use crate::rules::validate_owned_document;

/// Largest descriptor file read (real ones are a few kilobytes).
pub const MAX_DESCRIPTOR_BYTES: u64 = 10 * 1024 * 1024;

/// Everything one descriptor file gave.
#[derive(Debug, Clone, PartialEq)]
pub struct DescriptorFile {
    /// Repository-relative path.
    pub path: String,
    /// Hash of the file and of every file its placeholders read: when it is unchanged,
    /// so is everything this file contributes.
    pub content_hash: String,
    /// The valid entities, in document order.
    pub entities: Vec<ReadEntity>,
    /// Errors and warnings, in document order.
    pub problems: Vec<FileProblem>,
}

/// An entity and where in its file it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadEntity {
    /// The entity.
    pub entity: Entity,
    /// Index of its document in the file, from 0.
    pub document: usize,
    /// Line where the document's content starts.
    pub line: u32,
    /// Its stored form, when made ahead of the write (off the writer's thread).
    pub stored: Option<crate::store::StoredForm>,
}

/// A problem in a file, and the document it belongs to.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileProblem {
    /// Index of the document, from 0; `None` for the file as a whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<usize>,
    /// The entity the document would define, when its reference is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_ref: Option<String>,
    /// The problem.
    #[serde(flatten)]
    pub problem: Problem,
}

impl FileProblem {
    /// A problem of the whole file.
    pub fn whole_file(problem: Problem) -> Self {
        FileProblem {
            document: None,
            entity_ref: None,
            problem,
        }
    }
}

/// Reads one descriptor file. Only a file that cannot be read at all is an `Err`; every
/// problem inside it is reported in the result, next to the documents that are fine.
pub fn read_descriptor(files: &dyn RepoFiles, path: &str) -> Result<DescriptorFile, FileError> {
    let bytes = files.read(path, MAX_DESCRIPTOR_BYTES)?;
    Ok(parse_descriptor(files, path, &bytes))
}

/// Reads descriptor content already in memory (e.g. `greenroom validate` on stdin).
pub fn parse_descriptor(files: &dyn RepoFiles, path: &str, bytes: &[u8]) -> DescriptorFile {
    let mut hasher = blake3::Hasher::new();
    hasher.update(bytes);
    let mut file = DescriptorFile {
        path: path.to_owned(),
        content_hash: String::new(),
        entities: Vec::new(),
        problems: Vec::new(),
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let line = 1 + valid.iter().filter(|&&b| b == b'\n').count() as u32;
            let column = 1 + valid.iter().rev().take_while(|&&b| b != b'\n').count() as u32;
            file.problems.push(FileProblem::whole_file(
                Problem::error(
                    "not-utf8",
                    "the file is not valid UTF-8 text; save it with UTF-8 encoding",
                )
                .at(greenroom_yaml::Mark::new(line, column)),
            ));
            file.content_hash = hasher.finalize().to_hex().to_string();
            return file;
        }
    };
    let mut seen = HashSet::new();
    for document in parse_documents(text, &Limits::default()) {
        let mut root = match document.content {
            Ok(root) if root.is_null() => continue, // An empty document, e.g. after a trailing `---`.
            Ok(root) => root,
            Err(e) => {
                file.problems.push(FileProblem {
                    document: Some(document.index),
                    entity_ref: None,
                    problem: Problem::error("yaml-syntax", e.message).at(e.mark),
                });
                continue;
            }
        };
        let line = root.mark.line;
        let mut resolution = placeholder::Resolution::default();
        placeholder::resolve(&mut root, files, path, &mut resolution);
        for (dependency, content) in &resolution.dependencies {
            hasher.update(dependency.as_bytes());
            hasher.update(content);
        }
        // What the document says it is, for its problems if it does not become an entity;
        // taken before validation, which moves the tree's strings into the entity.
        let declared = declared_ref(&root);
        let verdict = validate_owned_document(root);
        let entity_ref = verdict
            .entity
            .as_ref()
            .map(|e| e.entity_ref().key())
            .or(declared);
        let blocking = resolution.problems.iter().any(Problem::is_error);
        for problem in resolution.problems.into_iter().chain(verdict.problems) {
            file.problems.push(FileProblem {
                document: Some(document.index),
                entity_ref: entity_ref.clone(),
                problem,
            });
        }
        let Some(entity) = verdict.entity.filter(|_| !blocking) else {
            continue;
        };
        let key = entity.entity_ref().key();
        if !seen.insert(key.clone()) {
            file.problems.push(FileProblem {
                document: Some(document.index),
                entity_ref: Some(key.clone()),
                problem: Problem::warning(
                    "duplicate-entity",
                    format!("{key} is defined again in this file; the first definition is used and this one is ignored"),
                )
                .at(document.mark),
            });
            continue;
        }
        file.entities.push(ReadEntity {
            entity,
            document: document.index,
            line,
            stored: None,
        });
    }
    file.content_hash = hasher.finalize().to_hex().to_string();
    file
}

/// The reference a document claims, read loosely so that invalid documents can still be
/// shown next to the entity they were meant to be.
fn declared_ref(root: &greenroom_yaml::Node) -> Option<String> {
    let kind = root.get("kind")?.as_str()?;
    let name = root.at(["metadata", "name"])?.as_str()?;
    let namespace = root
        .at(["metadata", "namespace"])
        .and_then(|n| n.as_str())
        .unwrap_or(crate::DEFAULT_NAMESPACE);
    Some(crate::EntityRef::new(kind, namespace, name).key())
}
