//! Writes YAML as npm `yaml` 2's `stringify` does with its defaults, which Backstage's
//! `catalog:write` uses: block style, two-space indent, sequences indented under their key,
//! plain scalars where the core schema reads them back as strings, double quotes otherwise,
//! `|` blocks for multi-line text, and lines folded at 80 columns.
//!
//! Not reproduced: `>` folded blocks, which npm `yaml` picks for multi-line text with a line
//! longer than the width; such text is written as a `|` block, which reads back the same.

use serde_json::Value;

const LINE_WIDTH: usize = 80;
const MIN_CONTENT_WIDTH: usize = 20;
const INDENT_STEP: &str = "  ";

/// A YAML document for a JSON value.
pub(crate) fn stringify(value: &Value) -> String {
    let ctx = Ctx {
        indent: String::new(),
        indent_at_start: None,
        implicit_key: false,
        force_block_indent: false,
    };
    format!("{}\n", node(value, &ctx))
}

#[derive(Clone)]
struct Ctx {
    indent: String,
    indent_at_start: Option<usize>,
    implicit_key: bool,
    force_block_indent: bool,
}

fn node(value: &Value, ctx: &Ctx) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => crate::expr::js::number_string(f),
            _ => n.to_string(),
        },
        Value::String(s) => string(s, ctx),
        Value::Array(items) => {
            if items.is_empty() {
                return "[]".into();
            }
            let item_ctx = Ctx {
                indent: format!("{}{INDENT_STEP}", ctx.indent),
                ..ctx.clone()
            };
            let lines: Vec<String> = items
                .iter()
                .map(|item| format!("- {}", node(item, &item_ctx)))
                .collect();
            join_lines(&lines, &ctx.indent)
        }
        Value::Object(map) => {
            if map.is_empty() {
                return "{}".into();
            }
            let lines: Vec<String> = map.iter().map(|(k, v)| pair(k, v, ctx)).collect();
            join_lines(&lines, &ctx.indent)
        }
    }
}

fn join_lines(lines: &[String], indent: &str) -> String {
    let mut out = lines[0].clone();
    for line in &lines[1..] {
        if line.is_empty() {
            out.push('\n');
        } else {
            out.push('\n');
            out.push_str(indent);
            out.push_str(line);
        }
    }
    out
}

fn pair(key: &str, value: &Value, ctx: &Ctx) -> String {
    let mut pctx = Ctx {
        indent: format!("{}{INDENT_STEP}", ctx.indent),
        implicit_key: true,
        indent_at_start: ctx.indent_at_start,
        force_block_indent: ctx.force_block_indent,
    };
    let mut out = format!("{}:", string(key, &pctx));
    pctx.implicit_key = false;
    let is_collection = matches!(value, Value::Array(_) | Value::Object(_));
    if !is_collection {
        pctx.indent_at_start = Some(out.chars().count() + 1);
    }
    let value_str = node(value, &pctx);
    let empty_collection = matches!(value, Value::Array(a) if a.is_empty())
        || matches!(value, Value::Object(o) if o.is_empty());
    let ws = if is_collection {
        if value_str.contains('\n') || !empty_collection {
            format!("\n{}", pctx.indent)
        } else {
            " ".into()
        }
    } else if value_str.is_empty() || value_str.starts_with('\n') {
        String::new()
    } else {
        " ".into()
    };
    out.push_str(&ws);
    out.push_str(&value_str);
    out
}

fn string(value: &str, ctx: &Ctx) -> String {
    let needs_double = value
        .chars()
        .any(|c| matches!(c as u32, 0x00..=0x08 | 0x0b..=0x1f | 0x7f..=0x9f));
    if needs_double {
        return double_quoted(value, ctx);
    }
    plain(value, ctx)
}

fn contains_document_marker(value: &str) -> bool {
    value
        .split('\n')
        .any(|line| line.starts_with('%') || line.starts_with("---") || line.starts_with("..."))
}

/// npm yaml's test for text that cannot be a plain scalar.
fn needs_quoting(value: &str) -> bool {
    let bytes: Vec<char> = value.chars().collect();
    let Some(&first) = bytes.first() else {
        return false;
    };
    if "\n\t ,[]{}#&*!|>'\"%@`".contains(first) {
        return true;
    }
    if (first == '?' || first == '-') && (bytes.len() == 1 || matches!(bytes[1], ' ' | '\t')) {
        return true;
    }
    for w in bytes.windows(2) {
        let (a, b) = (w[0], w[1]);
        if (matches!(a, '\n' | ':') && matches!(b, ' ' | '\t'))
            || (matches!(a, ' ' | '\t') && b == '\n')
            || (matches!(a, '\n' | '\t' | ' ') && b == '#')
        {
            return true;
        }
    }
    matches!(bytes.last(), Some('\n' | '\t' | ' ' | ':'))
}

/// Whether the core schema would read the text as something other than a string.
fn looks_like_other_type(text: &str) -> bool {
    use std::sync::OnceLock;
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(concat!(
            r"^(?:",
            r"[Tt]rue|TRUE|[Ff]alse|FALSE",
            r"|~|[Nn]ull|NULL|",
            r"|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+",
            r"|[-+]?(?:\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)",
            r"|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+",
            r"|[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)",
            r")$"
        ))
        .expect("valid regex")
    });
    re.is_match(text)
}

fn plain(value: &str, ctx: &Ctx) -> String {
    if ctx.implicit_key && value.contains('\n') {
        return quoted(value, ctx);
    }
    if needs_quoting(value) {
        return if ctx.implicit_key || !value.contains('\n') {
            quoted(value, ctx)
        } else {
            block(value, ctx)
        };
    }
    if !ctx.implicit_key && value.contains('\n') {
        return block(value, ctx);
    }
    if contains_document_marker(value) {
        if ctx.indent.is_empty() {
            let forced = Ctx {
                force_block_indent: true,
                ..ctx.clone()
            };
            return block(value, &forced);
        } else if ctx.implicit_key && ctx.indent == INDENT_STEP {
            return quoted(value, ctx);
        }
    }
    if looks_like_other_type(value) {
        return quoted(value, ctx);
    }
    if ctx.implicit_key {
        value.to_owned()
    } else {
        fold(value, &ctx.indent, Fold::Flow, ctx.indent_at_start)
    }
}

fn quoted(value: &str, ctx: &Ctx) -> String {
    let has_double = value.contains('"');
    let has_single = value.contains('\'');
    if has_double && !has_single {
        single_quoted(value, ctx)
    } else {
        double_quoted(value, ctx)
    }
}

fn single_quoted(value: &str, ctx: &Ctx) -> String {
    let space_around_newline = value.contains(" \n")
        || value.contains("\t\n")
        || value.contains("\n ")
        || value.contains("\n\t");
    if (ctx.implicit_key && value.contains('\n')) || space_around_newline {
        return double_quoted(value, ctx);
    }
    let indent = if ctx.indent.is_empty() && contains_document_marker(value) {
        INDENT_STEP.to_owned()
    } else {
        ctx.indent.clone()
    };
    let escaped = value.replace('\'', "''");
    let mut body = String::new();
    let mut chars = escaped.chars().peekable();
    while let Some(c) = chars.next() {
        body.push(c);
        if c == '\n' && chars.peek() != Some(&'\n') {
            body.push('\n');
            body.push_str(&indent);
        }
    }
    let res = format!("'{body}'");
    if ctx.implicit_key {
        res
    } else {
        fold(&res, &indent, Fold::Flow, ctx.indent_at_start)
    }
}

fn double_quoted(value: &str, ctx: &Ctx) -> String {
    let mut json = String::new();
    crate::expr::js::quote_json(value, &mut json);
    let json: Vec<char> = json.chars().collect();
    let indent = if ctx.indent.is_empty() && contains_document_marker(value) {
        INDENT_STEP.to_owned()
    } else {
        ctx.indent.clone()
    };
    let mut out = String::new();
    let mut start = 0usize;
    let mut i = 0usize;
    let slice = |a: usize, b: usize| json[a..b].iter().collect::<String>();
    while i < json.len() {
        let mut ch = json[i];
        if ch == ' ' && json.get(i + 1) == Some(&'\\') && json.get(i + 2) == Some(&'n') {
            out.push_str(&slice(start, i));
            out.push_str("\\ ");
            i += 1;
            start = i;
            ch = '\\';
        }
        if ch == '\\' {
            match json.get(i + 1) {
                Some('u') => {
                    out.push_str(&slice(start, i));
                    let code = slice(i + 2, (i + 6).min(json.len()));
                    match code.as_str() {
                        "0000" => out.push_str("\\0"),
                        "0007" => out.push_str("\\a"),
                        "000b" => out.push_str("\\v"),
                        "001b" => out.push_str("\\e"),
                        "0085" => out.push_str("\\N"),
                        "00a0" => out.push_str("\\_"),
                        "2028" => out.push_str("\\L"),
                        "2029" => out.push_str("\\P"),
                        c if c.starts_with("00") => {
                            out.push_str("\\x");
                            out.push_str(&c[2..]);
                        }
                        _ => out.push_str(&slice(i, (i + 6).min(json.len()))),
                    }
                    i += 5;
                    start = i + 1;
                }
                Some('n') => {
                    if ctx.implicit_key || json.get(i + 2) == Some(&'"') || json.len() < 40 {
                        i += 1;
                    } else {
                        out.push_str(&slice(start, i));
                        out.push_str("\n\n");
                        while json.get(i + 2) == Some(&'\\')
                            && json.get(i + 3) == Some(&'n')
                            && json.get(i + 4) != Some(&'"')
                        {
                            out.push('\n');
                            i += 2;
                        }
                        out.push_str(&indent);
                        if json.get(i + 2) == Some(&' ') {
                            out.push('\\');
                        }
                        i += 1;
                        start = i + 1;
                    }
                }
                _ => i += 1,
            }
        }
        i += 1;
    }
    let text = if start > 0 {
        out + &slice(start, json.len())
    } else {
        json.iter().collect()
    };
    if ctx.implicit_key {
        text
    } else {
        fold(&text, &indent, Fold::Quoted, ctx.indent_at_start)
    }
}

/// A `|` block scalar (see the module note on `>`).
fn block(value: &str, ctx: &Ctx) -> String {
    let trailing_blank_line = value.rfind('\n').is_some_and(|nl| {
        let tail = &value[nl + 1..];
        !tail.is_empty() && tail.chars().all(|c| c == ' ' || c == '\t')
    });
    if trailing_blank_line {
        return quoted(value, ctx);
    }
    let indent = if !ctx.indent.is_empty() {
        ctx.indent.clone()
    } else if ctx.force_block_indent || contains_document_marker(value) {
        INDENT_STEP.to_owned()
    } else {
        String::new()
    };
    if value.is_empty() {
        return "|\n".into();
    }
    let end_start = value.trim_end_matches(['\n', '\t', ' ']).len();
    let mut end = value[end_start..].to_owned();
    let chomp = match end.find('\n') {
        None => "-",
        Some(pos) if end_start == 0 || pos != end.len() - 1 => "+",
        Some(_) => "",
    };
    let mut body = value[..end_start].to_owned();
    if !end.is_empty() {
        if end.ends_with('\n') {
            end.pop();
        }
        end = indent_inner_newline_runs(&end, &indent);
    }
    let mut start_with_space = false;
    let mut start_end = 0;
    let mut start_nl = None;
    for (i, c) in body.char_indices() {
        match c {
            ' ' => start_with_space = true,
            '\n' => start_nl = Some(i),
            _ => {
                start_end = i;
                break;
            }
        }
        start_end = i + 1;
    }
    let start_len = match start_nl {
        Some(nl) if nl < start_end => nl + 1,
        _ => start_end,
    };
    let mut start = body[..start_len].to_owned();
    if !start.is_empty() {
        body = body[start_len..].to_owned();
        start = indent_newline_runs(&start, &indent);
    }
    let indent_size = if indent.is_empty() { "1" } else { "2" };
    let header = format!("{}{chomp}", if start_with_space { indent_size } else { "" });
    let body = indent_newline_runs(&body, &indent);
    format!("|{header}\n{indent}{start}{body}{end}")
}

/// `text.replace(/\n+/g, "$&" + indent)`.
fn indent_newline_runs(text: &str, indent: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '\n' && chars.peek() != Some(&'\n') {
            out.push_str(indent);
        }
    }
    out
}

/// npm yaml's `blockEndNewlines`: newline runs not at the end get the indent.
fn indent_inner_newline_runs(text: &str, indent: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\n' {
            let run_start = i;
            while i < chars.len() && chars[i] == '\n' {
                i += 1;
            }
            out.extend(&chars[run_start..i]);
            if i < chars.len() {
                out.push_str(indent);
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fold {
    Flow,
    Quoted,
}

/// npm yaml's `foldFlowLines` for plain and quoted scalars.
fn fold(text: &str, indent: &str, mode: Fold, indent_at_start: Option<usize>) -> String {
    let chars: Vec<char> = text.chars().collect();
    let indent_len = indent.chars().count();
    let min_content = MIN_CONTENT_WIDTH;
    let end_step = (1 + min_content).max((1 + LINE_WIDTH).saturating_sub(indent_len));
    if chars.len() <= end_step {
        return text.to_owned();
    }
    let mut folds: Vec<usize> = Vec::new();
    let mut escaped_folds: Vec<usize> = Vec::new();
    let mut end = LINE_WIDTH as i64 - indent_len as i64;
    if let Some(at_start) = indent_at_start {
        if at_start > LINE_WIDTH - 2.max(min_content) {
            folds.push(0);
        } else {
            end = LINE_WIDTH as i64 - at_start as i64;
        }
    }
    let mut split: Option<usize> = None;
    let mut prev: Option<char> = None;
    let mut i: i64 = -1;
    let mut esc_start: i64 = -1;
    let mut esc_end: i64 = -1;
    let at =
        |i: i64| -> Option<char> { usize::try_from(i).ok().and_then(|i| chars.get(i).copied()) };
    loop {
        i += 1;
        let Some(mut ch) = at(i) else { break };
        if mode == Fold::Quoted && ch == '\\' {
            esc_start = i;
            i += match at(i + 1) {
                Some('x') => 3,
                Some('u') => 5,
                Some('U') => 9,
                _ => 1,
            };
            esc_end = i;
        }
        if ch == '\n' {
            end = i + indent_len as i64 + end_step as i64;
            split = None;
        } else {
            if ch == ' ' && prev.is_some_and(|p| p != ' ' && p != '\n' && p != '\t') {
                let next = at(i + 1);
                if next.is_some_and(|n| n != ' ' && n != '\n' && n != '\t') {
                    split = Some(i as usize);
                }
            }
            if i >= end {
                if let Some(s) = split.filter(|&s| s > 0) {
                    folds.push(s);
                    end = s as i64 + end_step as i64;
                    split = None;
                } else if mode == Fold::Quoted {
                    while prev == Some(' ') || prev == Some('\t') {
                        prev = Some(ch);
                        i += 1;
                        ch = at(i).unwrap_or('\0');
                    }
                    let j = if i > esc_end + 1 {
                        i - 2
                    } else {
                        esc_start - 1
                    };
                    let Ok(j) = usize::try_from(j) else {
                        return text.to_owned();
                    };
                    if escaped_folds.contains(&j) {
                        return text.to_owned();
                    }
                    folds.push(j);
                    escaped_folds.push(j);
                    end = j as i64 + end_step as i64;
                    split = None;
                }
            }
        }
        prev = Some(ch);
    }
    if folds.is_empty() {
        return text.to_owned();
    }
    let slice = |a: usize, b: usize| {
        chars[a.min(chars.len())..b.min(chars.len())]
            .iter()
            .collect::<String>()
    };
    let mut res = slice(0, folds[0]);
    for (k, &f) in folds.iter().enumerate() {
        let end = folds.get(k + 1).copied().unwrap_or(chars.len());
        if f == 0 {
            res = format!("\n{indent}{}", slice(0, end));
        } else {
            if mode == Fold::Quoted && escaped_folds.contains(&f) {
                res.push(chars[f]);
                res.push('\\');
            }
            res.push('\n');
            res.push_str(indent);
            res.push_str(&slice(f + 1, end));
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_entities_in_block_style() {
        let entity = json!({
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Component",
            "metadata": {"name": "svc", "tags": ["rust", "http"], "annotations": {"github.com/project-slug": "acme/svc"}, "links": []},
            "spec": {"type": "service", "lifecycle": "experimental", "owner": "group:default/team", "port": 8080, "flag": true, "none": null, "empty": {}}
        });
        assert_eq!(
            stringify(&entity),
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\n  tags:\n    - rust\n    - http\n  annotations:\n    github.com/project-slug: acme/svc\n  links: []\nspec:\n  type: service\n  lifecycle: experimental\n  owner: group:default/team\n  port: 8080\n  flag: true\n  none: null\n  empty: {}\n"
        );
    }

    #[test]
    fn quotes_what_would_read_back_differently() {
        let value = json!({"a": "true", "b": "123", "c": "", "d": "x: y", "e": "- item", "f": "say \"hi\"", "g": "#tag", "h": "multi\nline\n"});
        assert_eq!(
            stringify(&value),
            "a: \"true\"\nb: \"123\"\nc: \"\"\nd: \"x: y\"\ne: \"- item\"\nf: say \"hi\"\ng: \"#tag\"\nh: |\n  multi\n  line\n"
        );
    }
}
