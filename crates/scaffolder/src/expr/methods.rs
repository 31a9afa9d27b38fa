//! JavaScript methods real templates call on values (`name.replace('-', '_')`,
//! `url.split('/')`, `tags.join(', ')`), and with cookiecutterCompat the Python-style
//! methods Nunjucks' jinja-compat layer adds (`dict.items()`).

use minijinja::value::{Value, ValueKind};
use minijinja::{Error, ErrorKind, State};

use super::js::{self, JsArray};
use super::regex_literal::{self, RegexLiteral};

/// The callback minijinja calls for a method it does not know.
pub(crate) fn call(
    compat: bool,
    _state: &mut State,
    value: &Value,
    method: &str,
    args: &[Value],
) -> Result<Value, Error> {
    let result = match value.kind() {
        ValueKind::String => string_method(value.as_str().unwrap_or_default(), method, args),
        ValueKind::Seq | ValueKind::Iterable => {
            let items: Vec<Value> = value.try_iter()?.collect();
            array_method(&items, method, args, compat)
        }
        ValueKind::Number => number_method(value, method, args),
        ValueKind::Map => map_method(value, method, args, compat)?,
        ValueKind::Bool if method == "toString" => Some(Value::from(js::js_string(value))),
        _ => None,
    };
    result.ok_or_else(|| {
        Error::new(
            ErrorKind::UnknownMethod,
            format!(
                "Unable to call `{method}` on {}: Nunjucks would fail here too, or it is a JavaScript method Greenroom does not provide",
                describe(value)
            ),
        )
    })
}

fn describe(value: &Value) -> &'static str {
    match value.kind() {
        ValueKind::Undefined => "an undefined value",
        ValueKind::None => "null",
        ValueKind::String => "a string",
        ValueKind::Number => "a number",
        ValueKind::Seq | ValueKind::Iterable => "an array",
        ValueKind::Map => "an object",
        _ => "this value",
    }
}

fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::UNDEFINED)
}

fn arg_str(args: &[Value], i: usize) -> String {
    js::js_string(&arg(args, i))
}

/// JavaScript's `ToIntegerOrInfinity` clamped for index arguments.
fn arg_int(args: &[Value], i: usize) -> Option<i64> {
    let v = args.get(i)?;
    if v.is_undefined() {
        return None;
    }
    Some(match v.as_i64() {
        Some(n) => n,
        None => {
            f64::try_from(v.clone()).map_or(0, |f| if f.is_nan() { 0 } else { f.trunc() as i64 })
        }
    })
}

/// A relative index (`slice(-2)`) resolved against a length.
fn relative(index: i64, len: usize) -> usize {
    if index < 0 {
        len.saturating_sub(index.unsigned_abs() as usize)
    } else {
        (index as usize).min(len)
    }
}

fn string_array(items: impl IntoIterator<Item = String>) -> Value {
    Value::from_object(JsArray(items.into_iter().map(Value::from).collect()))
}

fn string_method(text: &str, method: &str, args: &[Value]) -> Option<Value> {
    let chars: Vec<char> = text.chars().collect();
    let len = chars.len();
    let slice = |a: usize, b: usize| -> String { chars[a.min(b)..b.max(a)].iter().collect() };
    let find_at = |needle: &str, from: usize| -> Option<usize> {
        let byte_from = text.char_indices().nth(from).map_or(text.len(), |(b, _)| b);
        text[byte_from..]
            .find(needle)
            .map(|b| text[..byte_from + b].chars().count())
    };
    Some(match method {
        "replace" | "replaceAll" => {
            let pattern = arg(args, 0);
            let replacement = arg_str(args, 1);
            if let Some(re) = pattern.downcast_object_ref::<RegexLiteral>() {
                Value::from(regex_literal::replace_regex(text, re, &replacement))
            } else if method == "replaceAll" {
                Value::from(text.replace(&js::js_string(&pattern), &replacement))
            } else {
                Value::from(regex_literal::replace_first(
                    text,
                    &js::js_string(&pattern),
                    &replacement,
                ))
            }
        }
        "split" => {
            let separator = arg(args, 0);
            let limit = arg_int(args, 1).map_or(usize::MAX, |l| l.max(0) as usize);
            let parts: Vec<String> = if separator.is_undefined() {
                vec![text.to_owned()]
            } else if let Some(re) = separator.downcast_object_ref::<RegexLiteral>() {
                re.regex.split(text).map(str::to_owned).collect()
            } else {
                let sep = js::js_string(&separator);
                if sep.is_empty() {
                    chars.iter().map(char::to_string).collect()
                } else {
                    text.split(sep.as_str()).map(str::to_owned).collect()
                }
            };
            string_array(parts.into_iter().take(limit))
        }
        "toUpperCase" | "toLocaleUpperCase" => Value::from(text.to_uppercase()),
        "toLowerCase" | "toLocaleLowerCase" => Value::from(text.to_lowercase()),
        "trim" => Value::from(text.trim()),
        "trimStart" | "trimLeft" => Value::from(text.trim_start()),
        "trimEnd" | "trimRight" => Value::from(text.trim_end()),
        "startsWith" => {
            let from = arg_int(args, 1).map_or(0, |p| relative(p.max(0), len));
            Value::from(slice(from, len).starts_with(&arg_str(args, 0)))
        }
        "endsWith" => {
            let end = arg_int(args, 1).map_or(len, |p| relative(p.max(0), len));
            Value::from(slice(0, end).ends_with(&arg_str(args, 0)))
        }
        "includes" => Value::from(text.contains(&arg_str(args, 0))),
        "indexOf" => {
            let from = arg_int(args, 1).map_or(0, |p| relative(p.max(0), len));
            Value::from(find_at(&arg_str(args, 0), from).map_or(-1, |i| i as i64))
        }
        "lastIndexOf" => {
            let needle = arg_str(args, 0);
            Value::from(
                text.rfind(&needle)
                    .map_or(-1, |b| text[..b].chars().count() as i64),
            )
        }
        "slice" => {
            let start = arg_int(args, 0).map_or(0, |s| relative(s, len));
            let end = arg_int(args, 1).map_or(len, |e| relative(e, len));
            Value::from(if start < end {
                slice(start, end)
            } else {
                String::new()
            })
        }
        "substring" => {
            let clamp = |v: Option<i64>, d: usize| v.map_or(d, |v| v.clamp(0, len as i64) as usize);
            Value::from(slice(
                clamp(arg_int(args, 0), 0),
                clamp(arg_int(args, 1), len),
            ))
        }
        "substr" => {
            let start = arg_int(args, 0).map_or(0, |s| relative(s, len));
            let count = arg_int(args, 1).map_or(len, |c| c.max(0) as usize);
            Value::from(slice(start, (start + count).min(len)))
        }
        "charAt" => {
            let i = arg_int(args, 0).unwrap_or(0);
            Value::from(
                usize::try_from(i)
                    .ok()
                    .and_then(|i| chars.get(i))
                    .map_or(String::new(), char::to_string),
            )
        }
        "at" => {
            let i = arg_int(args, 0).unwrap_or(0);
            let i = if i < 0 { len as i64 + i } else { i };
            usize::try_from(i)
                .ok()
                .and_then(|i| chars.get(i))
                .map_or(Value::UNDEFINED, |c| Value::from(c.to_string()))
        }
        "padStart" | "padEnd" => {
            let target = arg_int(args, 0).unwrap_or(0).max(0) as usize;
            let fill = if args.len() > 1 {
                arg_str(args, 1)
            } else {
                " ".into()
            };
            if target <= len || fill.is_empty() {
                Value::from(text)
            } else {
                let pad: String = fill.chars().cycle().take(target - len).collect();
                Value::from(if method == "padStart" {
                    format!("{pad}{text}")
                } else {
                    format!("{text}{pad}")
                })
            }
        }
        "repeat" => {
            Value::from(text.repeat(arg_int(args, 0).unwrap_or(0).clamp(0, 100_000) as usize))
        }
        "concat" => Value::from(
            args.iter()
                .fold(text.to_owned(), |acc, a| acc + &js::js_string(a)),
        ),
        "toString" | "valueOf" | "normalize" => Value::from(text),
        "match" => return Some(match_regex(text, &arg(args, 0))),
        "search" => {
            let pattern = arg(args, 0);
            let re = pattern.downcast_object_ref::<RegexLiteral>()?;
            Value::from(
                re.regex
                    .find(text)
                    .map_or(-1, |m| text[..m.start()].chars().count() as i64),
            )
        }
        _ => return None,
    })
}

fn match_regex(text: &str, pattern: &Value) -> Value {
    let Some(re) = pattern.downcast_object_ref::<RegexLiteral>() else {
        let needle = js::js_string(pattern);
        return if text.contains(&needle) {
            string_array([needle])
        } else {
            Value::from(())
        };
    };
    if re.global() {
        let found: Vec<String> = re
            .regex
            .find_iter(text)
            .map(|m| m.as_str().to_owned())
            .collect();
        if found.is_empty() {
            Value::from(())
        } else {
            string_array(found)
        }
    } else {
        match re.regex.captures(text) {
            Some(caps) => Value::from_object(JsArray(
                caps.iter()
                    .map(|m| m.map_or(Value::UNDEFINED, |m| Value::from(m.as_str())))
                    .collect(),
            )),
            None => Value::from(()),
        }
    }
}

fn array_method(items: &[Value], method: &str, args: &[Value], compat: bool) -> Option<Value> {
    let len = items.len();
    let position = |needle: &Value| items.iter().position(|i| i == needle);
    Some(match method {
        "join" => {
            let separator = if args.first().is_some_and(|a| !a.is_undefined()) {
                arg_str(args, 0)
            } else {
                ",".into()
            };
            Value::from(js::join_items(items.iter(), &separator))
        }
        "includes" => Value::from(position(&arg(args, 0)).is_some()),
        "indexOf" => Value::from(position(&arg(args, 0)).map_or(-1, |i| i as i64)),
        "lastIndexOf" => {
            let needle = arg(args, 0);
            Value::from(
                items
                    .iter()
                    .rposition(|i| *i == needle)
                    .map_or(-1, |i| i as i64),
            )
        }
        "slice" => {
            let start = arg_int(args, 0).map_or(0, |s| relative(s, len));
            let end = arg_int(args, 1).map_or(len, |e| relative(e, len));
            Value::from_object(JsArray(if start < end {
                items[start..end].to_vec()
            } else {
                Vec::new()
            }))
        }
        "concat" => {
            let mut all = items.to_vec();
            for a in args {
                match a.kind() {
                    ValueKind::Seq | ValueKind::Iterable => all.extend(a.try_iter().ok()?),
                    _ => all.push(a.clone()),
                }
            }
            Value::from_object(JsArray(all))
        }
        "at" => {
            let i = arg_int(args, 0).unwrap_or(0);
            let i = if i < 0 { len as i64 + i } else { i };
            usize::try_from(i)
                .ok()
                .and_then(|i| items.get(i))
                .cloned()
                .unwrap_or(Value::UNDEFINED)
        }
        "reverse" => Value::from_object(JsArray(items.iter().rev().cloned().collect())),
        "toString" => Value::from(js::join_items(items.iter(), ",")),
        // jinja-compat list methods that do not change the list.
        "count" if compat => Value::from(items.iter().filter(|i| **i == arg(args, 0)).count()),
        "index" if compat => Value::from(position(&arg(args, 0))?),
        "find" if compat => Value::from(position(&arg(args, 0)).map_or(-1, |i| i as i64)),
        _ => return None,
    })
}

fn number_method(value: &Value, method: &str, args: &[Value]) -> Option<Value> {
    let f = f64::try_from(value.clone()).ok()?;
    Some(match method {
        "toString" => Value::from(js::js_string(value)),
        "toFixed" => {
            let digits = arg_int(args, 0).unwrap_or(0).clamp(0, 100) as usize;
            Value::from(format!("{f:.digits$}"))
        }
        _ => return None,
    })
}

fn map_method(
    value: &Value,
    method: &str,
    args: &[Value],
    compat: bool,
) -> Result<Option<Value>, Error> {
    let entries = || -> Result<Vec<(Value, Value)>, Error> {
        value
            .try_iter()?
            .map(|k| Ok((k.clone(), value.get_item(&k)?)))
            .collect()
    };
    Ok(Some(match method {
        "hasOwnProperty" => Value::from(
            value
                .get_item(&arg(args, 0))
                .is_ok_and(|v| !v.is_undefined()),
        ),
        "toString" => Value::from("[object Object]"),
        "items" | "iteritems" if compat => Value::from_object(JsArray(
            entries()?
                .into_iter()
                .map(|(k, v)| Value::from_object(JsArray(vec![k, v])))
                .collect(),
        )),
        "keys" | "iterkeys" if compat => {
            Value::from_object(JsArray(entries()?.into_iter().map(|(k, _)| k).collect()))
        }
        "values" | "itervalues" if compat => {
            Value::from_object(JsArray(entries()?.into_iter().map(|(_, v)| v).collect()))
        }
        "get" if compat => {
            let found = value.get_item(&arg(args, 0)).unwrap_or(Value::UNDEFINED);
            if found.is_undefined() {
                args.get(1).cloned().unwrap_or(Value::from(()))
            } else {
                found
            }
        }
        "has_key" if compat => Value::from(
            value
                .get_item(&arg(args, 0))
                .is_ok_and(|v| !v.is_undefined()),
        ),
        _ => return Ok(None),
    }))
}
