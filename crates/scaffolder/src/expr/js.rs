//! JavaScript value semantics on minijinja values.
//!
//! Backstage renders with Nunjucks, which runs on JavaScript: what a template prints, how
//! `dump` writes JSON and what counts as true all follow JavaScript, not Python. The values a
//! template sees are therefore wrapped in [`JsArray`] and [`JsObject`], which are always true
//! (`{% if [] %}` passes in JavaScript) and print as `String()` does.

use std::fmt;
use std::sync::Arc;

use minijinja::value::{Enumerator, Object, ObjectRepr, Value, ValueKind};
use serde_json::{Map, Number};

/// A JSON array as a template sees it.
#[derive(Debug)]
pub(crate) struct JsArray(pub Vec<Value>);

impl Object for JsArray {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.0.get(key.as_usize()?).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.0.len())
    }

    fn is_true(self: &Arc<Self>) -> bool {
        true
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&join_items(self.0.iter(), ","))
    }
}

/// A JSON object as a template sees it: keys in JavaScript's order.
#[derive(Debug)]
pub(crate) struct JsObject(pub Vec<(String, Value)>);

impl JsObject {
    /// Builds an object from entries, ordering the keys as JavaScript does: integer-like keys
    /// first in ascending order, then the others in insertion order.
    pub(crate) fn from_entries(entries: Vec<(String, Value)>) -> Self {
        let (mut indexes, others): (Vec<_>, Vec<_>) = entries
            .into_iter()
            .partition(|(k, _)| array_index(k).is_some());
        indexes.sort_by_key(|(k, _)| array_index(k));
        indexes.extend(others);
        JsObject(indexes)
    }

    fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

impl Object for JsObject {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str() {
            Some(k) => self.get(k).cloned(),
            // `obj[1]` looks up the key "1" in JavaScript.
            None if key.is_number() => self.get(&print(key)).cloned(),
            None => None,
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(
            self.0
                .iter()
                .map(|(k, _)| Value::from(k.as_str()))
                .collect(),
        )
    }

    fn is_true(self: &Arc<Self>) -> bool {
        true
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[object Object]")
    }
}

/// `"5"` → 5 for keys JavaScript treats as array indexes.
fn array_index(key: &str) -> Option<u32> {
    if key.is_empty() || (key.len() > 1 && key.starts_with('0')) {
        return None;
    }
    key.parse::<u32>().ok().filter(|&n| n != u32::MAX)
}

/// Converts JSON (form values, step outputs) into what templates see.
pub(crate) fn from_json(value: &serde_json::Value) -> Value {
    match value {
        serde_json::Value::Null => Value::from(()),
        serde_json::Value::Bool(b) => Value::from(*b),
        serde_json::Value::Number(n) => number_value(n),
        serde_json::Value::String(s) => Value::from(s.as_str()),
        serde_json::Value::Array(items) => {
            Value::from_object(JsArray(items.iter().map(from_json).collect()))
        }
        serde_json::Value::Object(map) => Value::from_object(JsObject::from_entries(
            map.iter().map(|(k, v)| (k.clone(), from_json(v))).collect(),
        )),
    }
}

fn number_value(n: &Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::from(i)
    } else if let Some(u) = n.as_u64() {
        Value::from(u)
    } else {
        let f = n.as_f64().unwrap_or(f64::NAN);
        // JavaScript has one number type; whole numbers behave as integers (`range(n)`).
        if f.fract() == 0.0 && f.abs() < 9.0e15 {
            Value::from(f as i64)
        } else {
            Value::from(f)
        }
    }
}

/// A number as JSON, with whole numbers kept integral as JavaScript writes them.
pub(crate) fn json_number(f: f64) -> serde_json::Value {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        serde_json::Value::from(f as i64)
    } else {
        Number::from_f64(f).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

/// Converts a template value to JSON as `JSON.stringify` would see it: `None` for
/// `undefined` and functions (dropped from objects, `null` in arrays).
pub(crate) fn to_json(value: &Value) -> Option<serde_json::Value> {
    match value.kind() {
        ValueKind::Undefined | ValueKind::Invalid => None,
        ValueKind::None => Some(serde_json::Value::Null),
        ValueKind::Bool => Some(serde_json::Value::Bool(value.is_true())),
        ValueKind::Number => Some(number_json(value)),
        ValueKind::String => Some(serde_json::Value::String(
            value.as_str().unwrap_or_default().to_owned(),
        )),
        ValueKind::Bytes => Some(serde_json::Value::String(
            String::from_utf8_lossy(value.as_bytes().unwrap_or_default()).into_owned(),
        )),
        ValueKind::Seq | ValueKind::Iterable => {
            if let Some(re) = value.downcast_object_ref::<super::regex_literal::RegexLiteral>() {
                let _ = re;
                return Some(serde_json::Value::Object(Map::new()));
            }
            let items = value.try_iter().ok()?;
            Some(serde_json::Value::Array(
                items
                    .map(|v| to_json(&v).unwrap_or(serde_json::Value::Null))
                    .collect(),
            ))
        }
        ValueKind::Map => {
            let mut map = Map::new();
            for key in value.try_iter().ok()? {
                let item = value.get_item(&key).unwrap_or_default();
                if let Some(json) = to_json(&item) {
                    map.insert(print(&key), json);
                }
            }
            Some(serde_json::Value::Object(map))
        }
        ValueKind::Plain => {
            if value
                .downcast_object_ref::<super::regex_literal::RegexLiteral>()
                .is_some()
            {
                // `JSON.stringify(/x/)` is `{}`.
                Some(serde_json::Value::Object(Map::new()))
            } else {
                None
            }
        }
        _ => None,
    }
}

fn number_json(value: &Value) -> serde_json::Value {
    if let Some(i) = value.as_i64() {
        return serde_json::Value::from(i);
    }
    match f64::try_from(value.clone()) {
        Ok(f) if f.is_finite() => json_number(f),
        // `JSON.stringify(NaN)` and infinities give null.
        Ok(_) => serde_json::Value::Null,
        Err(_) => serde_json::Value::String(value.to_string()),
    }
}

/// What Nunjucks prints for a value: `null` and `undefined` print nothing, the rest as
/// JavaScript's `String()`.
pub(crate) fn print(value: &Value) -> String {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => String::new(),
        _ => js_string(value),
    }
}

/// JavaScript's `String(value)`.
pub(crate) fn js_string(value: &Value) -> String {
    match value.kind() {
        ValueKind::Undefined => "undefined".into(),
        ValueKind::None => "null".into(),
        ValueKind::Bool => if value.is_true() { "true" } else { "false" }.into(),
        ValueKind::Number => number_text(value),
        ValueKind::String => value.as_str().unwrap_or_default().to_owned(),
        ValueKind::Bytes => String::from_utf8_lossy(value.as_bytes().unwrap_or_default()).into(),
        ValueKind::Map => "[object Object]".into(),
        ValueKind::Seq | ValueKind::Iterable => match value.try_iter() {
            Ok(items) => join_items(items.collect::<Vec<_>>().iter(), ","),
            Err(_) => String::new(),
        },
        _ => value.to_string(),
    }
}

/// `Array.prototype.join`: `null` and `undefined` items become empty strings.
pub(crate) fn join_items<'a>(items: impl Iterator<Item = &'a Value>, separator: &str) -> String {
    let mut out = String::new();
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        out.push_str(&print(item));
    }
    out
}

fn number_text(value: &Value) -> String {
    if value.is_integer() {
        return value.to_string();
    }
    match f64::try_from(value.clone()) {
        Ok(f) => number_string(f),
        Err(_) => value.to_string(),
    }
}

/// `Number.prototype.toString()`: the shortest digits that read back to the same number,
/// without `.0`, in exponent form only below 1e-6 and from 1e21.
pub(crate) fn number_string(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if f == 0.0 {
        return "0".into();
    }
    let sign = if f < 0.0 { "-" } else { "" };
    // Rust's `{:e}` gives the shortest round-trip digits, as ECMAScript requires.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let k = digits.len() as i32;
    let n = exponent.parse::<i32>().unwrap_or(0) + 1;
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let exp = n - 1;
        let exp_sign = if exp < 0 { '-' } else { '+' };
        if k == 1 {
            format!("{digits}e{exp_sign}{}", exp.abs())
        } else {
            format!("{}.{}e{exp_sign}{}", &digits[..1], &digits[1..], exp.abs())
        }
    };
    format!("{sign}{body}")
}

/// `JSON.stringify(value, null, indent)`; `None` where JavaScript returns `undefined`.
pub(crate) fn json_stringify(value: &Value, indent: &str) -> Option<String> {
    let json = to_json(value)?;
    let mut out = String::new();
    write_json(&json, indent, 0, &mut out);
    Some(out)
}

/// Writes JSON exactly as `JSON.stringify` lays it out.
pub(crate) fn write_json(value: &serde_json::Value, indent: &str, depth: usize, out: &mut String) {
    match value {
        serde_json::Value::Null => out.push_str("null"),
        serde_json::Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => out.push_str(&i.to_string()),
            (_, Some(u)) => out.push_str(&u.to_string()),
            _ => out.push_str(&number_string(n.as_f64().unwrap_or(f64::NAN))),
        },
        serde_json::Value::String(s) => quote_json(s, out),
        serde_json::Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(indent, depth + 1, out);
                write_json(item, indent, depth + 1, out);
            }
            newline(indent, depth, out);
            out.push(']');
        }
        serde_json::Value::Object(map) => {
            if map.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(indent, depth + 1, out);
                quote_json(k, out);
                out.push(':');
                if !indent.is_empty() {
                    out.push(' ');
                }
                write_json(v, indent, depth + 1, out);
            }
            newline(indent, depth, out);
            out.push('}');
        }
    }
}

fn newline(indent: &str, depth: usize, out: &mut String) {
    if !indent.is_empty() {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(indent);
        }
    }
}

/// A JSON string literal as `JSON.stringify` escapes it.
pub(crate) fn quote_json(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// JavaScript truthiness, as Backstage's `isTruthy` extends it: empty arrays are false.
pub(crate) fn json_is_truthy(value: Option<&serde_json::Value>) -> bool {
    match value {
        None | Some(serde_json::Value::Null) => false,
        Some(serde_json::Value::Bool(b)) => *b,
        Some(serde_json::Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Some(serde_json::Value::String(s)) => !s.is_empty(),
        Some(serde_json::Value::Array(items)) => !items.is_empty(),
        Some(serde_json::Value::Object(_)) => true,
    }
}

/// The JavaScript string of a JSON value, as template-literal interpolation gives it.
pub(crate) fn json_display(value: &serde_json::Value) -> String {
    print(&from_json(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_javascript_does() {
        let cases = [
            (1.0, "1"),
            (2.5, "2.5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1.0 / 3.0, "0.3333333333333333"),
            (1e21, "1e+21"),
            (123456789012345680000.0, "123456789012345680000"),
            (1e-7, "1e-7"),
            (0.000001, "0.000001"),
            (-1.5e-9, "-1.5e-9"),
            (f64::INFINITY, "Infinity"),
            (-0.0, "0"),
            (1.2345e25, "1.2345e+25"),
        ];
        for (f, expected) in cases {
            assert_eq!(number_string(f), expected, "{f}");
        }
    }

    #[test]
    fn containers_print_as_javascript_string() {
        let value = from_json(&serde_json::json!([1, null, "x", [2, 3], {"a": 1}]));
        assert_eq!(print(&value), "1,,x,2,3,[object Object]");
        assert_eq!(print(&Value::from(())), "");
        assert_eq!(js_string(&Value::from(())), "null");
    }

    #[test]
    fn integer_like_keys_come_first() {
        let value = from_json(&serde_json::json!({"b": 1, "2": 2, "a": 3, "1": 4, "01": 5}));
        assert_eq!(
            json_stringify(&value, "").as_deref(),
            Some(r#"{"1":4,"2":2,"b":1,"a":3,"01":5}"#)
        );
    }

    #[test]
    fn stringify_lays_out_like_javascript() {
        let value = from_json(&serde_json::json!({"a": [1, {"b": "x\n\u{1}"}], "e": {}}));
        assert_eq!(
            json_stringify(&value, "  ").as_deref(),
            Some(
                "{\n  \"a\": [\n    1,\n    {\n      \"b\": \"x\\n\\u0001\"\n    }\n  ],\n  \"e\": {}\n}"
            )
        );
        assert_eq!(json_stringify(&Value::UNDEFINED, ""), None);
    }
}
