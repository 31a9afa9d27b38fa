//! Nunjucks regex literals (`r/-+/g`) and JavaScript's `String.prototype.replace`.

use std::fmt;
use std::sync::Arc;

use minijinja::value::{Object, ObjectRepr, Value};
use minijinja::{Error, ErrorKind};
use regex::{Captures, Regex, RegexBuilder};

/// A compiled `r/source/flags` literal.
#[derive(Debug)]
pub(crate) struct RegexLiteral {
    source: String,
    flags: String,
    pub(crate) regex: Regex,
}

impl RegexLiteral {
    /// Whether the `g` flag asks for every match.
    pub(crate) fn global(&self) -> bool {
        self.flags.contains('g')
    }
}

impl Object for RegexLiteral {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/{}/{}", self.source, self.flags)
    }
}

/// `nj_regex(source, flags)`, emitted by the translator for a regex literal.
pub(crate) fn nj_regex(source: String, flags: String) -> Result<Value, Error> {
    let regex = RegexBuilder::new(&source)
        .case_insensitive(flags.contains('i'))
        .multi_line(flags.contains('m'))
        .build()
        .map_err(|e| {
            Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "the regular expression /{source}/{flags} cannot be used here ({}); \
                     JavaScript features such as look-around and back-references are not supported",
                    first_line(&e.to_string())
                ),
            )
        })?;
    Ok(Value::from_object(RegexLiteral {
        source,
        flags,
        regex,
    }))
}

fn first_line(text: &str) -> &str {
    text.lines().last().unwrap_or(text).trim()
}

/// `str.replace(regex, replacement)` with JavaScript's `$&`, `$1`, `$$` patterns.
pub(crate) fn replace_regex(text: &str, pattern: &RegexLiteral, replacement: &str) -> String {
    let expand = |caps: &Captures<'_>| expand_replacement(replacement, caps, text);
    if pattern.global() {
        pattern.regex.replace_all(text, expand).into_owned()
    } else {
        pattern.regex.replace(text, expand).into_owned()
    }
}

/// `str.replace(old, replacement)` with a string pattern: the first occurrence only.
pub(crate) fn replace_first(text: &str, old: &str, replacement: &str) -> String {
    match text.find(old) {
        Some(at) => {
            let matched = &text[at..at + old.len()];
            let mut out = String::with_capacity(text.len());
            out.push_str(&text[..at]);
            out.push_str(&expand_plain(
                replacement,
                matched,
                &text[..at],
                &text[at + old.len()..],
            ));
            out.push_str(&text[at + old.len()..]);
            out
        }
        None => text.to_owned(),
    }
}

fn expand_replacement(replacement: &str, caps: &Captures<'_>, text: &str) -> String {
    let whole = caps.get(0).map_or(0..0, |m| m.range());
    let mut out = String::new();
    let mut chars = replacement.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        match chars.peek().map(|&(_, n)| n) {
            Some('$') => {
                chars.next();
                out.push('$');
            }
            Some('&') => {
                chars.next();
                out.push_str(&text[whole.clone()]);
            }
            Some('`') => {
                chars.next();
                out.push_str(&text[..whole.start]);
            }
            Some('\'') => {
                chars.next();
                out.push_str(&text[whole.end..]);
            }
            Some(d) if d.is_ascii_digit() => {
                chars.next();
                let mut index = d.to_digit(10).unwrap_or(0) as usize;
                if let Some(&(_, d2)) = chars.peek() {
                    let two = index * 10 + d2.to_digit(10).unwrap_or(99) as usize;
                    if d2.is_ascii_digit() && two < caps.len() {
                        chars.next();
                        index = two;
                    }
                }
                if index > 0 && index < caps.len() {
                    out.push_str(caps.get(index).map_or("", |m| m.as_str()));
                } else {
                    out.push('$');
                    out.push(d);
                }
            }
            _ => out.push('$'),
        }
    }
    out
}

fn expand_plain(replacement: &str, matched: &str, before: &str, after: &str) -> String {
    let mut out = String::new();
    let mut chars = replacement.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('$') => {
                chars.next();
                out.push('$');
            }
            Some('&') => {
                chars.next();
                out.push_str(matched);
            }
            Some('`') => {
                chars.next();
                out.push_str(before);
            }
            Some('\'') => {
                chars.next();
                out.push_str(after);
            }
            _ => out.push('$'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literal(source: &str, flags: &str) -> Arc<RegexLiteral> {
        nj_regex(source.into(), flags.into())
            .ok()
            .and_then(|v| v.downcast_object::<RegexLiteral>())
            .expect("regex compiles")
    }

    #[test]
    fn replaces_like_javascript() {
        assert_eq!(replace_regex("a-b-c", &literal("-", "g"), "_"), "a_b_c");
        assert_eq!(replace_regex("a-b-c", &literal("-", ""), "_"), "a_b-c");
        assert_eq!(
            replace_regex(
                "John Smith",
                &literal("(\\w+)\\s(\\w+)", ""),
                "$2, $1 ($&) $$"
            ),
            "Smith, John (John Smith) $"
        );
        assert_eq!(replace_regex("ABC", &literal("b", "gi"), "[$&]"), "A[B]C");
        assert_eq!(replace_first("a.b.c", ".", "/"), "a/b.c");
    }

    #[test]
    fn unsupported_syntax_is_named() {
        let err = nj_regex("(?<=a)b".into(), "g".into()).unwrap_err();
        assert!(err.to_string().contains("/(?<=a)b/g"), "{err}");
    }
}
