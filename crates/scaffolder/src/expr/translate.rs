//! Rewrites Nunjucks template source into minijinja source with the same meaning.
//!
//! Only what lives inside tags changes; text, comments and raw blocks are copied as they
//! are, and no line is added or removed, so minijinja's line numbers are the source's.
//! The rewrites cover what Nunjucks accepts and minijinja reads differently:
//! `===`/`!==`, `elseif`, `verbatim`, `null`, bare object keys (`{a: 1}`), regex literals
//! (`r/-/g`), `.length`, JavaScript `+` (`"v" + 1`) and `for k, v in object`.

/// The variable delimiters: `${{ }}` for Backstage templates, `{{ }}` with cookiecutterCompat.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Delimiters {
    pub var_start: &'static str,
}

const VAR_END: &str = "}}";
const BLOCK_START: &str = "{%";
const BLOCK_END: &str = "%}";
const COMMENT_START: &str = "{#";
const COMMENT_END: &str = "#}";

/// Words that are operators, not operands, in an expression.
const KEYWORDS: &[&str] = &["and", "or", "not", "in", "is", "if", "else"];

/// Translates a whole template.
pub(crate) fn translate(source: &str, delimiters: Delimiters) -> String {
    let mut out = String::with_capacity(source.len() + 16);
    let mut rest = source;
    loop {
        let next = next_tag(rest, delimiters);
        let Some((pos, kind)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        let consumed = match kind {
            Tag::Comment => match rest[2..].find(COMMENT_END) {
                Some(end) => {
                    out.push_str(&rest[..end + 4]);
                    end + 4
                }
                None => {
                    out.push_str(rest);
                    rest.len()
                }
            },
            Tag::Variable => translate_tag(rest, delimiters.var_start, VAR_END, false, &mut out),
            Tag::Block => translate_tag(rest, BLOCK_START, BLOCK_END, true, &mut out),
        };
        rest = &rest[consumed..];
    }
}

/// Whether the template is a single Nunjucks node that is not literal text, as Backstage's
/// `isSingleTemplateString` decides with the Nunjucks parser: `${{ x }}` or one
/// `{% if %}...{% endif %}` is; `a ${{ x }}`, two tags, or a raw block is not.
pub(crate) fn is_single_node(source: &str, delimiters: Delimiters) -> bool {
    let mut nodes = 0;
    let mut first_is_text = false;
    let mut depth = 0usize;
    let mut rest = source;
    let mut count = |is_text: bool, depth: usize| {
        if depth == 0 {
            nodes += 1;
            if nodes == 1 {
                first_is_text = is_text;
            }
        }
    };
    loop {
        let next = next_tag(rest, delimiters);
        let Some((pos, kind)) = next else {
            if !rest.is_empty() {
                count(true, depth);
            }
            break;
        };
        if pos > 0 {
            count(true, depth);
        }
        rest = &rest[pos..];
        match kind {
            Tag::Comment => match rest[2..].find(COMMENT_END) {
                Some(end) => rest = &rest[end + 4..],
                None => return false,
            },
            Tag::Variable | Tag::Block => {
                let (start, end) = match kind {
                    Tag::Variable => (delimiters.var_start, VAR_END),
                    _ => (BLOCK_START, BLOCK_END),
                };
                let mut at = start.len();
                if rest[at..].starts_with('-') {
                    at += 1;
                }
                let Some(lexed) = lex(rest, at, end) else {
                    return false;
                };
                if matches!(kind, Tag::Variable) {
                    count(false, depth);
                    rest = &rest[lexed.end..];
                    continue;
                }
                let name = lexed
                    .tokens
                    .first()
                    .map(|t| t.text.as_str())
                    .unwrap_or_default();
                let has_assign = lexed
                    .tokens
                    .iter()
                    .any(|t| t.kind == Kind::Op && t.text == "=");
                match name {
                    "raw" | "verbatim" => {
                        count(true, depth);
                        let mut sink = String::new();
                        let used = copy_raw_block(rest, lexed.end, "", "", &mut sink);
                        rest = &rest[used..];
                        continue;
                    }
                    "if" | "for" | "asyncEach" | "asyncAll" | "macro" | "call" | "filter"
                    | "block" | "ifAsync" | "switch" => {
                        count(false, depth);
                        depth += 1;
                    }
                    "set" if !has_assign => {
                        count(false, depth);
                        depth += 1;
                    }
                    n if n.starts_with("end") => depth = depth.saturating_sub(1),
                    _ => count(false, depth),
                }
                rest = &rest[lexed.end..];
            }
        }
    }
    nodes == 1 && !first_is_text
}

/// Where the next tag starts, and its kind.
fn next_tag(text: &str, delimiters: Delimiters) -> Option<(usize, Tag)> {
    [
        (text.find(delimiters.var_start), Tag::Variable),
        (text.find(BLOCK_START), Tag::Block),
        (text.find(COMMENT_START), Tag::Comment),
    ]
    .into_iter()
    .filter_map(|(pos, kind)| pos.map(|p| (p, kind)))
    .min_by_key(|(p, _)| *p)
}

#[derive(Clone, Copy)]
enum Tag {
    Variable,
    Block,
    Comment,
}

/// Translates one tag starting at `text`; returns how many bytes it used.
fn translate_tag(text: &str, start: &str, end: &str, block: bool, out: &mut String) -> usize {
    let mut pos = start.len();
    let open_marker = if text[pos..].starts_with('-') {
        pos += 1;
        "-"
    } else {
        ""
    };
    let Some(lexed) = lex(text, pos, end) else {
        // Unterminated: leave it for minijinja to report where it is.
        out.push_str(text);
        return text.len();
    };
    let mut items = group(lexed.tokens);
    if block && is_raw_open(&items) {
        return copy_raw_block(text, lexed.end, open_marker, lexed.close_marker, out);
    }
    if block {
        rewrite_block(&mut items);
    } else {
        rewrite_expression(&mut items);
    }
    out.push_str(if start == BLOCK_START { "{%" } else { start });
    out.push_str(open_marker);
    emit(&items, out);
    out.push_str(&lexed.trailing);
    out.push_str(lexed.close_marker);
    out.push_str(end);
    lexed.end
}

fn is_raw_open(items: &[Item]) -> bool {
    matches!(items.first(), Some(Item::Tok(t)) if t.kind == Kind::Ident && (t.text == "raw" || t.text == "verbatim"))
        && items.len() == 1
}

/// Copies a `{% raw %}`/`{% verbatim %}` block through to its end tag, as minijinja `raw`.
fn copy_raw_block(
    text: &str,
    tag_end: usize,
    open_marker: &str,
    close_marker: &str,
    out: &mut String,
) -> usize {
    out.push_str("{%");
    out.push_str(open_marker);
    out.push_str(" raw ");
    out.push_str(close_marker);
    out.push_str("%}");
    let body = &text[tag_end..];
    let mut search = 0;
    while let Some(found) = body[search..].find(BLOCK_START) {
        let at = search + found;
        let inner = &body[at + 2..];
        let marker = if inner.starts_with('-') { "-" } else { "" };
        let words = inner[marker.len()..].trim_start();
        for name in ["endraw", "endverbatim"] {
            if let Some(after) = words.strip_prefix(name) {
                let after_trim = after.trim_start();
                let (close_marker, close) = if let Some(r) = after_trim.strip_prefix("-%}") {
                    ("-", r)
                } else if let Some(r) = after_trim.strip_prefix("%}") {
                    ("", r)
                } else {
                    continue;
                };
                out.push_str(&body[..at]);
                out.push_str("{%");
                out.push_str(marker);
                out.push_str(" endraw ");
                out.push_str(close_marker);
                out.push_str("%}");
                let used = body.len() - close.len();
                return tag_end + used;
            }
        }
        search = at + 2;
    }
    out.push_str(body);
    text.len()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ident,
    Str,
    Num,
    Regex,
    Op,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    /// Identifier, operator or number text; the decoded value of a string; the source of a
    /// regex (flags in `flags`).
    text: String,
    flags: String,
    /// Newlines before the token, kept so line numbers do not move.
    newlines: usize,
    space: bool,
}

struct Lexed {
    tokens: Vec<Token>,
    /// Whitespace (with its newlines) between the last token and the closing delimiter.
    trailing: String,
    close_marker: &'static str,
    /// Byte offset just past the closing delimiter.
    end: usize,
}

/// Reads the tokens of a tag up to its closing delimiter, outside strings.
fn lex(text: &str, mut pos: usize, end: &str) -> Option<Lexed> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    loop {
        let ws_start = pos;
        while pos < bytes.len() && (bytes[pos] as char).is_ascii_whitespace() {
            pos += 1;
        }
        let ws = &text[ws_start..pos];
        let newlines = ws.matches('\n').count();
        let rest = &text[pos..];
        if rest.is_empty() {
            return None;
        }
        for (marker, delim_len) in [("-", end.len() + 1), ("", end.len())] {
            if rest.starts_with(marker) && rest[marker.len()..].starts_with(end) {
                return Some(Lexed {
                    tokens,
                    trailing: ws.to_owned(),
                    close_marker: marker,
                    end: pos + delim_len,
                });
            }
        }
        let c = rest.chars().next()?;
        let mut token = Token {
            kind: Kind::Op,
            text: String::new(),
            flags: String::new(),
            newlines,
            space: !ws.is_empty(),
        };
        if c == '"' || c == '\'' {
            let (value, used) = lex_string(rest, c)?;
            token.kind = Kind::Str;
            token.text = value;
            pos += used;
        } else if c == 'r' && rest[1..].starts_with('/') {
            let (source, flags, used) = lex_regex(rest)?;
            token.kind = Kind::Regex;
            token.text = source;
            token.flags = flags;
            pos += used;
        } else if c.is_ascii_digit() {
            let len = rest
                .char_indices()
                .find(|&(i, ch)| {
                    !(ch.is_ascii_digit()
                        || (ch == '.' && i > 0 && !rest[i + 1..].starts_with('.')))
                })
                .map_or(rest.len(), |(i, _)| i);
            token.kind = Kind::Num;
            token.text = rest[..len].to_owned();
            pos += len;
        } else if c.is_alphabetic() || c == '_' || c == '$' {
            let len = rest
                .char_indices()
                .find(|&(_, ch)| !(ch.is_alphanumeric() || ch == '_' || ch == '$'))
                .map_or(rest.len(), |(i, _)| i);
            token.kind = Kind::Ident;
            token.text = rest[..len].to_owned();
            pos += len;
        } else {
            let op = ["===", "!==", "==", "!=", "<=", ">=", "//", "**"]
                .into_iter()
                .find(|op| rest.starts_with(op))
                .unwrap_or(&rest[..c.len_utf8()]);
            token.text = op.to_owned();
            pos += op.len();
        }
        tokens.push(token);
    }
}

/// A Nunjucks string literal: `\n`, `\t`, `\r` escapes; any other escaped character
/// stands for itself.
fn lex_string(rest: &str, quote: char) -> Option<(String, usize)> {
    let mut value = String::new();
    let mut chars = rest.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                let (_, escaped) = chars.next()?;
                value.push(match escaped {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    other => other,
                });
            }
            c if c == quote => return Some((value, i + 1)),
            c => value.push(c),
        }
    }
    None
}

/// A Nunjucks regex literal `r/source/flags`.
fn lex_regex(rest: &str) -> Option<(String, String, usize)> {
    let body = &rest[2..];
    let mut source = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                let (_, next) = chars.next()?;
                source.push('\\');
                source.push(next);
            }
            '/' => {
                let after = &body[i + 1..];
                let flags: String = after.chars().take_while(|c| "gimy".contains(*c)).collect();
                return Some((source, flags.clone(), 2 + i + 1 + flags.len()));
            }
            c => source.push(c),
        }
    }
    None
}

/// A token or a bracketed group of items; `Text` is an already translated fragment.
#[derive(Debug, Clone)]
enum Item {
    Tok(Token),
    Group {
        open: Token,
        items: Vec<Item>,
        close: Option<Token>,
    },
    Text {
        text: String,
        newlines: usize,
        space: bool,
    },
}

impl Item {
    fn is_op(&self, op: &str) -> bool {
        matches!(self, Item::Tok(t) if t.kind == Kind::Op && t.text == op)
    }

    fn is_ident(&self, name: &str) -> bool {
        matches!(self, Item::Tok(t) if t.kind == Kind::Ident && t.text == name)
    }

    fn is_group(&self, open: &str) -> bool {
        matches!(self, Item::Group { open: o, .. } if o.text == open)
    }

    /// Whether an expression can end with this item, so a following `+` or `-` is binary.
    fn ends_operand(&self) -> bool {
        match self {
            Item::Tok(t) => match t.kind {
                Kind::Ident => !KEYWORDS.contains(&t.text.as_str()),
                Kind::Str | Kind::Num | Kind::Regex => true,
                Kind::Op => false,
            },
            Item::Group { .. } | Item::Text { .. } => true,
        }
    }

    fn leading(&self) -> (usize, bool) {
        match self {
            Item::Tok(t) | Item::Group { open: t, .. } => (t.newlines, t.space),
            Item::Text {
                newlines, space, ..
            } => (*newlines, *space),
        }
    }
}

/// Nests tokens by brackets.
fn group(tokens: Vec<Token>) -> Vec<Item> {
    let mut stack: Vec<(Token, Vec<Item>)> = Vec::new();
    let mut top: Vec<Item> = Vec::new();
    for token in tokens {
        let text = token.text.as_str();
        if token.kind == Kind::Op && matches!(text, "(" | "[" | "{") {
            stack.push((token, std::mem::take(&mut top)));
        } else if token.kind == Kind::Op && matches!(text, ")" | "]" | "}") && !stack.is_empty() {
            if let Some((open, parent)) = stack.pop() {
                let items = std::mem::replace(&mut top, parent);
                top.push(Item::Group {
                    open,
                    items,
                    close: Some(token),
                });
            }
        } else {
            top.push(Item::Tok(token));
        }
    }
    // Unclosed brackets stay unclosed; minijinja reports them.
    while let Some((open, parent)) = stack.pop() {
        let items = std::mem::replace(&mut top, parent);
        top.push(Item::Group {
            open,
            items,
            close: None,
        });
    }
    top
}

/// Rewrites a block tag: the tag name, then the expression after it.
fn rewrite_block(items: &mut Vec<Item>) {
    let Some(Item::Tok(name)) = items.first_mut() else {
        return;
    };
    if name.kind != Kind::Ident {
        return;
    }
    match name.text.as_str() {
        "elseif" => name.text = "elif".into(),
        "for" => return rewrite_for(items),
        _ => {}
    }
    let mut rest = items.split_off(1);
    rewrite_expression(&mut rest);
    items.extend(rest);
}

/// `for a, b in expr` → `for a, b in nj_iter(expr, 2)`, so objects iterate as Nunjucks
/// iterates them (entries for two names, nothing for one).
fn rewrite_for(items: &mut Vec<Item>) {
    let Some(in_at) = items.iter().position(|i| i.is_ident("in")) else {
        return;
    };
    let names = items[1..in_at].iter().filter(|i| i.is_op(",")).count() + 1;
    let mut expr = items.split_off(in_at + 1);
    rewrite_expression(&mut expr);
    let (newlines, space) = expr.first().map_or((0, true), Item::leading);
    let mut text = String::from("nj_iter(");
    emit_plain(&expr, &mut text);
    text.push_str(&format!(", {names})"));
    items.push(Item::Text {
        text,
        newlines,
        space,
    });
}

/// Applies the expression rewrites to a list of items (and every group inside it).
fn rewrite_expression(items: &mut Vec<Item>) {
    let in_object = false;
    rewrite_items(items, in_object);
}

fn rewrite_items(items: &mut Vec<Item>, in_object: bool) {
    for i in 0..items.len() {
        let before_is_start_or_comma = i == 0 || items[i - 1].is_op(",");
        let after_is_colon = items.get(i + 1).is_some_and(|n| n.is_op(":"));
        let after_dot = i > 0 && items[i - 1].is_op(".");
        match &mut items[i] {
            Item::Tok(t) => match t.kind {
                Kind::Op if t.text == "===" => t.text = "==".into(),
                Kind::Op if t.text == "!==" => t.text = "!=".into(),
                // `{a: 1}` has the key "a" in Nunjucks, not the variable `a`.
                Kind::Ident if in_object && before_is_start_or_comma && after_is_colon => {
                    t.kind = Kind::Str;
                }
                Kind::Ident if t.text == "null" && !after_dot => t.text = "none".into(),
                Kind::Regex => {
                    let mut text = String::from("nj_regex(");
                    push_string_literal(&t.text, &mut text);
                    text.push_str(", ");
                    push_string_literal(&t.flags, &mut text);
                    text.push(')');
                    items[i] = Item::Text {
                        text,
                        newlines: t.newlines,
                        space: t.space,
                    };
                }
                _ => {}
            },
            Item::Group {
                open, items: inner, ..
            } => {
                let object = open.text == "{";
                rewrite_items(inner, object);
            }
            Item::Text { .. } => {}
        }
    }
    rewrite_length(items);
    rewrite_plus(items);
}

/// `x.length` → `nj_length(x)`: JavaScript's length of strings and arrays, or an object's
/// own `length` key (`loop.length`).
fn rewrite_length(items: &mut Vec<Item>) {
    let mut i = 0;
    while i + 1 < items.len() {
        let is_length = items[i].is_op(".")
            && items[i + 1].is_ident("length")
            && !items.get(i + 2).is_some_and(|n| n.is_group("("));
        if !is_length || i == 0 {
            i += 1;
            continue;
        }
        let start = chain_start(items, i);
        let (newlines, space) = items[start].leading();
        let mut text = String::from("nj_length(");
        emit_plain(&items[start..i], &mut text);
        text.push(')');
        items.splice(
            start..i + 2,
            [Item::Text {
                text,
                newlines,
                space,
            }],
        );
        i = start + 1;
    }
}

/// The start of the postfix chain (`a.b[0](x)`) that ends just before `end`.
fn chain_start(items: &[Item], end: usize) -> usize {
    let mut j = end - 1;
    loop {
        match &items[j] {
            Item::Group { open, .. } if open.text != "{" => {
                if j > 0 && items[j - 1].ends_operand() && !items[j - 1].is_op(".") {
                    j -= 1;
                    continue;
                }
                return j;
            }
            Item::Tok(t) if t.kind == Kind::Ident => {
                if j >= 2 && items[j - 1].is_op(".") {
                    j -= 2;
                    continue;
                }
                return j;
            }
            _ => return j,
        }
    }
}

/// Binary `+` becomes `nj_add(a, b)`, which adds numbers and otherwise joins the
/// JavaScript strings of both sides, as `+` does in Nunjucks.
fn rewrite_plus(items: &mut Vec<Item>) {
    let boundary = |item: &Item| match item {
        Item::Tok(t) if t.kind == Kind::Op => matches!(
            t.text.as_str(),
            "," | ":" | "=" | "~" | "==" | "!=" | "<" | ">" | "<=" | ">="
        ),
        Item::Tok(t) if t.kind == Kind::Ident => KEYWORDS.contains(&t.text.as_str()),
        _ => false,
    };
    let mut out: Vec<Item> = Vec::with_capacity(items.len());
    let mut segment: Vec<Item> = Vec::new();
    for item in items.drain(..) {
        if boundary(&item) {
            out.extend(fold_additive(std::mem::take(&mut segment)));
            out.push(item);
        } else {
            segment.push(item);
        }
    }
    out.extend(fold_additive(segment));
    *items = out;
}

/// Folds `a + b - c` (split at binary `+`/`-`) into nested `nj_add` calls.
fn fold_additive(segment: Vec<Item>) -> Vec<Item> {
    let is_binary = |items: &[Item], i: usize, op: &str| {
        items[i].is_op(op) && i > 0 && items[i - 1].ends_operand()
    };
    if !(0..segment.len()).any(|i| is_binary(&segment, i, "+")) {
        return segment;
    }
    let mut operands: Vec<Vec<Item>> = vec![Vec::new()];
    let mut ops: Vec<Item> = Vec::new();
    for i in 0..segment.len() {
        if is_binary(&segment, i, "+") || is_binary(&segment, i, "-") {
            ops.push(segment[i].clone());
            operands.push(Vec::new());
        } else if let Some(last) = operands.last_mut() {
            last.push(segment[i].clone());
        }
    }
    let (newlines, space) = segment[0].leading();
    let mut acc = String::new();
    emit_plain(&operands[0], &mut acc);
    for (op, operand) in ops.iter().zip(&operands[1..]) {
        let (op_newlines, _) = op.leading();
        let mut right = "\n".repeat(op_newlines);
        emit_plain(operand, &mut right);
        acc = if op.is_op("+") {
            format!("nj_add({acc}, {right})")
        } else {
            format!("{acc} - {right}")
        };
    }
    vec![Item::Text {
        text: acc,
        newlines,
        space,
    }]
}

/// Writes items as minijinja source, keeping the source's newlines.
fn emit(items: &[Item], out: &mut String) {
    for item in items {
        let (newlines, space) = item.leading();
        if newlines > 0 {
            out.push_str(&"\n".repeat(newlines));
        } else if space {
            out.push(' ');
        }
        emit_item(item, out);
    }
}

/// Like [`emit`], without the leading space of the first item.
fn emit_plain(items: &[Item], out: &mut String) {
    for (i, item) in items.iter().enumerate() {
        let (newlines, space) = item.leading();
        if newlines > 0 {
            out.push_str(&"\n".repeat(newlines));
        } else if space && i > 0 {
            out.push(' ');
        }
        emit_item(item, out);
    }
}

fn emit_item(item: &Item, out: &mut String) {
    match item {
        Item::Tok(t) => match t.kind {
            Kind::Str => push_string_literal(&t.text, out),
            _ => out.push_str(&t.text),
        },
        Item::Group { open, items, close } => {
            out.push_str(&open.text);
            emit(items, out);
            if let Some(close) = close {
                if close.newlines > 0 {
                    out.push_str(&"\n".repeat(close.newlines));
                } else if close.space {
                    out.push(' ');
                }
                out.push_str(&close.text);
            }
        }
        Item::Text { text, .. } => out.push_str(text),
    }
}

/// A minijinja string literal holding `value` (raw newlines kept so lines do not move).
fn push_string_literal(value: &str, out: &mut String) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(source: &str) -> String {
        translate(source, Delimiters { var_start: "${{" })
    }

    #[test]
    fn text_comments_and_raw_blocks_are_kept() {
        assert_eq!(
            t("a {{ b }} {# c ${{ d }} #} e"),
            "a {{ b }} {# c ${{ d }} #} e"
        );
        assert_eq!(
            t("{% verbatim %}${{ x === y }}{% endverbatim %}!"),
            "{% raw %}${{ x === y }}{% endraw %}!"
        );
        assert_eq!(
            t("{%- raw -%} ${{ a }} {%- endraw %}"),
            "{%- raw -%} ${{ a }} {%- endraw %}"
        );
    }

    #[test]
    fn javascript_operators_and_literals_are_translated() {
        assert_eq!(t("${{ a === 1 }}"), "${{ a == 1 }}");
        assert_eq!(
            t("{% if a !== null %}x{% elseif b %}y{% endif %}"),
            "{% if a != none %}x{% elif b %}y{% endif %}"
        );
        assert_eq!(t("${{ {a: 1, \"b\": c} }}"), "${{ {\"a\": 1, \"b\": c} }}");
        assert_eq!(
            t("${{ x | replace(r/-+/g, '_') }}"),
            "${{ x | replace(nj_regex(\"-+\", \"g\"), \"_\") }}"
        );
        assert_eq!(t("${{ a.b.length > 2 }}"), "${{ nj_length(a.b) > 2 }}");
        assert_eq!(t("${{ a[0].c.length }}"), "${{ nj_length(a[0].c) }}");
        assert_eq!(t("${{ a.length() }}"), "${{ a.length() }}");
    }

    #[test]
    fn plus_becomes_javascript_addition() {
        assert_eq!(t("${{ a + 1 }}"), "${{ nj_add(a, 1) }}");
        assert_eq!(
            t("${{ a.o + '/' + a.r | upper }}"),
            "${{ nj_add(nj_add(a.o, \"/\"), a.r | upper) }}"
        );
        assert_eq!(t("${{ -a + b * c - d }}"), "${{ nj_add(-a, b * c) - d }}");
        assert_eq!(
            t("${{ f(a + b, c=d + 1) == x + 2 }}"),
            "${{ f(nj_add(a, b), c=nj_add(d, 1)) == nj_add(x, 2) }}"
        );
        assert_eq!(
            t("${{ x if a + 1 else y }}"),
            "${{ x if nj_add(a, 1) else y }}"
        );
        assert_eq!(t("${{ a - b }}"), "${{ a - b }}");
    }

    #[test]
    fn single_nodes_are_recognised_as_backstage_does() {
        let single = |s: &str| is_single_node(s, Delimiters { var_start: "${{" });
        assert!(single("${{ parameters.port }}"));
        assert!(single("{% if a %}x{% else %}y{% endif %}"));
        assert!(single("${{ a }}{# note #}"));
        assert!(!single("v${{ a }}"));
        assert!(!single("${{ a }} "));
        assert!(!single("${{ a }}${{ b }}"));
        assert!(!single("plain"));
        assert!(!single("{% raw %}x{% endraw %}"));
        assert!(!single("{% set x = 1 %}${{ x }}"));
    }

    #[test]
    fn for_loops_iterate_as_nunjucks() {
        assert_eq!(
            t("{% for k, v in obj %}"),
            "{% for k, v in nj_iter(obj, 2) %}"
        );
        assert_eq!(
            t("{%- for x in a.b | sort -%}"),
            "{%- for x in nj_iter(a.b | sort, 1) -%}"
        );
    }

    #[test]
    fn strings_are_reencoded_and_lines_kept() {
        assert_eq!(t("${{ 'it\\'s \"x\"' }}"), "${{ \"it's \\\"x\\\"\" }}");
        let multi = "${{ a\n  +\n  b }}\nz";
        assert_eq!(t(multi).lines().count(), multi.lines().count());
        assert_eq!(t("${{ a }}").lines().count(), 1);
        assert_eq!(t("${{ '}}' }}"), "${{ \"}}\" }}");
        assert_eq!(t("${{ unterminated"), "${{ unterminated");
    }
}
