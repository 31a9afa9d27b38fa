//! The inline syntax techdocs-core adds to Markdown, applied to pulldown-cmark's text events:
//! `==mark==`, `^^insert^^`, `^sup^` (`~sub~` and `~~del~~` are pulldown-cmark's own),
//! `++ctrl+alt+del++` keys, critic marks, emoji shortcodes (as Unicode, no CDN),
//! smart symbols, bare URLs (magiclink) and abbreviations.

use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};
use pulldown_cmark_escape::{escape_html, escape_html_body_text};

type Spanned<'a> = (Event<'a>, Range<usize>);

/// Applies the inline extensions to every run of inline events outside code blocks.
pub(crate) fn transform<'a>(
    events: Vec<Spanned<'a>>,
    abbreviations: &[(String, String)],
) -> Vec<Spanned<'a>> {
    let mut out = Vec::with_capacity(events.len());
    let mut run: Vec<Spanned<'a>> = Vec::new();
    let mut in_code_block = false;
    for (event, range) in events {
        if in_code_block {
            if matches!(event, Event::End(TagEnd::CodeBlock)) {
                in_code_block = false;
            }
            out.push((event, range));
            continue;
        }
        if is_inline(&event) {
            run.push((event, range));
            continue;
        }
        if !run.is_empty() {
            transform_run(std::mem::take(&mut run), abbreviations, &mut out);
        }
        if matches!(event, Event::Start(Tag::CodeBlock(_))) {
            in_code_block = true;
        }
        out.push((event, range));
    }
    if !run.is_empty() {
        transform_run(run, abbreviations, &mut out);
    }
    out
}

fn is_inline(event: &Event<'_>) -> bool {
    match event {
        Event::Text(_)
        | Event::Code(_)
        | Event::InlineHtml(_)
        | Event::InlineMath(_)
        | Event::SoftBreak
        | Event::HardBreak
        | Event::FootnoteReference(_) => true,
        Event::Start(tag) => matches!(
            tag,
            Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Superscript
                | Tag::Subscript
                | Tag::Link { .. }
                | Tag::Image { .. }
        ),
        Event::End(tag) => matches!(
            tag,
            TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Superscript
                | TagEnd::Subscript
                | TagEnd::Link
                | TagEnd::Image
        ),
        _ => false,
    }
}

fn transform_run<'a>(
    run: Vec<Spanned<'a>>,
    abbreviations: &[(String, String)],
    out: &mut Vec<Spanned<'a>>,
) {
    // Merge adjacent text (pulldown-cmark splits text at special characters).
    let mut merged: Vec<Spanned<'a>> = Vec::with_capacity(run.len());
    for (event, range) in run {
        if let (Event::Text(t), Some((Event::Text(prev), prev_range))) = (&event, merged.last_mut())
        {
            let mut s = prev.to_string();
            s.push_str(t);
            *prev = CowStr::from(s);
            prev_range.end = range.end;
            continue;
        }
        merged.push((event, range));
    }
    let has_text_trigger = merged
        .iter()
        .any(|(e, _)| matches!(e, Event::Text(t) if t.contains("==") || t.contains("^^")));
    if has_text_trigger {
        merged = pair_delimiters(merged, "==", "<mark>", "</mark>");
        merged = pair_delimiters(merged, "^^", "<ins>", "</ins>");
    }
    let mut link_depth = 0usize;
    let mut image_depth = 0usize;
    for (event, range) in merged {
        match &event {
            Event::Start(Tag::Link { .. }) => link_depth += 1,
            Event::End(TagEnd::Link) => link_depth = link_depth.saturating_sub(1),
            Event::Start(Tag::Image { .. }) => image_depth += 1,
            Event::End(TagEnd::Image) => image_depth = image_depth.saturating_sub(1),
            _ => {}
        }
        match event {
            Event::Text(text) if image_depth == 0 => {
                let pieces = rewrite_text(&text, link_depth > 0, abbreviations);
                match pieces {
                    None => out.push((Event::Text(text), range)),
                    Some(pieces) => {
                        for piece in pieces {
                            out.push((piece, range.clone()));
                        }
                    }
                }
            }
            Event::Text(text) => {
                // Inside image alt text only plain-text replacements apply.
                let replaced = emoji_only(&text);
                out.push((Event::Text(replaced.map_or(text, CowStr::from)), range));
            }
            other => out.push((other, range)),
        }
    }
}

/// Pairs `delim … delim` across the text events of a run at the same nesting depth and
/// replaces the pairs with the given tags.
fn pair_delimiters<'a>(
    run: Vec<Spanned<'a>>,
    delim: &str,
    open: &'static str,
    close: &'static str,
) -> Vec<Spanned<'a>> {
    // (event index, byte offset) of each delimiter that found a partner.
    let mut stack: Vec<(usize, usize, i32)> = Vec::new();
    let mut pairs: Vec<((usize, usize), (usize, usize))> = Vec::new();
    let mut depth = 0i32;
    for (i, (event, _)) in run.iter().enumerate() {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth -= 1,
            Event::Text(text) => {
                let bytes = text.as_bytes();
                let d = delim.as_bytes();
                let mut at = 0;
                while let Some(found) = text[at..].find(delim) {
                    let pos = at + found;
                    let end = pos + d.len();
                    // A longer run of the same character (`===`) is not a delimiter.
                    let same_before = pos > 0 && bytes[pos - 1] == d[0];
                    let same_after = end < bytes.len() && bytes[end] == d[0];
                    if same_before || same_after {
                        at = end;
                        while at < bytes.len() && bytes[at] == d[0] {
                            at += 1;
                        }
                        continue;
                    }
                    let before_ws = if pos == 0 {
                        i == 0
                    } else {
                        (bytes[pos - 1] as char).is_ascii_whitespace()
                    };
                    let after_ws = if end == bytes.len() {
                        i + 1 == run.len()
                    } else {
                        (bytes[end] as char).is_ascii_whitespace()
                    };
                    let can_close = !before_ws;
                    let can_open = !after_ws;
                    if can_close
                        && let Some(&(oi, opos, odepth)) = stack.last()
                        && odepth == depth
                        && !(oi == i && opos + d.len() == pos)
                    {
                        stack.pop();
                        pairs.push(((oi, opos), (i, pos)));
                    } else if can_open {
                        stack.push((i, pos, depth));
                    }
                    at = end;
                }
            }
            _ => {}
        }
    }
    if pairs.is_empty() {
        return run;
    }
    // Split points per event: (offset, html).
    let mut cuts: Vec<Vec<(usize, &'static str)>> = vec![Vec::new(); run.len()];
    for ((oi, opos), (ci, cpos)) in pairs {
        cuts[oi].push((opos, open));
        cuts[ci].push((cpos, close));
    }
    let mut out = Vec::with_capacity(run.len() + 4);
    for (i, (event, range)) in run.into_iter().enumerate() {
        if cuts[i].is_empty() {
            out.push((event, range));
            continue;
        }
        let Event::Text(text) = event else {
            out.push((event, range));
            continue;
        };
        cuts[i].sort();
        let mut last = 0;
        for (pos, html) in &cuts[i] {
            if *pos > last {
                out.push((
                    Event::Text(CowStr::from(text[last..*pos].to_string())),
                    range.clone(),
                ));
            }
            out.push((Event::InlineHtml(CowStr::Borrowed(html)), range.clone()));
            last = pos + delim.len();
        }
        if last < text.len() {
            out.push((
                Event::Text(CowStr::from(text[last..].to_string())),
                range.clone(),
            ));
        }
    }
    out
}

/// Output of a text rewrite: plain text (escaped later) and ready HTML, in order.
struct Pieces<'a> {
    events: Vec<Event<'a>>,
    text: String,
}

impl<'a> Pieces<'a> {
    fn html(&mut self, html: String) {
        self.flush();
        self.events.push(Event::InlineHtml(CowStr::from(html)));
    }
    fn flush(&mut self) {
        if !self.text.is_empty() {
            self.events
                .push(Event::Text(CowStr::from(std::mem::take(&mut self.text))));
        }
    }
}

const TRIGGERS: &[u8] = b":+{^~(/-<=wWhHfF0123456789c@";

/// Rewrites one text event; `None` when nothing changes (the common case).
fn rewrite_text<'a>(
    text: &str,
    in_link: bool,
    abbreviations: &[(String, String)],
) -> Option<Vec<Event<'a>>> {
    let has_abbr =
        !abbreviations.is_empty() && abbreviations.iter().any(|(a, _)| text.contains(a.as_str()));
    if !has_abbr && !text.bytes().any(|b| TRIGGERS.contains(&b)) {
        return None;
    }
    let mut p = Pieces {
        events: Vec::new(),
        text: String::new(),
    };
    let mut changed = false;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        // Copy plain stretches at once: only trigger bytes (or any byte when abbreviations
        // are defined and present) can start a replacement.
        let next = if has_abbr {
            i
        } else {
            bytes[i..]
                .iter()
                .position(|b| TRIGGERS.contains(b))
                .map_or(text.len(), |n| i + n)
        };
        if next > i {
            p.text.push_str(&text[i..next]);
            i = next;
            continue;
        }
        let rest = &text[i..];
        let prev = text[..i].chars().next_back();
        let word_start = prev.is_none_or(|c| !c.is_alphanumeric() && c != '_');
        if let Some((len, html)) = special_at(rest, word_start, in_link) {
            p.html(html);
            i += len;
            changed = true;
            continue;
        }
        if rest.starts_with('@')
            && !in_link
            && let Some((local_len, len, html)) = email_at(&p.text, rest)
        {
            p.text.truncate(p.text.len() - local_len);
            p.html(html);
            i += len;
            changed = true;
            continue;
        }
        if let Some((len, replacement)) = symbol_at(rest, word_start) {
            p.text.push_str(replacement);
            i += len;
            changed = true;
            continue;
        }
        if has_abbr
            && word_start
            && let Some((abbr, title)) = abbreviations.iter().find(|(a, _)| {
                rest.starts_with(a.as_str())
                    && rest[a.len()..]
                        .chars()
                        .next()
                        .is_none_or(|c| !c.is_alphanumeric() && c != '_')
            })
        {
            let mut html = String::from("<abbr title=\"");
            let _ = escape_html(&mut html, title);
            html.push_str("\">");
            let _ = escape_html_body_text(&mut html, abbr);
            html.push_str("</abbr>");
            p.html(html);
            i += abbr.len();
            changed = true;
            continue;
        }
        let c = rest.chars().next().unwrap_or_default();
        p.text.push(c);
        i += c.len_utf8();
    }
    if !changed {
        return None;
    }
    p.flush();
    Some(p.events)
}

/// Constructs that become HTML: emoji, keys, critic marks, `^sup^`, ordinals, bare URLs.
fn special_at(rest: &str, word_start: bool, in_link: bool) -> Option<(usize, String)> {
    let first = rest.as_bytes()[0];
    match first {
        b':' => {
            let end = rest[1..].find(':')? + 1;
            let name = &rest[1..end];
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'+' || b == b'-')
            {
                return None;
            }
            let emoji = emojis::get_by_shortcode(name)?;
            let mut html = String::from("<span class=\"emoji\" title=\":");
            html.push_str(name);
            html.push_str(":\">");
            html.push_str(emoji.as_str());
            html.push_str("</span>");
            Some((end + 1, html))
        }
        b'+' if rest.starts_with("++") => keys(rest),
        b'{' => critic(rest),
        // `^sup^` and `~sub~` (pulldown-cmark leaves the intra-word forms, `H~2~O`, to us).
        b'^' | b'~' if !rest.starts_with("^^") && !rest.starts_with("~~") => {
            let mark = rest.as_bytes()[0] as char;
            let end = rest[1..].find(mark)? + 1;
            let inner = &rest[1..end];
            let doubled = if mark == '^' { "^^" } else { "~~" };
            if inner.is_empty()
                || inner.chars().any(char::is_whitespace)
                || rest[end..].starts_with(doubled)
            {
                return None;
            }
            let tag = if mark == '^' { "sup" } else { "sub" };
            let mut html = format!("<{tag}>");
            let _ = escape_html_body_text(&mut html, inner);
            html.push_str(&format!("</{tag}>"));
            Some((end + 1, html))
        }
        b'0'..=b'9' if word_start => ordinal(rest),
        b'h' | b'H' | b'f' | b'F' | b'w' | b'W' if word_start && !in_link => magic_link(rest),
        _ => None,
    }
}

fn keys(rest: &str) -> Option<(usize, String)> {
    let inner_end = rest[2..].find("++")? + 2;
    let inner = &rest[2..inner_end];
    if inner.is_empty()
        || !inner.split('+').all(|k| {
            !k.is_empty()
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
    {
        return None;
    }
    let mut html = String::from("<span class=\"keys\">");
    for (i, key) in inner.split('+').enumerate() {
        if i > 0 {
            html.push_str("<span>+</span>");
        }
        let (class, label) = key_label(key);
        html.push_str("<kbd class=\"key-");
        html.push_str(&class);
        html.push_str("\">");
        let _ = escape_html_body_text(&mut html, &label);
        html.push_str("</kbd>");
    }
    html.push_str("</span>");
    Some((inner_end + 2, html))
}

/// pymdownx.keys' names for the common keys.
fn key_label(key: &str) -> (String, String) {
    let lower = key.to_ascii_lowercase();
    let (class, label) = match lower.as_str() {
        "ctrl" | "control" => ("control", "Ctrl"),
        "alt" | "option" | "opt" => ("alt", "Alt"),
        "shift" => ("shift", "Shift"),
        "cmd" | "command" => ("command", "Cmd"),
        "meta" | "win" | "windows" | "super" => ("meta", "Meta"),
        "del" | "delete" => ("delete", "Del"),
        "enter" | "return" => ("enter", "Enter"),
        "esc" | "escape" => ("escape", "Esc"),
        "tab" => ("tab", "Tab"),
        "space" | "spacebar" => ("space", "Space"),
        "backspace" | "bksp" => ("backspace", "Backspace"),
        "up" | "arrow-up" => ("arrow-up", "Up"),
        "down" | "arrow-down" => ("arrow-down", "Down"),
        "left" | "arrow-left" => ("arrow-left", "Left"),
        "right" | "arrow-right" => ("arrow-right", "Right"),
        "home" => ("home", "Home"),
        "end" => ("end", "End"),
        "page-up" | "pgup" => ("page-up", "Page Up"),
        "page-down" | "pgdn" => ("page-down", "Page Down"),
        "insert" | "ins" => ("insert", "Ins"),
        _ => {
            let is_function_key = lower.starts_with('f') && lower[1..].parse::<u8>().is_ok();
            let label = if key.chars().count() == 1 || is_function_key {
                key.to_uppercase()
            } else {
                let mut c = key.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or_default()
            };
            return (lower, label);
        }
    };
    (class.to_string(), label.to_string())
}

fn critic(rest: &str) -> Option<(usize, String)> {
    let (_, close, tag) = [
        ("{++", "++}", "ins"),
        ("{--", "--}", "del"),
        ("{==", "==}", "mark"),
        ("{>>", "<<}", "span"),
        ("{~~", "~~}", "sub"),
    ]
    .into_iter()
    .find(|(o, _, _)| rest.starts_with(o))?;
    let end = rest[3..].find(close)? + 3;
    let inner = &rest[3..end];
    let mut html = String::new();
    match tag {
        "sub" => {
            let (old, new) = inner.split_once("~>")?;
            html.push_str("<del class=\"critic\">");
            let _ = escape_html_body_text(&mut html, old);
            html.push_str("</del><ins class=\"critic\">");
            let _ = escape_html_body_text(&mut html, new);
            html.push_str("</ins>");
        }
        "span" => {
            html.push_str("<span class=\"critic comment\">");
            let _ = escape_html_body_text(&mut html, inner);
            html.push_str("</span>");
        }
        _ => {
            html.push_str(&format!("<{tag} class=\"critic\">"));
            let _ = escape_html_body_text(&mut html, inner);
            html.push_str(&format!("</{tag}>"));
        }
    }
    Some((end + 3, html))
}

fn ordinal(rest: &str) -> Option<(usize, String)> {
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if rest.starts_with('0') {
        return None;
    }
    let suffix = rest.get(digits..digits + 2)?;
    if !matches!(suffix, "st" | "nd" | "rd" | "th") {
        return None;
    }
    if rest[digits + 2..]
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
    {
        return None;
    }
    Some((
        digits + 2,
        format!("{}<sup>{suffix}</sup>", &rest[..digits]),
    ))
}

fn magic_link(rest: &str) -> Option<(usize, String)> {
    let lower_start: String = rest
        .chars()
        .take(8)
        .collect::<String>()
        .to_ascii_lowercase();
    let (is_www, scheme_ok) = if lower_start.starts_with("https://")
        || lower_start.starts_with("http://")
        || lower_start.starts_with("ftp://")
        || lower_start.starts_with("ftps://")
    {
        (false, true)
    } else if lower_start.starts_with("www.") {
        (true, true)
    } else {
        (false, false)
    };
    if !scheme_ok {
        return None;
    }
    let mut end = rest
        .find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"' || c == '`')
        .unwrap_or(rest.len());
    // Trailing punctuation belongs to the sentence, not the URL.
    while end > 0 && rest[..end].ends_with(['.', ',', ';', ':', '!', '?', ')', '\'', '*', '_']) {
        if rest[..end].ends_with(')')
            && rest[..end].matches('(').count() >= rest[..end].matches(')').count()
        {
            break;
        }
        end -= 1;
    }
    let url = &rest[..end];
    let host_part = url.split_once("://").map_or(url, |(_, h)| h);
    if host_part.len() < 3 || !host_part.contains('.') && !host_part.starts_with("localhost") {
        return None;
    }
    let href = if is_www {
        format!("http://{url}")
    } else {
        url.to_string()
    };
    let mut html = String::from("<a href=\"");
    let _ = pulldown_cmark_escape::escape_href(&mut html, &href);
    html.push_str("\">");
    let _ = escape_html_body_text(&mut html, url);
    html.push_str("</a>");
    Some((end, html))
}

/// magiclink's e-mail addresses: the local part is already in `before` (pending text),
/// `rest` starts at the `@`. Returns the local part's length, the bytes consumed from `rest`
/// and the link.
fn email_at(before: &str, rest: &str) -> Option<(usize, usize, String)> {
    let local_len = before
        .bytes()
        .rev()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'+'))
        .count();
    let local = &before[before.len() - local_len..];
    let preceding = before[..before.len() - local_len].chars().next_back();
    if local.is_empty()
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
        || preceding.is_some_and(|c| c == '/' || c == '@')
    {
        return None;
    }
    let domain_len = rest[1..]
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
        .count();
    let domain = rest[1..1 + domain_len].trim_end_matches(['.', '-']);
    let tld = domain.rsplit_once('.')?.1;
    if tld.len() < 2 || !tld.bytes().all(|b| b.is_ascii_alphabetic()) || domain.contains("..") {
        return None;
    }
    let address = format!("{local}@{domain}");
    let mut html = String::from("<a href=\"mailto:");
    let _ = pulldown_cmark_escape::escape_href(&mut html, &address);
    html.push_str("\">");
    let _ = escape_html_body_text(&mut html, &address);
    html.push_str("</a>");
    Some((local_len, 1 + domain.len(), html))
}

/// pymdownx.smartsymbols.
fn symbol_at(rest: &str, word_start: bool) -> Option<(usize, &'static str)> {
    const ALWAYS: &[(&str, &str)] = &[
        ("(tm)", "™"),
        ("(c)", "©"),
        ("(r)", "®"),
        ("+/-", "±"),
        ("<-->", "↔"),
        ("-->", "→"),
        ("<--", "←"),
        ("=/=", "≠"),
    ];
    for (from, to) in ALWAYS {
        if rest.starts_with(from) {
            return Some((from.len(), to));
        }
    }
    if !word_start {
        return None;
    }
    const WORDS: &[(&str, &str)] = &[
        ("c/o", "℅"),
        ("1/4", "¼"),
        ("1/2", "½"),
        ("3/4", "¾"),
        ("1/3", "⅓"),
        ("2/3", "⅔"),
        ("1/5", "⅕"),
        ("2/5", "⅖"),
        ("3/5", "⅗"),
        ("4/5", "⅘"),
        ("1/6", "⅙"),
        ("5/6", "⅚"),
        ("1/8", "⅛"),
        ("3/8", "⅜"),
        ("5/8", "⅝"),
        ("7/8", "⅞"),
    ];
    for (from, to) in WORDS {
        if rest.starts_with(from)
            && rest[from.len()..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric() && c != '_' && c != '/')
        {
            return Some((from.len(), to));
        }
    }
    None
}

/// Emoji shortcodes only (for image alt text).
fn emoji_only(text: &str) -> Option<String> {
    if !text.contains(':') {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut changed = false;
    while i < text.len() {
        let rest = &text[i..];
        if rest.starts_with(':')
            && let Some(end) = rest[1..].find(':').map(|e| e + 1)
            && let Some(emoji) = emojis::get_by_shortcode(&rest[1..end])
        {
            out.push_str(emoji.as_str());
            i += end + 1;
            changed = true;
            continue;
        }
        let c = rest.chars().next().unwrap_or_default();
        out.push(c);
        i += c.len_utf8();
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulldown_cmark::{Options, Parser};

    fn html(md: &str) -> String {
        let events: Vec<Spanned<'_>> = Parser::new_ext(
            md,
            Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SUBSCRIPT,
        )
        .into_offset_iter()
        .collect();
        let abbrs = vec![("HTML".to_string(), "Hyper Text Markup Language".to_string())];
        let out = transform(events, &abbrs);
        let mut s = String::new();
        pulldown_cmark::html::push_html(&mut s, out.into_iter().map(|(e, _)| e));
        s
    }

    #[test]
    fn marks_inserts_and_keys() {
        assert_eq!(
            html("a ==marked **bold**== b"),
            "<p>a <mark>marked <strong>bold</strong></mark> b</p>\n"
        );
        assert_eq!(
            html("^^added^^ and ~~gone~~ H~2~O x^2^"),
            "<p><ins>added</ins> and <del>gone</del> H<sub>2</sub>O x<sup>2</sup></p>\n"
        );
        assert!(html("Press ++ctrl+alt+del++").contains(
            "<kbd class=\"key-control\">Ctrl</kbd><span>+</span><kbd class=\"key-alt\">Alt</kbd>"
        ));
        assert_eq!(html("a === b"), "<p>a === b</p>\n");
    }

    #[test]
    fn emoji_symbols_links_and_abbreviations() {
        let out = html(":rocket: Launch (c) 2024 --> 1st see https://example.com/x. HTML");
        assert!(out.contains("🚀"), "{out}");
        assert!(out.contains("© 2024 → 1<sup>st</sup>"), "{out}");
        assert!(
            out.contains("<a href=\"https://example.com/x\">https://example.com/x</a>."),
            "{out}"
        );
        assert!(
            out.contains("<abbr title=\"Hyper Text Markup Language\">HTML</abbr>"),
            "{out}"
        );
        assert_eq!(
            html("`:rocket: ==x==`"),
            "<p><code>:rocket: ==x==</code></p>\n"
        );
        assert!(html("{++new++} {~~old~>new~~}").contains("<ins class=\"critic\">new</ins>"));
        assert_eq!(
            html("Mail docs-team@example.com."),
            "<p>Mail <a href=\"mailto:docs-team@example.com\">docs-team@example.com</a>.</p>\n"
        );
        assert_eq!(html("not an@address"), "<p>not an@address</p>\n");
    }
}
