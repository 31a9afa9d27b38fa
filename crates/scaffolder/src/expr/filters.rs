//! Filters and helper functions: Backstage's four (`parseRepoUrl`, `parseEntityRef`, `pick`,
//! `projectSlug`) and the Nunjucks built-ins whose results differ from minijinja's
//! (`dump`, `title`, `indent`, `replace`, `join`, `length`, `default`, ...), written to
//! give Nunjucks 3.2.4's output.

use std::sync::{Arc, Mutex};

use greenroom_catalog::EntityRef;
use minijinja::value::{Object, Rest, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State};

use super::js::{self, JsArray, JsObject};
use super::regex_literal::{self, RegexLiteral};
use super::repo_url::{Integrations, parse_repo_url};

/// Registers every filter and helper function on an environment.
pub(crate) fn register(env: &mut Environment<'static>, integrations: Arc<Integrations>) {
    let hosts = integrations.clone();
    env.add_filter("parseRepoUrl", move |url: Value| -> Result<Value, Error> {
        let spec = parse_repo_url(&js::js_string(&url), &hosts).map_err(input_error)?;
        Ok(js::from_json(&spec.to_json()))
    });
    let hosts = integrations;
    env.add_filter("projectSlug", move |url: Value| -> Result<Value, Error> {
        let spec = parse_repo_url(&js::js_string(&url), &hosts).map_err(input_error)?;
        // A template literal prints a missing owner as "undefined".
        let owner = spec.owner.unwrap_or_else(|| "undefined".into());
        Ok(Value::from(format!("{owner}/{}", spec.repo)))
    });
    env.add_filter("parseEntityRef", parse_entity_ref);
    env.add_filter("pick", pick);
    env.add_filter("dump", dump);
    env.add_filter("jsonify", dump);
    env.add_filter("title", |v: Value| Value::from(title(&text_or_empty(&v))));
    env.add_filter("capitalize", |v: Value| {
        Value::from(capitalize(&text_or_empty(&v)))
    });
    env.add_filter("lower", |v: Value| {
        Value::from(text_or_empty(&v).to_lowercase())
    });
    env.add_filter("upper", |v: Value| {
        Value::from(text_or_empty(&v).to_uppercase())
    });
    env.add_filter("trim", |v: Value| {
        Value::from(js::print(&v).trim().to_owned())
    });
    env.add_filter("indent", indent);
    env.add_filter("replace", replace);
    env.add_filter("join", join);
    env.add_filter("length", |v: Value| length(&v));
    env.add_filter("count", |v: Value| length(&v));
    env.add_filter("default", default);
    env.add_filter("d", default);
    env.add_filter("string", |v: Value| Value::from(js::js_string(&v)));
    env.add_filter("first", |v: Value| index_of_end(&v, false));
    env.add_filter("last", |v: Value| index_of_end(&v, true));
    env.add_filter("escape", escape);
    env.add_filter("e", escape);
    env.add_filter("forceescape", escape);
    env.add_filter("truncate", truncate);
    env.add_filter("wordcount", |v: Value| {
        // JavaScript's `str.match(/\w+/g).length`; `\w` is ASCII only.
        let text = text_or_empty(&v);
        let words = text
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .count();
        if words == 0 {
            Value::from(())
        } else {
            Value::from(words)
        }
    });
    env.add_filter("nl2br", |v: Value| {
        if v.is_undefined() || v.is_none() {
            return Value::from("");
        }
        Value::from(
            js::js_string(&v)
                .replace("\r\n", "\n")
                .replace('\n', "<br />\n"),
        )
    });
    env.add_filter("center", center);
    env.add_filter("urlencode", urlencode);
    env.add_function("cycler", |items: Rest<Value>| {
        Value::from_object(Cycler::new(items.0))
    });
    env.add_function("joiner", |separator: Option<Value>| {
        let separator = separator
            .filter(Value::is_true)
            .map_or(",".into(), |s| js::js_string(&s));
        Value::from_object(Joiner {
            separator,
            first: Mutex::new(true),
        })
    });
    env.add_function("nj_add", nj_add);
    env.add_function("nj_length", nj_length);
    env.add_function("nj_iter", nj_iter);
    env.add_function("nj_regex", regex_literal::nj_regex);
}

fn input_error(message: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, message)
}

/// Nunjucks' `normalize(value, '')` followed by string use.
fn text_or_empty(value: &Value) -> String {
    if value.is_undefined()
        || value.is_none()
        || (value.kind() == ValueKind::Bool && !value.is_true())
    {
        String::new()
    } else {
        js::js_string(value)
    }
}

fn parse_entity_ref(reference: Value, context: Option<Value>) -> Result<Value, Error> {
    let option = |key: &str| {
        context
            .as_ref()
            .and_then(|c| c.get_attr(key).ok())
            .filter(|v| !v.is_undefined() && !v.is_none())
            .map(|v| js::js_string(&v))
    };
    let default_kind = option("defaultKind");
    let default_namespace = option("defaultNamespace").unwrap_or_default();
    let parsed = if let Some(text) = reference.as_str() {
        EntityRef::parse(text, default_kind.as_deref(), &default_namespace)
            .map_err(|e| input_error(e.to_string()))?
    } else if reference.kind() == ValueKind::Map {
        let part = |key: &str| {
            reference
                .get_attr(key)
                .ok()
                .filter(|v| !v.is_undefined() && !v.is_none())
                .map(|v| js::js_string(&v))
        };
        let name =
            part("name").ok_or_else(|| input_error("Entity reference must have a name".into()))?;
        let kind = part("kind").or(default_kind).ok_or_else(|| {
            input_error(format!(
                "Entity reference \"{name}\" had missing or empty kind (e.g. did not start with \"component:\" or similar)"
            ))
        })?;
        let namespace = part("namespace")
            .or(Some(default_namespace).filter(|n| !n.is_empty()))
            .unwrap_or_else(|| greenroom_catalog::DEFAULT_NAMESPACE.into());
        EntityRef::new(kind, namespace, name)
    } else {
        return Err(input_error(format!(
            "Unable to parse entity ref \"{}\"",
            js::js_string(&reference)
        )));
    };
    Ok(Value::from_object(JsObject(vec![
        ("kind".into(), Value::from(parsed.kind)),
        ("namespace".into(), Value::from(parsed.namespace)),
        ("name".into(), Value::from(parsed.name)),
    ])))
}

/// lodash `get(object, path)`: `a.b[0].c` or `a["b"]`.
fn pick(object: Value, path: Value) -> Value {
    let mut current = object;
    for segment in path_segments(&js::js_string(&path)) {
        if current.is_undefined() || current.is_none() {
            return Value::UNDEFINED;
        }
        current = match current.kind() {
            ValueKind::Seq | ValueKind::Iterable => match segment.parse::<usize>() {
                Ok(i) => current
                    .get_item(&Value::from(i))
                    .unwrap_or(Value::UNDEFINED),
                Err(_) if segment == "length" => nj_length(current),
                Err(_) => Value::UNDEFINED,
            },
            ValueKind::String if segment == "length" => nj_length(current),
            _ => current.get_attr(&segment).unwrap_or(Value::UNDEFINED),
        };
    }
    current
}

fn path_segments(path: &str) -> Vec<String> {
    let mut segments = Vec::new();
    let mut current = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => segments.push(std::mem::take(&mut current)),
            '[' => {
                if !current.is_empty() {
                    segments.push(std::mem::take(&mut current));
                }
                let mut inner = String::new();
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                    inner.push(c);
                }
                let inner = inner.trim();
                let unquoted = inner
                    .strip_prefix('"')
                    .and_then(|s| s.strip_suffix('"'))
                    .or_else(|| inner.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
                    .unwrap_or(inner);
                segments.push(unquoted.to_owned());
                if chars.peek() == Some(&'.') {
                    chars.next();
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() || segments.is_empty() {
        segments.push(current);
    }
    segments
}

/// `JSON.stringify(value, null, spaces)`; `undefined` prints nothing.
fn dump(value: Value, spaces: Option<Value>) -> Value {
    let indent = match &spaces {
        Some(v) if v.is_number() => " ".repeat(v.as_usize().unwrap_or(0).min(10)),
        Some(v) if v.as_str().is_some() => {
            v.as_str().unwrap_or_default().chars().take(10).collect()
        }
        _ => String::new(),
    };
    match js::json_stringify(&value, &indent) {
        Some(text) => Value::from(text),
        None => Value::UNDEFINED,
    }
}

fn capitalize(text: &str) -> String {
    let lower = text.to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Nunjucks' `title`: capitalises each space-separated word (hyphens do not split).
fn title(text: &str) -> String {
    text.split(' ')
        .map(capitalize)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Nunjucks' `indent(width=4, indentfirst=false)`, which also indents blank lines.
fn indent(value: Value, width: Option<Value>, first: Option<Value>) -> Value {
    let text = text_or_empty(&value);
    if text.is_empty() {
        return Value::from("");
    }
    let width = width
        .and_then(|w| w.as_usize())
        .filter(|&w| w > 0)
        .unwrap_or(4);
    let pad = " ".repeat(width);
    let indent_first = first.is_some_and(|f| f.is_true());
    let lines: Vec<String> = text
        .split('\n')
        .enumerate()
        .map(|(i, line)| {
            if i == 0 && !indent_first {
                line.to_owned()
            } else {
                format!("{pad}{line}")
            }
        })
        .collect();
    Value::from(lines.join("\n"))
}

/// Nunjucks' `replace(old, new, maxCount)`: every occurrence of a string (or a regex literal
/// with JavaScript's rules).
fn replace(value: Value, old: Value, new: Value, max_count: Option<Value>) -> Result<Value, Error> {
    if let Some(pattern) = old.downcast_object_ref::<RegexLiteral>() {
        return Ok(Value::from(regex_literal::replace_regex(
            &js::js_string(&value),
            pattern,
            &js::js_string(&new),
        )));
    }
    let old = match old.kind() {
        ValueKind::Number | ValueKind::String => js::js_string(&old),
        _ => return Ok(value),
    };
    let text = match value.kind() {
        ValueKind::Number | ValueKind::String => js::js_string(&value),
        _ => return Ok(value),
    };
    let new = js::js_string(&new);
    if old.is_empty() {
        let mut out = new.clone();
        for c in text.chars() {
            out.push(c);
            out.push_str(&new);
        }
        return Ok(Value::from(out));
    }
    let max = max_count.and_then(|m| m.as_i64()).unwrap_or(-1);
    if max == 0 {
        return Ok(Value::from(text));
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    let mut count = 0;
    while let Some(at) = rest.find(&old) {
        if max >= 0 && count >= max {
            break;
        }
        out.push_str(&rest[..at]);
        out.push_str(&new);
        rest = &rest[at + old.len()..];
        count += 1;
    }
    out.push_str(rest);
    Ok(Value::from(out))
}

/// Nunjucks' `join(separator='', attribute)`.
fn join(value: Value, separator: Option<Value>, attribute: Option<Value>) -> Result<Value, Error> {
    let separator = separator
        .filter(|s| s.is_true())
        .map(|s| js::js_string(&s))
        .unwrap_or_default();
    let items: Vec<Value> = match value.kind() {
        ValueKind::Seq | ValueKind::Iterable => value.try_iter()?.collect(),
        ValueKind::Undefined | ValueKind::None => {
            return Err(input_error(
                "Cannot read properties of undefined (reading 'join')".into(),
            ));
        }
        _ => return Ok(Value::from(js::js_string(&value))),
    };
    let items: Vec<Value> = match attribute.filter(|a| a.is_true()) {
        Some(attr) => items
            .iter()
            .map(|item| item.get_item(&attr).unwrap_or(Value::UNDEFINED))
            .collect(),
        None => items,
    };
    Ok(Value::from(js::join_items(items.iter(), &separator)))
}

/// Nunjucks' `length`: characters of a string, items of an array, keys of an object, 0 for
/// nothing.
fn length(value: &Value) -> Value {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => Value::from(0),
        ValueKind::Bool if !value.is_true() => Value::from(0),
        ValueKind::String => Value::from(utf16_len(value.as_str().unwrap_or_default())),
        ValueKind::Seq | ValueKind::Map | ValueKind::Iterable => Value::from(
            value
                .len()
                .unwrap_or_else(|| value.try_iter().map_or(0, Iterator::count)),
        ),
        // A number has no length in JavaScript.
        _ => Value::UNDEFINED,
    }
}

fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// Nunjucks' `default(value, default, boolean)`: only `undefined` is replaced unless the
/// third argument asks for any false value.
fn default(value: Value, fallback: Option<Value>, boolean: Option<Value>) -> Value {
    let fallback = fallback.unwrap_or(Value::UNDEFINED);
    if boolean.is_some_and(|b| b.is_true()) {
        if value.is_true() { value } else { fallback }
    } else if value.is_undefined() {
        fallback
    } else {
        value
    }
}

fn index_of_end(value: &Value, last: bool) -> Value {
    match value.kind() {
        ValueKind::String => {
            let text = value.as_str().unwrap_or_default();
            let c = if last {
                text.chars().last()
            } else {
                text.chars().next()
            };
            c.map_or(Value::UNDEFINED, Value::from)
        }
        ValueKind::Seq | ValueKind::Iterable => {
            let items: Vec<Value> = value.try_iter().map(Iterator::collect).unwrap_or_default();
            let item = if last { items.last() } else { items.first() };
            item.cloned().unwrap_or(Value::UNDEFINED)
        }
        _ => Value::UNDEFINED,
    }
}

/// Nunjucks' HTML escaping, which also escapes the backslash.
fn escape(value: Value) -> Value {
    if value.is_safe() {
        return value;
    }
    let text = if value.is_undefined() || value.is_none() {
        String::new()
    } else {
        js::js_string(&value)
    };
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' => out.push_str("&#92;"),
            c => out.push(c),
        }
    }
    Value::from_safe_string(out)
}

/// Nunjucks' `truncate(length=255, killwords=false, end='...')`.
fn truncate(
    value: Value,
    len: Option<Value>,
    killwords: Option<Value>,
    end: Option<Value>,
) -> Value {
    let text = text_or_empty(&value);
    let len = len
        .and_then(|l| l.as_usize())
        .filter(|&l| l > 0)
        .unwrap_or(255);
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= len {
        return Value::from(text);
    }
    let cut = if killwords.is_some_and(|k| k.is_true()) {
        len
    } else {
        chars[..=len.min(chars.len() - 1)]
            .iter()
            .rposition(|&c| c == ' ')
            .unwrap_or(len)
    };
    let end = end
        .filter(|e| !e.is_undefined() && !e.is_none())
        .map_or("...".into(), |e| js::js_string(&e));
    Value::from(format!("{}{end}", chars[..cut].iter().collect::<String>()))
}

fn center(value: Value, width: Option<Value>) -> Value {
    let text = text_or_empty(&value);
    let width = width
        .and_then(|w| w.as_usize())
        .filter(|&w| w > 0)
        .unwrap_or(80);
    let len = utf16_len(&text);
    if len >= width {
        return Value::from(text);
    }
    let spaces = width - len;
    // JavaScript's repeat truncates the fractional counts Nunjucks computes.
    let pre = ((spaces as f64) / 2.0 - (spaces % 2) as f64).max(0.0) as usize;
    let post = spaces / 2;
    Value::from(format!("{}{text}{}", " ".repeat(pre), " ".repeat(post)))
}

fn urlencode(value: Value) -> Result<Value, Error> {
    if let Some(text) = value.as_str() {
        return Ok(Value::from(encode_uri_component(text)));
    }
    let mut pairs = Vec::new();
    if value.kind() == ValueKind::Map {
        for key in value.try_iter()? {
            let item = value.get_item(&key)?;
            pairs.push(format!(
                "{}={}",
                encode_uri_component(&js::js_string(&key)),
                encode_uri_component(&js::js_string(&item))
            ));
        }
    } else {
        for pair in value.try_iter()? {
            let k = pair.get_item(&Value::from(0)).unwrap_or_default();
            let v = pair.get_item(&Value::from(1)).unwrap_or_default();
            pairs.push(format!(
                "{}={}",
                encode_uri_component(&js::js_string(&k)),
                encode_uri_component(&js::js_string(&v))
            ));
        }
    }
    Ok(Value::from(pairs.join("&")))
}

/// JavaScript's `encodeURIComponent`.
fn encode_uri_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// JavaScript's `+`: numbers add, anything else joins as strings.
fn nj_add(a: Value, b: Value) -> Result<Value, Error> {
    let stringy = |v: &Value| {
        matches!(
            v.kind(),
            ValueKind::String
                | ValueKind::Seq
                | ValueKind::Map
                | ValueKind::Iterable
                | ValueKind::Plain
                | ValueKind::Bytes
        )
    };
    if stringy(&a) || stringy(&b) {
        return Ok(Value::from(format!(
            "{}{}",
            js::js_string(&a),
            js::js_string(&b)
        )));
    }
    if let (Some(x), Some(y)) = (int_of(&a), int_of(&b))
        && let Some(sum) = x.checked_add(y)
    {
        return Ok(Value::from(sum));
    }
    Ok(Value::from(number_of(&a) + number_of(&b)))
}

fn int_of(v: &Value) -> Option<i64> {
    match v.kind() {
        ValueKind::Number if v.is_integer() => v.as_i64(),
        ValueKind::Bool => Some(i64::from(v.is_true())),
        ValueKind::None => Some(0),
        _ => None,
    }
}

/// JavaScript's `Number(value)` for the primitive values `+` can meet.
fn number_of(v: &Value) -> f64 {
    match v.kind() {
        ValueKind::Number => f64::try_from(v.clone()).unwrap_or(f64::NAN),
        ValueKind::Bool => f64::from(u8::from(v.is_true())),
        ValueKind::None => 0.0,
        _ => f64::NAN,
    }
}

/// `x.length`: a string's or array's length, or an object's own `length` value.
fn nj_length(value: Value) -> Value {
    match value.kind() {
        ValueKind::String => Value::from(utf16_len(value.as_str().unwrap_or_default())),
        ValueKind::Seq | ValueKind::Iterable => Value::from(
            value
                .len()
                .unwrap_or_else(|| value.try_iter().map_or(0, Iterator::count)),
        ),
        ValueKind::Undefined | ValueKind::None => Value::UNDEFINED,
        _ => value.get_attr("length").unwrap_or(Value::UNDEFINED),
    }
}

/// What a Nunjucks `for` loop walks: with two or more names an object gives its entries,
/// with one name an object gives nothing; a string gives its characters.
fn nj_iter(value: Value, names: usize) -> Result<Value, Error> {
    Ok(match value.kind() {
        ValueKind::Map if names >= 2 => {
            let mut pairs = Vec::new();
            for key in value.try_iter()? {
                let item = value.get_item(&key)?;
                pairs.push(Value::from_object(JsArray(vec![key, item])));
            }
            Value::from_object(JsArray(pairs))
        }
        ValueKind::Map
        | ValueKind::Undefined
        | ValueKind::None
        | ValueKind::Number
        | ValueKind::Bool => Value::from_object(JsArray(Vec::new())),
        ValueKind::String => Value::from_object(JsArray(
            value
                .as_str()
                .unwrap_or_default()
                .chars()
                .map(Value::from)
                .collect(),
        )),
        _ => value,
    })
}

/// Nunjucks' `cycler(a, b, ...)`: `.next()` walks the items round, `.current` is the last.
#[derive(Debug)]
struct Cycler {
    items: Vec<Value>,
    /// Position of `current`, or `None` before the first `next()`.
    state: Mutex<Option<usize>>,
}

impl Cycler {
    fn new(items: Vec<Value>) -> Cycler {
        Cycler {
            items,
            state: Mutex::new(None),
        }
    }

    fn current(&self) -> Value {
        let state = self.state.lock().map(|s| *s).unwrap_or(None);
        state
            .and_then(|i| self.items.get(i).cloned())
            .unwrap_or(Value::from(()))
    }
}

impl Object for Cycler {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        (key.as_str() == Some("current")).then(|| self.current())
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        _args: &[Value],
    ) -> Result<Value, Error> {
        let mut state = self
            .state
            .lock()
            .map_err(|_| Error::new(ErrorKind::InvalidOperation, "cycler poisoned"))?;
        match method {
            "next" => {
                let next = state.map_or(0, |i| i + 1);
                *state = Some(if next >= self.items.len() { 0 } else { next });
            }
            "reset" => *state = None,
            _ => return Err(Error::from(ErrorKind::UnknownMethod)),
        }
        drop(state);
        Ok(if method == "next" {
            self.current()
        } else {
            Value::UNDEFINED
        })
    }
}

/// Nunjucks' `joiner(sep)`: a function giving "" the first time and `sep` after.
#[derive(Debug)]
struct Joiner {
    separator: String,
    first: Mutex<bool>,
}

impl Object for Joiner {
    fn call(self: &Arc<Self>, _state: &mut State<'_, '_>, _args: &[Value]) -> Result<Value, Error> {
        let mut first = self
            .first
            .lock()
            .map_err(|_| Error::new(ErrorKind::InvalidOperation, "joiner poisoned"))?;
        let out = if *first {
            String::new()
        } else {
            self.separator.clone()
        };
        *first = false;
        Ok(Value::from(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lodash_paths_split_like_lodash() {
        assert_eq!(path_segments("a.b[0].c"), vec!["a", "b", "0", "c"]);
        assert_eq!(path_segments("a[\"x.y\"]"), vec!["a", "x.y"]);
        assert_eq!(path_segments("name"), vec!["name"]);
    }

    #[test]
    fn title_and_indent_follow_nunjucks() {
        assert_eq!(title("my-svc x"), "My-svc X");
        assert_eq!(
            indent(Value::from("a\n\nb"), Some(Value::from(2)), None).as_str(),
            Some("a\n  \n  b")
        );
    }

    #[test]
    fn addition_follows_javascript() {
        let add = |a: Value, b: Value| js::print(&nj_add(a, b).expect("adds"));
        assert_eq!(add(Value::from("a"), Value::from(1)), "a1");
        assert_eq!(add(Value::from(1), Value::from(2)), "3");
        assert_eq!(add(Value::UNDEFINED, Value::from("/")), "undefined/");
        assert_eq!(add(Value::from(1.5), Value::from(1)), "2.5");
        assert_eq!(add(Value::UNDEFINED, Value::from(1)), "NaN");
    }
}
