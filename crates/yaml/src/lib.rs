//! The one place in Greenroom that reads YAML.
//!
//! Descriptors, `mkdocs.yml` files and templates all come from repositories, so they are
//! untrusted: this crate parses them into a [`Node`] tree that remembers where every value
//! was written (line and column), enforces limits against alias bombs and absurd nesting,
//! rejects duplicate keys, and resolves plain scalars with the YAML 1.2 core schema, as
//! Backstage's `yaml` v2 reader does (`yes`/`no` stay strings, merge keys `<<` stay literal
//! keys).
//!
//! Keeping YAML behind this one crate means the parser underneath (`saphyr-parser` today)
//! can be swapped without touching the rest of the code base.

mod json;
mod node;
mod scalar;
mod split;
mod tree;

pub use json::NodeDeserializer;
pub use node::{Mark, Node, Value};
pub use tree::{Document, Limits, YamlError, parse_documents, parse_single};
