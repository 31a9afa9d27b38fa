//! Validation of one descriptor document with Backstage's rules.
//!
//! Backstage stops at the first failure of a document; Greenroom reports every finding,
//! with its field and position, so its error set always contains Backstage's first error
//! (stricter-or-equal) and a person can fix a file in one pass. Errors are exactly the
//! conditions Backstage refuses; warnings flag what Backstage accepts but is likely a
//! mistake (a misspelt spec key, an unrendered template expression, a merge key).

mod envelope;
pub mod formats;
mod lints;
mod spec;
mod template;

use greenroom_yaml::{Mark, Node, Value};
use serde::Deserialize;

use crate::model::entity::Entity;
use crate::problem::Problem;

/// The verdict on one document.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Every finding, errors first in document order, then warnings.
    pub problems: Vec<Problem>,
    /// The entity, when the document has no errors.
    pub entity: Option<Entity>,
}

/// Validates a document (after placeholders were resolved) and builds its entity.
pub fn validate_document(root: &Node) -> Verdict {
    verdict(findings_of(root), || root.clone())
}

/// The same for a document that is not needed afterwards: the entity takes its strings.
pub fn validate_owned_document(root: Node) -> Verdict {
    verdict(findings_of(&root), || root)
}

fn findings_of(root: &Node) -> Findings {
    let mut findings = Findings::default();
    if let Some(envelope) = envelope::check(root, &mut findings) {
        spec::check(root, &envelope, &mut findings);
    }
    lints::check(root, &mut findings);
    findings
}

fn verdict(mut findings: Findings, root: impl FnOnce() -> Node) -> Verdict {
    let entity = if findings.has_errors() {
        None
    } else {
        build_entity(root(), &mut findings)
    };
    let mut problems = findings.problems;
    problems.sort_by_key(|p| (!p.is_error(), p.line, p.column));
    Verdict { problems, entity }
}

/// The envelope fields the spec checks need, known to be valid.
pub(crate) struct Envelope<'a> {
    pub api_version: &'a str,
    pub kind: &'a str,
    pub namespace: &'a str,
}

/// Collects problems as the checks find them.
#[derive(Default)]
pub(crate) struct Findings {
    problems: Vec<Problem>,
}

impl Findings {
    fn error(&mut self, code: &str, field: &str, node: &Node, message: impl Into<String>) {
        self.error_at(code, field, node.mark, message);
    }

    fn error_at(&mut self, code: &str, field: &str, mark: Mark, message: impl Into<String>) {
        self.problems
            .push(Problem::error(code, message).at_field(field).at(mark));
    }

    fn warning(&mut self, code: &str, field: &str, node: &Node, message: impl Into<String>) {
        self.problems.push(
            Problem::warning(code, message)
                .at_field(field)
                .at(node.mark),
        );
    }

    fn has_errors(&self) -> bool {
        self.problems.iter().any(Problem::is_error)
    }
}

/// `metadata.tags[2]`, `metadata.annotations["backstage.io/techdocs-ref"]`.
pub(crate) fn child_path(parent: &str, key: &str) -> String {
    if !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        format!("{parent}.{key}")
    } else {
        format!("{parent}[{}]", serde_json::Value::String(key.to_owned()))
    }
}

pub(crate) fn index_path(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

/// A field path built while walking a document; it is turned into text only when a
/// finding needs it, which keeps walks of valid documents cheap.
#[derive(Default)]
pub(crate) struct FieldPath<'a> {
    segments: Vec<Segment<'a>>,
}

enum Segment<'a> {
    Key(std::borrow::Cow<'a, str>),
    Index(usize),
}

impl<'a> FieldPath<'a> {
    pub fn push_key(&mut self, key: &'a Node) {
        let key = match key.as_str() {
            Some(text) => std::borrow::Cow::Borrowed(text),
            None => std::borrow::Cow::Owned(key.key_string()),
        };
        self.segments.push(Segment::Key(key));
    }

    pub fn push_index(&mut self, index: usize) {
        self.segments.push(Segment::Index(index));
    }

    pub fn pop(&mut self) {
        self.segments.pop();
    }

    /// `metadata.tags[2]`, `metadata.annotations["backstage.io/techdocs-ref"]`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            match segment {
                Segment::Key(key) if out.is_empty() => out.push_str(key),
                Segment::Key(key) => out = child_path(&out, key),
                Segment::Index(i) => out = index_path(&out, *i),
            }
        }
        out
    }
}

/// The Levenshtein distance between two strings, to suggest what a typo meant.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(above + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// A `{ $text | $json | $yaml: <url> }` placeholder left unresolved because its target
/// cannot be read offline. It stands for a value of the right shape.
pub(crate) fn is_unresolved_placeholder(node: &Node) -> bool {
    match node.as_map() {
        Some([(key, value)]) => {
            matches!(key.as_str(), Some("$text" | "$json" | "$yaml"))
                && matches!(value.value, Value::String(_))
        }
        _ => false,
    }
}

/// The entity of a valid document, read from the tree as from its JSON form (a missing
/// namespace is `default`).
fn build_entity(root: Node, findings: &mut Findings) -> Option<Entity> {
    let mark = root.mark;
    match Entity::deserialize(root.into_deserializer::<serde_json::Error>()) {
        Ok(entity) => Some(entity),
        Err(e) => {
            findings.error_at(
                "invalid-entity",
                "",
                mark,
                format!("the document is not a valid entity: {e}"),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests;
