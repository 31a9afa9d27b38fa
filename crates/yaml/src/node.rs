//! The parsed tree: values with the position they were written at.

use serde_json::{Map, Number};

/// A position in the source text, both parts counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Mark {
    /// Line, from 1.
    pub line: u32,
    /// Column in characters, from 1.
    pub column: u32,
}

impl Mark {
    /// A mark at `line`:`column` (both from 1).
    pub fn new(line: u32, column: u32) -> Self {
        Mark { line, column }
    }
}

impl std::fmt::Display for Mark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One YAML value and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value, with plain scalars already resolved to their core-schema type.
    pub value: Value,
    /// Where the value starts in the source.
    pub mark: Mark,
    /// An explicit tag such as `!include` or `!!python/name:foo`, if the source gave one
    /// other than the core-schema tags, which are applied while parsing.
    pub tag: Option<String>,
}

/// A YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `~`, `null`, or nothing at all.
    Null,
    /// `true` or `false` (any of the three core-schema spellings).
    Bool(bool),
    /// An integer that fits in 64 bits.
    Int(i64),
    /// Any other number, including `.inf` and `.nan`.
    Float(f64),
    /// A string, quoted or plain.
    String(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order; keys are unique.
    Map(Vec<(Node, Node)>),
}

impl Value {
    /// A short name of the value's type for messages ("a string", "a list", ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::String(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

impl Node {
    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The entries, if this is a mapping.
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The items, if this is a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// Whether this is null.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The value under a string key, if this is a mapping holding that key.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// The key node of an entry, to point at the key rather than the value in messages.
    pub fn key_of(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, _)| k)
    }

    /// The node at a path of mapping keys and sequence indexes, e.g. `["spec", "owner"]`.
    pub fn at<'a>(&self, path: impl IntoIterator<Item = &'a str>) -> Option<&Node> {
        let mut node = self;
        for part in path {
            node = match &node.value {
                Value::Map(_) => node.get(part)?,
                Value::Seq(items) => items.get(part.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The key as JavaScript would write it when it becomes an object key.
    pub fn key_string(&self) -> String {
        match &self.value {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => format_float(*f),
            Value::Seq(_) | Value::Map(_) => {
                serde_json::to_string(&self.to_json()).unwrap_or_default()
            }
        }
    }

    /// A tree from JSON, every value placed at `mark` (used where JSON content replaces a
    /// YAML value, such as a `$json` placeholder).
    pub fn from_json(value: &serde_json::Value, mark: Mark) -> Node {
        let value = match value {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => n
                .as_i64()
                .map_or_else(|| Value::Float(n.as_f64().unwrap_or(f64::NAN)), Value::Int),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(items) => {
                Value::Seq(items.iter().map(|v| Node::from_json(v, mark)).collect())
            }
            serde_json::Value::Object(map) => Value::Map(
                map.iter()
                    .map(|(k, v)| {
                        (
                            Node {
                                value: Value::String(k.clone()),
                                mark,
                                tag: None,
                            },
                            Node::from_json(v, mark),
                        )
                    })
                    .collect(),
            ),
        };
        Node {
            value,
            mark,
            tag: None,
        }
    }

    /// Converts to JSON as Backstage's reader does: keys become strings, order is kept,
    /// `.inf` and `.nan` (which JSON cannot hold) become null.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::Number((*i).into()),
            Value::Float(f) => Number::from_f64(*f).map_or(serde_json::Value::Null, |n| {
                // JSON numbers that are whole stay integers, as in JavaScript.
                if f.fract() == 0.0 && f.abs() < 9.0e15 {
                    serde_json::Value::Number((*f as i64).into())
                } else {
                    serde_json::Value::Number(n)
                }
            }),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Seq(items) => {
                serde_json::Value::Array(items.iter().map(Node::to_json).collect())
            }
            Value::Map(entries) => {
                let mut map = Map::with_capacity(entries.len());
                for (k, v) in entries {
                    map.insert(k.key_string(), v.to_json());
                }
                serde_json::Value::Object(map)
            }
        }
    }
}

fn format_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else if f.fract() == 0.0 && f.abs() < 1e21 {
        format!("{}", f as i128)
    } else {
        f.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(value: Value) -> Node {
        Node {
            value,
            mark: Mark::new(1, 1),
            tag: None,
        }
    }

    #[test]
    fn keys_become_strings_as_in_javascript() {
        assert_eq!(scalar(Value::Int(1)).key_string(), "1");
        assert_eq!(scalar(Value::Bool(true)).key_string(), "true");
        assert_eq!(scalar(Value::Null).key_string(), "");
        assert_eq!(scalar(Value::Float(1.5)).key_string(), "1.5");
        assert_eq!(scalar(Value::Float(2.0)).key_string(), "2");
    }

    #[test]
    fn json_conversion_keeps_order_and_drops_non_finite_numbers() {
        let map = scalar(Value::Map(vec![
            (
                scalar(Value::String("z".into())),
                scalar(Value::Float(f64::INFINITY)),
            ),
            (scalar(Value::String("a".into())), scalar(Value::Float(3.0))),
        ]));
        assert_eq!(map.to_json().to_string(), r#"{"z":null,"a":3}"#);
    }
}
