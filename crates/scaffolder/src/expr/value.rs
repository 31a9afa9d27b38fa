//! Rendering the values of template.yaml (step `input`, `if`, `each`, `output`) as Backstage's
//! workflow runner does (`NunjucksWorkflowRunner.render`).
//!
//! Every string leaf is rendered; objects and arrays are walked. A string that is a single
//! expression keeps its type: it is rewritten to `${{ ( expr ) | dump }}` and the output is
//! read back as JSON, so `${{ parameters.port }}` stays a number and
//! `${{ parameters.repoUrl | parseRepoUrl }}` becomes an object. An empty result removes the
//! key. A render error keeps the string as written (Backstage logs it); Greenroom also puts it
//! in the run log.

use std::sync::OnceLock;

use greenroom_yaml::{Node, Value as YamlValue};
use minijinja::value::Value;
use regex::Regex;

use super::{Engine, ExprError, Origin};

/// Renders template.yaml values against one context.
pub(crate) struct ValueRenderer<'a> {
    pub engine: &'a Engine,
    pub context: &'a Value,
    /// The template file, for messages.
    pub file: &'a str,
    /// Problems Backstage would only log: the value was kept unrendered.
    pub warnings: Vec<String>,
}

impl ValueRenderer<'_> {
    /// Renders a node; `None` when the value disappears (an empty result).
    pub(crate) fn render(&mut self, node: &Node) -> Result<Option<serde_json::Value>, ExprError> {
        match &node.value {
            YamlValue::String(s) => self.render_string(s, node.mark.line),
            YamlValue::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    // A removed array item leaves a hole, which JSON writes as null.
                    out.push(self.render(item)?.unwrap_or(serde_json::Value::Null));
                }
                Ok(Some(serde_json::Value::Array(out)))
            }
            YamlValue::Map(entries) => {
                let mut map = serde_json::Map::new();
                for (key, value) in entries {
                    if let Some(rendered) = self.render(value)? {
                        map.insert(key.key_string(), rendered);
                    }
                }
                Ok(Some(serde_json::Value::Object(map)))
            }
            _ => Ok(Some(node.to_json())),
        }
    }

    /// Renders one string leaf.
    pub(crate) fn render_string(
        &mut self,
        source: &str,
        line: u32,
    ) -> Result<Option<serde_json::Value>, ExprError> {
        let origin = Origin {
            file: self.file,
            line,
        };
        if self.engine.is_single_expression(source) {
            let wrapped = dump_wrapper().replace_all(source, "$${{ ( $1 ) | dump }}");
            match self.engine.render(&wrapped, self.context, origin) {
                Ok(out) if out.is_empty() => return Ok(None),
                Ok(out) => {
                    if let Ok(value) = serde_json::from_str::<serde_json::Value>(&out) {
                        return Ok(Some(normalize_numbers(value)));
                    }
                }
                Err(e) if e.syntax && source.contains("${{") => return Err(e),
                Err(_) => {}
            }
        }
        match self.engine.render(source, self.context, origin) {
            Ok(out) if out.is_empty() => Ok(None),
            Ok(out) => Ok(Some(serde_json::Value::String(out))),
            Err(e) if e.syntax && source.contains("${{") => Err(e),
            Err(e) => {
                self.warnings.push(format!(
                    "{e}; the value is kept as written, as Backstage does"
                ));
                Ok(Some(serde_json::Value::String(source.to_owned())))
            }
        }
    }
}

/// Backstage's `/\${{(.+)}}/g`: greedy, and `.` stops at line ends.
fn dump_wrapper() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\$\{\{(.+)\}\}").expect("valid regex"))
}

/// `JSON.parse` gives JavaScript numbers: `1.0` is the integer 1.
fn normalize_numbers(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Number(n) if n.is_f64() => {
            super::js::json_number(n.as_f64().unwrap_or(f64::NAN))
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(normalize_numbers).collect())
        }
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, normalize_numbers(v)))
                .collect(),
        ),
        other => other,
    }
}

/// A node for a JSON value (no positions), to render values that did not come from YAML.
pub(crate) fn node_from_json(value: &serde_json::Value) -> Node {
    let value = match value {
        serde_json::Value::Null => YamlValue::Null,
        serde_json::Value::Bool(b) => YamlValue::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => YamlValue::Int(i),
            None => YamlValue::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => YamlValue::String(s.clone()),
        serde_json::Value::Array(items) => {
            YamlValue::Seq(items.iter().map(node_from_json).collect())
        }
        serde_json::Value::Object(map) => YamlValue::Map(
            map.iter()
                .map(|(k, v)| {
                    (
                        node_from_json(&serde_json::Value::String(k.clone())),
                        node_from_json(v),
                    )
                })
                .collect(),
        ),
    };
    Node {
        value,
        mark: greenroom_yaml::Mark::default(),
        tag: None,
    }
}
