//! Builds [`Node`] trees from the parser's events, one document at a time, under limits.

use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};

use crate::node::{Mark, Node, Value};
use crate::scalar::{resolve_plain, resolve_tagged};
use crate::split::{Chunk, split_documents};

/// Bounds that keep hostile input from exhausting memory or the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of sequences and mappings accepted.
    pub max_depth: usize,
    /// Most values that aliases may copy in one document (an "alias bomb" guard).
    pub max_alias_values: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 128,
            max_alias_values: 100_000,
        }
    }
}

/// A problem that stops one document from being read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// Where the problem was found.
    pub mark: Mark,
    /// What is wrong, in words a person can act on.
    pub message: String,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.mark.line, self.mark.column, self.message
        )
    }
}

impl std::error::Error for YamlError {}

/// One document of a YAML stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Position in the stream, from 0, counting empty documents too.
    pub index: usize,
    /// Where the document starts.
    pub mark: Mark,
    /// The root value (`Value::Null` for an empty document), or why it could not be read.
    pub content: Result<Node, YamlError>,
}

/// Parses every document of a stream. A document with an error does not affect the others.
pub fn parse_documents(text: &str, limits: &Limits) -> Vec<Document> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut documents = Vec::new();
    for chunk in split_documents(text) {
        ChunkReader::new(chunk, limits, &mut documents).read();
    }
    documents
}

/// Parses a stream that must hold exactly one document (configuration files, templates).
/// An empty stream gives a null node.
pub fn parse_single(text: &str, limits: &Limits) -> Result<Node, YamlError> {
    let mut documents = parse_documents(text, limits)
        .into_iter()
        .filter(|d| match &d.content {
            Ok(node) => !node.is_null(),
            Err(_) => true,
        });
    let Some(first) = documents.next() else {
        return Ok(Node {
            value: Value::Null,
            mark: Mark::new(1, 1),
            tag: None,
        });
    };
    if let Some(second) = documents.next() {
        return Err(YamlError {
            mark: second.mark,
            message:
                "expected a single YAML document, but this file holds several (separated by `---`)"
                    .into(),
        });
    }
    first.content
}

enum Frame {
    Seq {
        start: Node,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: Node,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        seen: Option<HashSet<String>>,
    },
}

/// Mappings with more keys than this track their keys in a set instead of a scan.
const SCAN_LIMIT: usize = 16;

struct ChunkReader<'a, 'o> {
    chunk: Chunk<'a>,
    limits: &'a Limits,
    out: &'o mut Vec<Document>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    alias_values: usize,
    doc_mark: Option<Mark>,
    root: Option<Node>,
}

impl<'a, 'o> ChunkReader<'a, 'o> {
    fn new(chunk: Chunk<'a>, limits: &'a Limits, out: &'o mut Vec<Document>) -> Self {
        ChunkReader {
            chunk,
            limits,
            out,
            stack: Vec::new(),
            anchors: HashMap::new(),
            alias_values: 0,
            doc_mark: None,
            root: None,
        }
    }

    fn read(mut self) {
        let chunk_text = self.chunk.text;
        for event in Parser::new_from_str(chunk_text) {
            let step = match event {
                Ok((event, span)) => self.event(event, span),
                Err(e) => Err(YamlError {
                    mark: self.mark(e.marker()),
                    message: syntax_message(e.info()),
                }),
            };
            if let Err(error) = step {
                // The parser repeats its error forever; this chunk is done.
                let mark = self.doc_mark.unwrap_or(error.mark);
                self.push_document(mark, Err(error));
                return;
            }
        }
        if let Some(mark) = self.doc_mark.take() {
            // A stream cut at a marker has no DocumentEnd for the last document.
            let root = self.root.take().unwrap_or_else(|| null_at(mark));
            self.push_document(mark, Ok(root));
        }
    }

    fn push_document(&mut self, mark: Mark, content: Result<Node, YamlError>) {
        let index = self.out.len();
        self.out.push(Document {
            index,
            mark,
            content,
        });
        self.doc_mark = None;
        self.root = None;
        self.stack.clear();
        self.anchors.clear();
        self.alias_values = 0;
    }

    fn mark(&self, marker: &saphyr_parser::Marker) -> Mark {
        let line = u32::try_from(marker.line()).unwrap_or(u32::MAX);
        Mark::new(
            line.saturating_add(self.chunk.first_line).saturating_sub(1),
            u32::try_from(marker.col())
                .unwrap_or(u32::MAX)
                .saturating_add(1),
        )
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        let mark = self.mark(&span.start);
        match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => Ok(()),
            Event::DocumentStart(_) => {
                self.doc_mark = Some(mark);
                Ok(())
            }
            Event::DocumentEnd => {
                if let Some(doc_mark) = self.doc_mark {
                    let root = self.root.take().unwrap_or_else(|| null_at(doc_mark));
                    self.push_document(doc_mark, Ok(root));
                }
                Ok(())
            }
            Event::Scalar(text, style, anchor, tag) => {
                let node = scalar_node(&text, style, tag.as_deref(), mark)?;
                self.add(node, anchor)
            }
            Event::SequenceStart(anchor, tag) => {
                self.check_depth(mark)?;
                let start = Node {
                    value: Value::Null,
                    mark,
                    tag: custom_tag(tag.as_deref()),
                };
                self.stack.push(Frame::Seq {
                    start,
                    anchor,
                    items: Vec::new(),
                });
                Ok(())
            }
            Event::MappingStart(anchor, tag) => {
                self.check_depth(mark)?;
                let start = Node {
                    value: Value::Null,
                    mark,
                    tag: custom_tag(tag.as_deref()),
                };
                self.stack.push(Frame::Map {
                    start,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                    seen: None,
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Seq {
                    mut start,
                    anchor,
                    items,
                }) => {
                    start.value = Value::Seq(items);
                    self.add(start, anchor)
                }
                Some(Frame::Map {
                    mut start,
                    anchor,
                    entries,
                    ..
                }) => {
                    start.value = Value::Map(entries);
                    self.add(start, anchor)
                }
                None => Ok(()),
            },
            Event::Alias(id) => {
                let Some((node, size)) = self.anchors.get(&id) else {
                    return Err(YamlError {
                        mark,
                        message: "this alias refers to an anchor that is not defined earlier in the same document \
                                  (anchors do not cross `---`); define the anchor first or copy the value"
                            .into(),
                    });
                };
                self.alias_values = self.alias_values.saturating_add(*size);
                if self.alias_values > self.limits.max_alias_values {
                    return Err(YamlError {
                        mark,
                        message: format!(
                            "aliases in this document expand to more than {} values, which looks like an \
                             alias bomb; write the values out or use fewer nested aliases",
                            self.limits.max_alias_values
                        ),
                    });
                }
                let mut copy = node.clone();
                copy.mark = mark;
                self.add(copy, 0)
            }
        }
    }

    fn check_depth(&self, mark: Mark) -> Result<(), YamlError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(YamlError {
                mark,
                message: format!(
                    "values are nested more than {} levels deep; flatten the structure",
                    self.limits.max_depth
                ),
            });
        }
        Ok(())
    }

    fn add(&mut self, node: Node, anchor: usize) -> Result<(), YamlError> {
        if anchor != 0 {
            self.anchors
                .insert(anchor, (node.clone(), count_values(&node)));
        }
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Frame::Map {
                entries, key, seen, ..
            }) => match key.take() {
                Some(k) => {
                    entries.push((k, node));
                    Ok(())
                }
                None => {
                    check_unique_key(entries, seen, &node)?;
                    *key = Some(node);
                    Ok(())
                }
            },
        }
    }
}

fn null_at(mark: Mark) -> Node {
    Node {
        value: Value::Null,
        mark,
        tag: None,
    }
}

fn check_unique_key(
    entries: &[(Node, Node)],
    seen: &mut Option<HashSet<String>>,
    key: &Node,
) -> Result<(), YamlError> {
    if matches!(key.value, Value::Seq(_) | Value::Map(_)) {
        return Ok(());
    }
    let text = key.key_string();
    let duplicate = match seen {
        Some(set) => !set.insert(text.clone()),
        None => {
            let found = entries.iter().any(|(k, _)| k.value == key.value);
            if entries.len() + 1 >= SCAN_LIMIT {
                *seen = Some(
                    entries
                        .iter()
                        .map(|(k, _)| k.key_string())
                        .chain([text.clone()])
                        .collect(),
                );
            }
            found
        }
    };
    if duplicate {
        let first = entries
            .iter()
            .find(|(k, _)| k.key_string() == text)
            .map(|(k, _)| k.mark);
        return Err(YamlError {
            mark: key.mark,
            message: match first {
                Some(first) => format!(
                    "duplicate key `{text}` (first written at line {}); remove one of them",
                    first.line
                ),
                None => format!("duplicate key `{text}`; remove one of them"),
            },
        });
    }
    Ok(())
}

fn count_values(node: &Node) -> usize {
    match &node.value {
        Value::Seq(items) => 1 + items.iter().map(count_values).sum::<usize>(),
        Value::Map(entries) => {
            1 + entries
                .iter()
                .map(|(k, v)| count_values(k) + count_values(v))
                .sum::<usize>()
        }
        _ => 1,
    }
}

fn scalar_node(
    text: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
    mark: Mark,
) -> Result<Node, YamlError> {
    let value = match tag {
        Some(tag) if tag.is_yaml_core_schema() => {
            resolve_tagged(&tag.suffix, text).ok_or_else(|| YamlError {
                mark,
                message: format!(
                    "`{text}` is not a valid !!{}; fix the value or remove the tag",
                    tag.suffix
                ),
            })?
        }
        Some(tag) if tag.handle == "!" && tag.suffix.is_empty() => Value::String(text.to_owned()),
        _ if style == ScalarStyle::Plain => resolve_plain(text),
        _ => Value::String(text.to_owned()),
    };
    Ok(Node {
        value,
        mark,
        tag: custom_tag(tag),
    })
}

/// Tags other than the core-schema ones, written as in the source (`!include`, `!ENV`,
/// `!!python/name:foo`), for readers such as MkDocs configuration that give them meaning.
fn custom_tag(tag: Option<&Tag>) -> Option<String> {
    let tag = tag?;
    if tag.is_yaml_core_schema() {
        const CORE: [&str; 9] = [
            "str",
            "int",
            "float",
            "bool",
            "null",
            "map",
            "seq",
            "binary",
            "timestamp",
        ];
        return (!CORE.contains(&tag.suffix.as_str())).then(|| format!("!!{}", tag.suffix));
    }
    if tag.handle == "!" && tag.suffix.is_empty() {
        return None;
    }
    Some(format!("{}{}", tag.handle, tag.suffix))
}

fn syntax_message(info: &str) -> String {
    let hint = if info.contains("tab") {
        "; indent with spaces, not tabs"
    } else if info.contains("mapping values are not allowed") {
        "; a value containing `: ` must be quoted"
    } else if info.contains("did not find expected") || info.contains("could not find expected") {
        "; check the indentation and closing brackets or quotes"
    } else {
        ""
    };
    format!("YAML syntax error: {info}{hint}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(text: &str) -> Vec<Document> {
        parse_documents(text, &Limits::default())
    }

    fn ok(text: &str) -> Node {
        parse_single(text, &Limits::default()).expect("valid YAML")
    }

    fn err(text: &str) -> YamlError {
        parse_single(text, &Limits::default()).expect_err("invalid YAML")
    }

    #[test]
    fn values_remember_their_positions() {
        let root = ok("kind: Component\nmetadata:\n  name: foo\n  tags: [a, b]\n");
        assert_eq!(root.get("kind").map(|n| n.mark), Some(Mark::new(1, 7)));
        assert_eq!(
            root.at(["metadata", "name"]).map(|n| n.mark),
            Some(Mark::new(3, 9))
        );
        assert_eq!(
            root.at(["metadata", "tags", "1"]).map(|n| n.mark),
            Some(Mark::new(4, 13))
        );
        assert_eq!(
            root.key_of("metadata").map(|n| n.mark),
            Some(Mark::new(2, 1))
        );
    }

    #[test]
    fn documents_are_independent_and_keep_absolute_lines() {
        let d = docs("a: 1\n---\nb: [\n---\nc: 3\n---\n");
        assert_eq!(d.len(), 4);
        assert_eq!(
            d[0].content.as_ref().map(|n| n.get("a").is_some()),
            Ok(true)
        );
        let error = d[1].content.as_ref().expect_err("unclosed bracket");
        assert!(error.mark.line >= 3, "{error}");
        assert_eq!(
            d[2].content
                .as_ref()
                .ok()
                .and_then(|n| n.get("c"))
                .map(|n| n.mark),
            Some(Mark::new(5, 4))
        );
        assert_eq!(d[2].index, 2);
        assert!(d[3].content.as_ref().is_ok_and(Node::is_null));
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let e = err("name: a\nkind: b\nname: c\n");
        assert_eq!(e.mark, Mark::new(3, 1));
        assert!(
            e.message
                .contains("duplicate key `name` (first written at line 1)"),
            "{e}"
        );
        let many: String =
            (0..40).map(|i| format!("k{i}: v\n")).collect::<String>() + "k3: again\n";
        assert!(err(&many).message.contains("duplicate key `k3`"));
    }

    #[test]
    fn tabs_are_syntax_errors_with_a_hint() {
        let e = err("a:\n\tb: 1\n");
        assert!(e.message.contains("tabs"), "{e}");
    }

    #[test]
    fn merge_keys_stay_literal() {
        let root = ok("base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n");
        let derived = root.get("derived").expect("derived");
        assert!(derived.get("<<").is_some());
        assert!(derived.get("x").is_none());
    }

    #[test]
    fn aliases_copy_values_within_limits() {
        let root = ok("a: &x [1, 2]\nb: *x\n");
        assert_eq!(
            root.get("b").map(Node::to_json),
            Some(serde_json::json!([1, 2]))
        );
        let e = docs("a: &x 1\n---\nb: *x\n")
            .remove(1)
            .content
            .expect_err("cross-document alias");
        assert!(
            e.message.contains("anchor") || e.message.contains("alias"),
            "{e}"
        );
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
            .iter()
            .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
        {
            let refs = vec![format!("*{prev}"); 9].join(", ");
            bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        let e = err(&bomb);
        assert!(e.message.contains("alias bomb"), "{e}");
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing_the_stack() {
        let mut text = String::new();
        for depth in 0..10_000 {
            text.push_str(&" ".repeat(depth));
            text.push_str("a:\n");
        }
        assert!(err(&text).message.contains("nested more than 128 levels"));
        let flow = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(parse_single(&flow, &Limits::default()).is_err());
    }

    #[test]
    fn custom_tags_are_kept_for_readers_that_need_them() {
        let root = ok(
            "nav:\n  - !include ./a/mkdocs.yml\nx: !!python/name:pymdownx.emoji.twemoji\ny: !!str 42\n",
        );
        let include = root.at(["nav", "0"]).expect("nav item");
        assert_eq!(include.tag.as_deref(), Some("!include"));
        assert_eq!(include.as_str(), Some("./a/mkdocs.yml"));
        assert_eq!(
            root.get("x").and_then(|n| n.tag.as_deref()),
            Some("!!python/name:pymdownx.emoji.twemoji")
        );
        assert_eq!(root.get("y").and_then(Node::as_str), Some("42"));
        assert!(
            err("a: !!int forty\n")
                .message
                .contains("not a valid !!int")
        );
    }

    #[test]
    fn byte_order_mark_and_empty_streams() {
        assert_eq!(
            ok("\u{feff}a: 1\n").get("a").map(Node::to_json),
            Some(serde_json::json!(1))
        );
        assert!(ok("").is_null());
        assert!(ok("# only a comment\n").is_null());
        assert!(
            err("a: 1\n---\nb: 2\n")
                .message
                .contains("single YAML document")
        );
    }
}
