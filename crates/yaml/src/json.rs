//! JSON text read straight into a tree, and a tree read as serde data: a descriptor that
//! arrives as JSON (a snapshot's entities) becomes a [`Node`] to validate and then a typed
//! entity without a `serde_json::Value` built and dropped in between.

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{
    self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};

use crate::node::{Mark, Node, Value};

/// Past this many keys, a mapping being read looks repeated keys up in a hash map rather
/// than by scanning (a hostile document can hold many keys).
const SCANNED_KEYS: usize = 16;

impl Node {
    /// Parses JSON text into a tree, every value placed at `mark`: the tree
    /// [`Node::from_json`] makes of the parsed value (a repeated key keeps its first place
    /// and its last value, as a parsed `serde_json::Value` does).
    pub fn from_json_str(text: &str, mark: Mark) -> Result<Node, serde_json::Error> {
        let mut reader = serde_json::Deserializer::from_str(text);
        let node = NodeSeed(mark).deserialize(&mut reader)?;
        reader.end()?;
        Ok(node)
    }

    /// The tree as a serde [`Deserializer`] that gives what deserialising
    /// [`Node::to_json`] would give, without making that copy: its strings move into
    /// what is built.
    pub fn into_deserializer<E: de::Error>(self) -> NodeDeserializer<E> {
        NodeDeserializer {
            node: self,
            error: PhantomData,
        }
    }
}

struct NodeSeed(Mark);

impl<'de> DeserializeSeed<'de> for NodeSeed {
    type Value = Node;

    fn deserialize<D: Deserializer<'de>>(self, reader: D) -> Result<Node, D::Error> {
        reader.deserialize_any(self)
    }
}

impl NodeSeed {
    fn node(&self, value: Value) -> Node {
        Node {
            value,
            mark: self.0,
            tag: None,
        }
    }
}

impl<'de> Visitor<'de> for NodeSeed {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(self.node(Value::Null))
    }

    fn visit_bool<E>(self, b: bool) -> Result<Node, E> {
        Ok(self.node(Value::Bool(b)))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Node, E> {
        Ok(self.node(Value::Int(i)))
    }

    fn visit_u64<E>(self, u: u64) -> Result<Node, E> {
        Ok(self.node(i64::try_from(u).map_or(Value::Float(u as f64), Value::Int)))
    }

    fn visit_f64<E>(self, f: f64) -> Result<Node, E> {
        Ok(self.node(Value::Float(f)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Node, E> {
        Ok(self.node(Value::String(s.to_owned())))
    }

    fn visit_string<E>(self, s: String) -> Result<Node, E> {
        Ok(self.node(Value::String(s)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element_seed(NodeSeed(self.0))? {
            items.push(item);
        }
        Ok(self.node(Value::Seq(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries: Vec<(Node, Node)> = Vec::new();
        let mut places: Option<HashMap<String, usize>> = None;
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(NodeSeed(self.0))?;
            let place = match &places {
                Some(places) => places.get(&key).copied(),
                None => entries.iter().position(|(k, _)| k.as_str() == Some(&key)),
            };
            if let Some(place) = place {
                entries[place].1 = value;
                continue;
            }
            if let Some(places) = &mut places {
                places.insert(key.clone(), entries.len());
            } else if entries.len() == SCANNED_KEYS {
                let mut all: HashMap<String, usize> = entries
                    .iter()
                    .enumerate()
                    .map(|(i, (k, _))| (k.key_string(), i))
                    .collect();
                all.insert(key.clone(), entries.len());
                places = Some(all);
            }
            entries.push((self.node(Value::String(key)), value));
        }
        Ok(self.node(Value::Map(entries)))
    }
}

/// A [`Node`] read as serde data, as [`Node::to_json`] would give it: keys become strings,
/// whole floats integers, and `.inf` and `.nan` null. Made by [`Node::into_deserializer`].
pub struct NodeDeserializer<E> {
    node: Node,
    error: PhantomData<E>,
}

impl<'de, E: de::Error> IntoDeserializer<'de, E> for NodeDeserializer<E> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de, E: de::Error> Deserializer<'de> for NodeDeserializer<E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.node.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Int(i) => visitor.visit_i64(i),
            Value::Float(f) if !f.is_finite() => visitor.visit_unit(),
            // Whole numbers stay integers, as in JavaScript (and `Node::to_json`).
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => visitor.visit_i64(f as i64),
            Value::Float(f) => visitor.visit_f64(f),
            Value::String(s) => visitor.visit_string(s),
            Value::Seq(items) => {
                let mut seq = SeqDeserializer::new(items.into_iter().map(Node::into_deserializer));
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            Value::Map(entries) => {
                let mut map = MapDeserializer::new(entries.into_iter().map(|(k, v)| {
                    let key = match k.value {
                        Value::String(s) => s,
                        _ => k.key_string(),
                    };
                    (key, v.into_deserializer::<E>())
                }));
                let value = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(value)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.node.value {
            Value::Null => visitor.visit_none(),
            Value::Float(f) if !f.is_finite() => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    const MARK: Mark = Mark { line: 3, column: 1 };

    #[test]
    fn json_text_gives_the_tree_of_its_parsed_value() {
        for text in [
            r#"{"kind":"Component","metadata":{"name":"a","tags":["x","y"]},"spec":{"n":1}}"#,
            r#"{"big":18446744073709551615,"neg":-3,"f":2.5,"whole":2.0,"z":-0,"e":1e300}"#,
            r#"[null,true,false,"\u00e9\n",[],{}]"#,
            r#"{"a":1,"b":2,"a":3}"#,
            r#""just a string""#,
        ] {
            let value: serde_json::Value = serde_json::from_str(text).expect(text);
            let expected = Node::from_json(&value, MARK);
            assert_eq!(
                Node::from_json_str(text, MARK).expect(text),
                expected,
                "{text}"
            );
        }
    }

    #[test]
    fn many_repeated_keys_keep_their_first_place_and_last_value() {
        let keys: Vec<String> = (0..40).map(|i| format!("\"k{i}\":{i}")).collect();
        let text = format!("{{{},\"k3\":-1,\"k30\":-2}}", keys.join(","));
        let node = Node::from_json_str(&text, MARK).expect("json");
        let map = node.as_map().expect("map");
        assert_eq!(map.len(), 40);
        assert_eq!(map[3].1.value, Value::Int(-1));
        assert_eq!(map[30].1.value, Value::Int(-2));
        let value: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(node, Node::from_json(&value, MARK));
    }

    #[test]
    fn malformed_json_is_an_error() {
        for text in ["{", r#"{"a":}"#, "[1,2", "{} {}", "", "1e400"] {
            assert!(Node::from_json_str(text, MARK).is_err(), "{text}");
        }
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Typed {
        name: String,
        #[serde(default)]
        title: Option<String>,
        #[serde(default)]
        count: Option<i64>,
        #[serde(flatten)]
        other: serde_json::Map<String, serde_json::Value>,
    }

    fn node(value: Value) -> Node {
        Node {
            value,
            mark: MARK,
            tag: None,
        }
    }

    #[test]
    fn a_tree_deserialises_as_its_json_would() {
        let tree = node(Value::Map(vec![
            (
                node(Value::String("name".into())),
                node(Value::String("a".into())),
            ),
            (node(Value::String("title".into())), node(Value::Null)),
            (node(Value::String("count".into())), node(Value::Float(4.0))),
            (node(Value::Int(7)), node(Value::Float(f64::NAN))),
            (node(Value::Bool(true)), node(Value::Float(1.5))),
            (
                node(Value::String("list".into())),
                node(Value::Seq(vec![
                    node(Value::Float(1e300)),
                    node(Value::Null),
                ])),
            ),
        ]));
        let direct = Typed::deserialize(tree.clone().into_deserializer::<serde_json::Error>())
            .expect("typed");
        let via_json: Typed = serde_json::from_value(tree.to_json()).expect("typed");
        assert_eq!(direct, via_json);
        assert_eq!(direct.count, Some(4));
        let value =
            serde_json::Value::deserialize(tree.clone().into_deserializer::<serde_json::Error>())
                .expect("value");
        assert_eq!(value, tree.to_json());
    }

    #[test]
    fn a_tree_of_the_wrong_shape_fails_as_its_json_would() {
        let tree = node(Value::Map(vec![(
            node(Value::String("name".into())),
            node(Value::Int(5)),
        )]));
        let direct = Typed::deserialize(tree.clone().into_deserializer::<serde_json::Error>())
            .expect_err("a number is not a name");
        let via_json =
            serde_json::from_value::<Typed>(tree.to_json()).expect_err("a number is not a name");
        assert_eq!(direct.to_string(), via_json.to_string());
    }
}
