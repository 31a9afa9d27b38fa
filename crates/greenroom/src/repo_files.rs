//! Files of an entity's repository, for its page: the descriptor document as written, and
//! an API's definition with the files its relative `$ref`s point at. Every read goes
//! through [`RepoFiles`] (a [`WorkingTree`] on disk, or a remote repository's fetched Git
//! tree), so `..` and symlinks cannot lead out of the repository; what cannot be read is
//! reported, never fatal.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use greenroom_catalog::RepoFiles;
use greenroom_catalog::WorkingTree;
use greenroom_catalog::descriptor::resolve_relative;
use greenroom_catalog::store::{EntityRecord, SourceKind};
use greenroom_yaml::{Limits, parse_documents, parse_single};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Error, Greenroom};

/// Largest descriptor or definition file read for display.
const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// Most files one definition may pull in through `$ref`s.
const MAX_REFERENCED_FILES: usize = 200;
/// Deepest chain of `$ref`s followed.
const MAX_REF_DEPTH: usize = 32;

/// Where an entity's files are on this machine.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityFiles {
    /// The repository folder.
    pub repo: PathBuf,
    /// The descriptor file, absolute.
    pub file: PathBuf,
}

/// The descriptor document that defines an entity, as written.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescriptorText {
    /// The file, relative to the repository.
    pub file: String,
    /// The line (from 1) of the document's first line in the file.
    pub first_line: u32,
    /// The document's text.
    pub text: String,
}

/// The language an API definition is written in, for highlighting.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DefinitionLanguage {
    /// YAML (or JSON, which is YAML too).
    Yaml,
    /// JSON.
    Json,
    /// GraphQL schema language.
    Graphql,
    /// Anything else, shown as plain text.
    Text,
}

/// An API entity's definition, ready to render.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiDefinition {
    /// `spec.type`: `openapi`, `asyncapi`, `graphql`, `grpc`, ...
    pub api_type: String,
    /// The definition as written.
    pub text: String,
    /// Its language.
    pub language: DefinitionLanguage,
    /// The file it was read from, relative to the repository, when it is a file.
    pub file: Option<String>,
    /// For YAML and JSON definitions: the document with relative `$ref`s to other files
    /// replaced by what they point at.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub document: Option<Value>,
    /// The files `$ref`s pulled in, relative to the repository.
    pub referenced_files: Vec<String>,
    /// What could not be resolved, and why.
    pub problems: Vec<String>,
}

impl Greenroom {
    /// The entity's record, or a not-found error naming it.
    fn record(&self, key: &str) -> Result<EntityRecord, Error> {
        self.catalog.entity(key)?.ok_or_else(|| Error::NotFound {
            text: key.to_owned(),
            hint: String::new(),
        })
    }

    /// Where the entity's repository and descriptor file are on disk; an error for
    /// entities that do not come from a folder on this machine.
    pub fn entity_files(&self, key: &str) -> Result<EntityFiles, Error> {
        let record = self.record(key)?;
        let (tree, file) = self.local_tree(&record)?;
        let absolute = tree
            .confine(&file)
            .map(|(path, _)| path)
            .map_err(|e| Error::Invalid(e.to_string()))?;
        Ok(EntityFiles {
            repo: tree.root().to_owned(),
            file: absolute,
        })
    }

    /// The entity's repository files (the working tree of a folder's repository, the last
    /// fetched tree of a remote one) and its descriptor file's path in them.
    fn repo_files(&self, record: &EntityRecord) -> Result<(Box<dyn RepoFiles>, String), Error> {
        if record.source_kind == SourceKind::Remote
            && let Some(location) = &record.location
        {
            let tree = self.remote_tree(&record.source_id.to_string(), &location.repo)?;
            return Ok((Box::new(tree), location.file.clone()));
        }
        let (tree, file) = self.local_tree(record)?;
        Ok((Box::new(tree), file))
    }

    /// The working tree on this machine that holds the entity's descriptor. An entity from
    /// a snapshot names a folder on the machine that exported it: its files are opened
    /// only from a clone here with the same remote.
    fn local_tree(&self, record: &EntityRecord) -> Result<(WorkingTree, String), Error> {
        if record.source_kind != SourceKind::Snapshot {
            return working_tree(record);
        }
        match self.repository_of(&record.key)? {
            crate::snapshot::RepoAvailability::Local { path } => {
                let file = record
                    .location
                    .as_ref()
                    .map(|l| l.file.clone())
                    .unwrap_or_default();
                let tree = WorkingTree::new(Path::new(&path))
                    .map_err(|e| Error::io(Path::new(&path), &e))?;
                Ok((tree, file))
            }
            _ => Err(not_on_this_machine(record)),
        }
    }

    /// The descriptor document that defines the entity, as it is in its repository now
    /// (for a remote repository, as last fetched).
    pub fn descriptor_text(&self, key: &str) -> Result<DescriptorText, Error> {
        let record = self.record(key)?;
        if record.source_kind == SourceKind::Snapshot
            && !matches!(
                self.repository_of(&record.key)?,
                crate::snapshot::RepoAvailability::Local { .. }
            )
        {
            return Ok(snapshot_descriptor(&record));
        }
        let (tree, file) = self.repo_files(&record)?;
        let text = read_text(tree.as_ref(), &file)?;
        let index = record.location.as_ref().map_or(0, |l| l.document.max(0)) as usize;
        let (first_line, text) = document_text(&text, index);
        Ok(DescriptorText {
            file,
            first_line,
            text,
        })
    }

    /// An API entity's definition, with relative `$ref`s resolved from its repository.
    pub fn api_definition(&self, key: &str) -> Result<ApiDefinition, Error> {
        let record = self.record(key)?;
        let entity = &record.entity;
        let api_type = entity.spec_str("type").unwrap_or_default().to_owned();
        let (text, inline_document) = match entity.spec.get("definition") {
            Some(Value::String(text)) => (text.clone(), None),
            Some(other) => (
                serde_json::to_string_pretty(other).unwrap_or_default(),
                Some(other.clone()),
            ),
            None => {
                return Err(Error::Invalid(format!(
                    "{key} has no spec.definition; add one to its descriptor"
                )));
            }
        };
        let mut definition = ApiDefinition {
            language: language_of(&api_type, &text),
            api_type,
            text,
            file: None,
            document: None,
            referenced_files: Vec::new(),
            problems: Vec::new(),
        };
        if definition.language == DefinitionLanguage::Graphql
            || definition.language == DefinitionLanguage::Text
        {
            return Ok(definition);
        }
        let document = match inline_document {
            Some(document) => document,
            None => match parse_single(&definition.text, &Limits::default()) {
                Ok(node) => node.to_json(),
                Err(e) => {
                    definition
                        .problems
                        .push(format!("the definition is not valid YAML or JSON: {e}"));
                    return Ok(definition);
                }
            },
        };
        // `$ref`s are relative to the file the definition was read from; without one, to
        // the descriptor. Without a repository there is nothing to resolve them from.
        let Ok((tree, descriptor)) = self.repo_files(&record) else {
            definition.document = Some(document);
            return Ok(definition);
        };
        let index = record.location.as_ref().map_or(0, |l| l.document.max(0)) as usize;
        definition.file = definition_file(tree.as_ref(), &descriptor, index);
        let base = definition.file.clone().unwrap_or(descriptor);
        let mut bundler = Bundler {
            tree: tree.as_ref(),
            parsed: HashMap::new(),
            problems: Vec::new(),
        };
        let resolved = bundler.resolve(document, &base, None, 0, &mut Vec::new());
        definition.document = Some(resolved);
        definition.referenced_files = bundler.parsed.keys().cloned().collect();
        definition.referenced_files.sort();
        definition.problems = bundler.problems;
        Ok(definition)
    }
}

/// The entity's repository as a working tree, and its descriptor file's path in it.
/// An entity from a snapshot whose repository is not here: the entity as the snapshot
/// carries it (validated, as JSON, which YAML readers accept), with where it was read.
fn snapshot_descriptor(record: &EntityRecord) -> DescriptorText {
    let file = record
        .location
        .as_ref()
        .map_or_else(String::new, |l| l.file.clone());
    let json = serde_json::to_string_pretty(&record.entity).unwrap_or_default();
    DescriptorText {
        text: format!(
            "# From a snapshot: {file} is in a repository that is not on this machine;\n\
             # this is the entity as the snapshot carries it.\n{json}\n"
        ),
        file,
        first_line: 1,
    }
}

fn not_on_this_machine(record: &EntityRecord) -> Error {
    Error::Invalid(format!(
        "{} does not come from a folder on this machine, so its files cannot be opened here",
        record.key
    ))
}

fn working_tree(record: &EntityRecord) -> Result<(WorkingTree, String), Error> {
    let not_local = || not_on_this_machine(record);
    let location = record.location.as_ref().ok_or_else(not_local)?;
    let repo = Path::new(&location.repo);
    if !repo.is_absolute() {
        return Err(not_local());
    }
    let tree = WorkingTree::new(repo).map_err(|e| Error::io(repo, &e))?;
    Ok((tree, location.file.clone()))
}

fn read_text(tree: &dyn RepoFiles, file: &str) -> Result<String, Error> {
    let bytes = tree
        .read(file, MAX_FILE_BYTES)
        .map_err(|e| Error::Invalid(e.to_string()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The text of document `index` of a YAML stream and the line it starts on. Documents
/// are cut where the YAML reader says each starts, so both agree on numbering.
fn document_text(text: &str, index: usize) -> (u32, String) {
    let documents = parse_documents(text, &Limits::default());
    let Some(document) = documents.get(index) else {
        return (1, text.to_owned());
    };
    let start = document.mark.line.max(1) as usize;
    let end = documents
        .get(index + 1)
        .map_or(usize::MAX, |next| next.mark.line as usize);
    let lines: Vec<&str> = text
        .lines()
        .enumerate()
        .filter(|(i, _)| (start..end).contains(&(i + 1)))
        .map(|(_, line)| line)
        .collect();
    // The next document's `---` belongs to it, not to this one.
    let mut lines = lines;
    while lines
        .last()
        .is_some_and(|l| l.starts_with("---") || l.trim().is_empty())
    {
        lines.pop();
    }
    (start as u32, lines.join("\n"))
}

/// The file a definition was read from with `$text`, `$yaml` or `$json`, if it was.
fn definition_file(tree: &dyn RepoFiles, descriptor: &str, index: usize) -> Option<String> {
    let text = read_text(tree, descriptor).ok()?;
    let documents = parse_documents(&text, &Limits::default());
    let node = documents.get(index)?.content.as_ref().ok()?;
    let definition = node.at(["spec", "definition"])?;
    ["$text", "$yaml", "$json"]
        .iter()
        .find_map(|key| definition.get(key)?.as_str())
        .filter(|target| !target.contains("://"))
        .and_then(|target| resolve_relative(descriptor, target))
}

fn language_of(api_type: &str, text: &str) -> DefinitionLanguage {
    match api_type.to_lowercase().as_str() {
        "graphql" => DefinitionLanguage::Graphql,
        "openapi" | "asyncapi" => {
            if text.trim_start().starts_with('{') {
                DefinitionLanguage::Json
            } else {
                DefinitionLanguage::Yaml
            }
        }
        _ => DefinitionLanguage::Text,
    }
}

/// Replaces `$ref`s to other files of the repository by what they point at.
struct Bundler<'a> {
    tree: &'a dyn RepoFiles,
    /// Files read so far, parsed.
    parsed: HashMap<String, Value>,
    problems: Vec<String>,
}

impl Bundler<'_> {
    /// Resolves the references inside `value`, which comes from `file`. `root` is the
    /// parsed content of `file` when it is a referenced file (local `#/...` references in
    /// it point into it); for the definition itself they are left for the renderer.
    fn resolve(
        &mut self,
        value: Value,
        file: &str,
        root: Option<&Value>,
        depth: usize,
        chain: &mut Vec<String>,
    ) -> Value {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref")
                    && let Some(resolved) = self.follow(reference, file, root, depth, chain)
                {
                    return resolved;
                }
                Value::Object(
                    map.into_iter()
                        .map(|(k, v)| (k, self.resolve(v, file, root, depth, chain)))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(
                items
                    .into_iter()
                    .map(|v| self.resolve(v, file, root, depth, chain))
                    .collect(),
            ),
            other => other,
        }
    }

    /// What a reference points at, resolved in turn; `None` leaves the `$ref` as written.
    fn follow(
        &mut self,
        reference: &str,
        file: &str,
        root: Option<&Value>,
        depth: usize,
        chain: &mut Vec<String>,
    ) -> Option<Value> {
        if reference.contains("://") {
            return None; // Remote references are never fetched.
        }
        let (path, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        let target_file = if path.is_empty() {
            root?; // A local reference in the definition itself: the renderer does it.
            file.to_owned()
        } else {
            match resolve_relative(file, path) {
                Some(target) => target,
                None => {
                    self.problems.push(format!(
                        "{file}: `$ref: {reference}` leads outside the repository; only files inside it are read"
                    ));
                    return None;
                }
            }
        };
        let link = format!("{target_file}#{pointer}");
        if chain.contains(&link) {
            return None; // A cycle: keep the reference.
        }
        if depth >= MAX_REF_DEPTH {
            self.problems.push(format!(
                "{file}: `$ref: {reference}` nests too deeply; not followed"
            ));
            return None;
        }
        let document = self.load(&target_file, file, reference)?;
        let Some(target) = document.pointer(&decode_pointer(pointer)).cloned() else {
            self.problems.push(format!(
                "{file}: `$ref: {reference}`: {target_file} has nothing at `#{pointer}`"
            ));
            return None;
        };
        chain.push(link);
        let resolved = self.resolve(target, &target_file, Some(&document), depth + 1, chain);
        chain.pop();
        Some(resolved)
    }

    /// The parsed content of a referenced file.
    fn load(&mut self, target: &str, from: &str, reference: &str) -> Option<Value> {
        if let Some(document) = self.parsed.get(target) {
            return Some(document.clone());
        }
        if self.parsed.len() >= MAX_REFERENCED_FILES {
            self.problems.push(format!(
                "{from}: `$ref: {reference}`: more than {MAX_REFERENCED_FILES} files are referenced; not followed"
            ));
            return None;
        }
        let text = match self.tree.read(target, MAX_FILE_BYTES) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                self.problems
                    .push(format!("{from}: `$ref: {reference}`: {e}"));
                return None;
            }
        };
        match parse_single(&text, &Limits::default()) {
            Ok(node) => {
                let document = node.to_json();
                self.parsed.insert(target.to_owned(), document.clone());
                Some(document)
            }
            Err(e) => {
                self.problems
                    .push(format!("{target}: not valid YAML or JSON: {e}"));
                None
            }
        }
    }
}

/// A JSON pointer from a URI fragment (`/components/schemas/Pet`), percent-decoded.
fn decode_pointer(fragment: &str) -> String {
    let bytes = fragment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(&fragment[i + 1..i + 3], 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_cut_where_the_reader_says() {
        let text = "a: 1\n---\nb: 2\nc: 3\n---\n# note\nd: 4\n";
        assert_eq!(document_text(text, 0), (1, "a: 1".to_owned()));
        let (line, second) = document_text(text, 1);
        assert!(second.contains("b: 2\nc: 3"), "{second}");
        assert!(line == 2 || line == 3, "{line}");
        assert!(document_text(text, 2).1.ends_with("d: 4"));
    }

    #[test]
    fn pointers_are_percent_decoded() {
        assert_eq!(decode_pointer("/paths/~1pets%7Bid%7D"), "/paths/~1pets{id}");
        assert_eq!(decode_pointer("/a%2"), "/a%2");
    }
}
