//! The indentation-based blocks CommonMark does not know, turned into placeholders that
//! pulldown-cmark passes through as one-line HTML comments:
//! admonitions (`!!!`), collapsible details (`???`, `???+`), content tabs (`===`),
//! GitHub/GitLab alerts (`> [!NOTE]`, via the gh-admonitions plugin) and abbreviation
//! definitions (`*[HTML]: ...`).
//!
//! Each block's body (indented by four spaces) is de-indented and processed again, so blocks
//! nest, and the Markdown inside is parsed by pulldown-cmark with the rest of the page.

use std::collections::HashMap;

use super::Line;

/// A construct the renderer emits in place of a placeholder comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Block {
    /// `<div class="admonition …">` with an optional title (Markdown, inline).
    AdmonitionOpen {
        classes: String,
        title: Option<String>,
    },
    /// `<details>` with a summary; `open` for `???+`.
    DetailsOpen {
        classes: String,
        title: String,
        open: bool,
    },
    /// A set of content tabs with their titles (Markdown, inline) and the selected one.
    TabsOpen {
        titles: Vec<String>,
        selected: usize,
    },
    /// The start of tab `index` in the current set.
    TabOpen,
    /// Closes the innermost block of the matching kind.
    AdmonitionClose,
    /// Closes a details block.
    DetailsClose,
    /// Closes one tab.
    TabClose,
    /// Closes a tab set.
    TabsClose,
}

/// The pre-pass result: the text handed to pulldown-cmark, where each output line came from,
/// and which byte offsets hold placeholders.
pub(crate) struct Prepared {
    pub text: String,
    /// Source line (from 1) of each output line.
    pub line_origins: Vec<u32>,
    /// Byte offsets of the start of output lines, for mapping event offsets to lines.
    pub line_starts: Vec<usize>,
    /// Placeholder comment offset (of its `<`) → block.
    pub placeholders: HashMap<usize, Block>,
    /// `*[ABBR]: Title` definitions, in order.
    pub abbreviations: Vec<(String, String)>,
}

impl Prepared {
    /// The source line of a byte offset in `text`.
    pub fn line_of(&self, offset: usize) -> u32 {
        let idx = self
            .line_starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        self.line_origins.get(idx).copied().unwrap_or(1)
    }
}

/// Runs the pre-pass over the page's lines (after snippets).
pub(crate) fn prepare(lines: &[Line<'_>]) -> Prepared {
    let mut out = Prepared {
        text: String::with_capacity(lines.iter().map(|l| l.text.len() + 1).sum()),
        line_origins: Vec::with_capacity(lines.len()),
        line_starts: Vec::with_capacity(lines.len()),
        placeholders: HashMap::new(),
        abbreviations: Vec::new(),
    };
    let needs_blocks = lines.iter().any(|l| {
        let t = l.text.trim_start();
        t.starts_with("!!!")
            || t.starts_with("???")
            || t.starts_with("===")
            || t.starts_with("*[")
            || t.starts_with("> [!")
            || t.starts_with(">[!")
    });
    if !needs_blocks {
        for line in lines {
            push_line(&mut out, &line.text, line.origin);
        }
        return out;
    }
    let owned: Vec<(String, u32)> = lines
        .iter()
        .map(|l| (l.text.to_string(), l.origin))
        .collect();
    process(&owned, &mut out, 0);
    out
}

fn push_line(out: &mut Prepared, text: &str, origin: u32) {
    out.line_starts.push(out.text.len());
    out.line_origins.push(origin);
    out.text.push_str(text);
    out.text.push('\n');
}

fn push_placeholder(out: &mut Prepared, indent: usize, origin: u32, block: Block) {
    let id = out.placeholders.len();
    out.line_starts.push(out.text.len());
    out.line_origins.push(origin);
    out.text.extend(std::iter::repeat_n(' ', indent));
    out.placeholders.insert(out.text.len(), block);
    out.text.push_str(&format!("<!--gr:{id}-->\n"));
}

/// Width of leading whitespace, with tabs to the next multiple of 4.
fn indent_of(line: &str) -> usize {
    let mut width = 0;
    for c in line.chars() {
        match c {
            ' ' => width += 1,
            '\t' => width += 4 - width % 4,
            _ => break,
        }
    }
    width
}

/// Removes `cols` columns of leading whitespace (expanding tabs).
fn dedent(line: &str, cols: usize) -> String {
    let mut width = 0;
    for (i, c) in line.char_indices() {
        if width >= cols {
            return format!("{}{}", " ".repeat(width - cols), &line[i..]);
        }
        match c {
            ' ' => width += 1,
            '\t' => width += 4 - width % 4,
            _ => return format!("{}{}", " ".repeat(width.saturating_sub(cols)), &line[i..]),
        }
    }
    String::new()
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// A fence opening (``` or ~~~, three or more), as (char, count).
fn fence_open(line: &str) -> Option<(char, usize)> {
    let t = line.trim_start();
    let c = t.chars().next()?;
    if c != '`' && c != '~' {
        return None;
    }
    let n = t.chars().take_while(|&x| x == c).count();
    // A backtick fence's info string may not contain backticks.
    (n >= 3 && !(c == '`' && t[n..].contains('`'))).then_some((c, n))
}

fn fence_closes(line: &str, open: (char, usize)) -> bool {
    let t = line.trim();
    t.chars().take_while(|&x| x == open.0).count() >= open.1 && t.chars().all(|x| x == open.0)
}

/// The lines after `start` that belong to a block opened at `indent`: blank or indented by
/// at least `indent + 4`; trailing blank lines are left out.
fn body_end(lines: &[(String, u32)], start: usize, indent: usize) -> usize {
    let mut end = start;
    let mut last_content = start;
    while end < lines.len() {
        let text = &lines[end].0;
        if is_blank(text) {
            end += 1;
            continue;
        }
        if indent_of(text) < indent + 4 {
            break;
        }
        end += 1;
        last_content = end;
    }
    last_content
}

fn process(lines: &[(String, u32)], out: &mut Prepared, depth: usize) {
    let mut fence: Option<(char, usize)> = None;
    let mut i = 0;
    while i < lines.len() {
        let (text, origin) = (&lines[i].0, lines[i].1);
        if let Some(open) = fence {
            if fence_closes(text, open) {
                fence = None;
            }
            push_line(out, text, origin);
            i += 1;
            continue;
        }
        if let Some(open) = fence_open(text) {
            fence = Some(open);
            push_line(out, text, origin);
            i += 1;
            continue;
        }
        // Nesting this deep is hostile input; stop recognising blocks (the text stays).
        if depth > 64 {
            push_line(out, text, origin);
            i += 1;
            continue;
        }
        let indent = indent_of(text);
        let trimmed = text.trim_start();
        if let Some(header) = admonition_header(trimmed) {
            let end = body_end(lines, i + 1, indent);
            let body: Vec<(String, u32)> = lines[i + 1..end]
                .iter()
                .map(|(l, o)| (dedent(l, 4), *o))
                .collect();
            let (open, close) = match header {
                Header::Admonition { classes, title } => (
                    Block::AdmonitionOpen { classes, title },
                    Block::AdmonitionClose,
                ),
                Header::Details {
                    classes,
                    title,
                    open,
                } => (
                    Block::DetailsOpen {
                        classes,
                        title,
                        open,
                    },
                    Block::DetailsClose,
                ),
            };
            emit_block(
                out,
                indent,
                origin,
                open,
                close,
                &body,
                lines.get(end.saturating_sub(1)).map_or(origin, |l| l.1),
                depth,
            );
            i = end;
            continue;
        }
        if let Some((kind, title)) = alert_header(text) {
            // gh-admonitions: every following line starting with `>` is the body.
            let mut end = i + 1;
            while end < lines.len() && lines[end].0.starts_with('>') {
                end += 1;
            }
            if end > i + 1 {
                let body: Vec<(String, u32)> = lines[i + 1..end]
                    .iter()
                    .map(|(l, o)| {
                        let stripped = l.strip_prefix('>').unwrap_or(l);
                        (
                            stripped.strip_prefix(' ').unwrap_or(stripped).to_string(),
                            *o,
                        )
                    })
                    .collect();
                let class = match kind.as_str() {
                    "caution" => "danger".to_string(),
                    "important" => "warning".to_string(),
                    other => other.to_string(),
                };
                let title = if title.is_empty() {
                    title_case(&kind)
                } else {
                    title
                };
                emit_block(
                    out,
                    0,
                    origin,
                    Block::AdmonitionOpen {
                        classes: class,
                        title: Some(title),
                    },
                    Block::AdmonitionClose,
                    &body,
                    lines[end - 1].1,
                    depth,
                );
                i = end;
                continue;
            }
        }
        if tab_header(trimmed).is_some() {
            let mut tabs: Vec<(String, Vec<(String, u32)>)> = Vec::new();
            let mut selected = 0;
            let mut j = i;
            let mut first = true;
            while let Some(t) = lines.get(j).and_then(|l| {
                (indent_of(&l.0) == indent)
                    .then(|| tab_header(l.0.trim_start()))
                    .flatten()
            }) {
                if t.new_set && !first {
                    break;
                }
                first = false;
                if t.selected {
                    selected = tabs.len();
                }
                let end = body_end(lines, j + 1, indent);
                let body = lines[j + 1..end]
                    .iter()
                    .map(|(l, o)| (dedent(l, 4), *o))
                    .collect();
                tabs.push((t.title, body));
                // The next tab of the set may follow after blank lines.
                let mut next = end;
                while next < lines.len() && is_blank(&lines[next].0) {
                    next += 1;
                }
                j = next;
                i = end;
            }
            let last_origin = lines.get(i.saturating_sub(1)).map_or(origin, |l| l.1);
            let titles = tabs.iter().map(|(t, _)| t.clone()).collect();
            push_placeholder(out, indent, origin, Block::TabsOpen { titles, selected });
            for (_, body) in &tabs {
                push_line(out, "", origin);
                push_placeholder(out, indent, origin, Block::TabOpen);
                push_line(out, "", origin);
                let shifted: Vec<(String, u32)> = body
                    .iter()
                    .map(|(l, o)| (indent_body(l, indent), *o))
                    .collect();
                process(&shifted, out, depth + 1);
                push_line(out, "", last_origin);
                push_placeholder(out, indent, last_origin, Block::TabClose);
            }
            push_line(out, "", last_origin);
            push_placeholder(out, indent, last_origin, Block::TabsClose);
            continue;
        }
        if indent < 4
            && let Some((abbr, title)) = abbreviation(trimmed)
        {
            out.abbreviations.push((abbr, title));
            // Keep the line count so later lines keep their numbers.
            push_line(out, "", origin);
            i += 1;
            continue;
        }
        push_line(out, text, origin);
        i += 1;
    }
}

/// Body lines keep the block's own indentation so blocks inside list items stay inside.
fn indent_body(line: &str, indent: usize) -> String {
    if indent == 0 || is_blank(line) {
        line.to_string()
    } else {
        format!("{}{line}", " ".repeat(indent))
    }
}

#[allow(clippy::too_many_arguments)]
fn emit_block(
    out: &mut Prepared,
    indent: usize,
    origin: u32,
    open: Block,
    close: Block,
    body: &[(String, u32)],
    last_origin: u32,
    depth: usize,
) {
    push_placeholder(out, indent, origin, open);
    push_line(out, "", origin);
    let shifted: Vec<(String, u32)> = body
        .iter()
        .map(|(l, o)| (indent_body(l, indent), *o))
        .collect();
    process(&shifted, out, depth + 1);
    push_line(out, "", last_origin);
    push_placeholder(out, indent, last_origin, close);
}

enum Header {
    Admonition {
        classes: String,
        title: Option<String>,
    },
    Details {
        classes: String,
        title: String,
        open: bool,
    },
}

/// `!!! type [more classes] ["Title"]`, `??? type ["Title"]`, `???+ …`.
fn admonition_header(line: &str) -> Option<Header> {
    let (is_details, open, rest) = if let Some(rest) = line.strip_prefix("!!!") {
        (false, false, rest)
    } else if let Some(rest) = line.strip_prefix("???+") {
        (true, true, rest)
    } else if let Some(rest) = line.strip_prefix("???") {
        (true, false, rest)
    } else {
        return None;
    };
    let rest = rest.trim_end();
    let (class_part, title) = match rest.find('"') {
        Some(q) => {
            let title_part = rest[q..].trim_end();
            if !(title_part.len() >= 2 && title_part.ends_with('"')) {
                return None;
            }
            (
                &rest[..q],
                Some(title_part[1..title_part.len() - 1].to_string()),
            )
        }
        None => (rest, None),
    };
    let classes: Vec<&str> = class_part.split_whitespace().collect();
    if classes.iter().any(|c| {
        !c.chars()
            .all(|ch| ch.is_alphanumeric() || ch == '_' || ch == '-')
    }) {
        return None;
    }
    // `!!!note` (no space) is allowed by Python-Markdown; a title needs a space before it.
    if classes.is_empty() && !is_details {
        return None;
    }
    let classes = classes.join(" ").to_lowercase();
    let default_title = || capitalize(classes.split(' ').next().unwrap_or_default());
    if is_details {
        if classes.is_empty() && title.is_none() {
            return None;
        }
        Some(Header::Details {
            title: title.unwrap_or_else(default_title),
            classes,
            open,
        })
    } else {
        let title = match title {
            None => Some(default_title()),
            Some(t) if t.is_empty() => None,
            Some(t) => Some(t),
        };
        Some(Header::Admonition { classes, title })
    }
}

struct TabHeader {
    title: String,
    selected: bool,
    new_set: bool,
}

/// `=== "Title"`, with `+` (selected) and `!` (starts a new set) in either order.
fn tab_header(line: &str) -> Option<TabHeader> {
    let rest = line.strip_prefix("===")?;
    let flags: String = rest
        .chars()
        .take_while(|c| *c == '+' || *c == '!')
        .collect();
    let rest = &rest[flags.len()..];
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let rest = rest.trim();
    if rest.len() < 2 || !rest.starts_with('"') || !rest.ends_with('"') {
        return None;
    }
    Some(TabHeader {
        title: rest[1..rest.len() - 1].to_string(),
        selected: flags.contains('+'),
        new_set: flags.contains('!'),
    })
}

/// `> [!NOTE] optional title` at the start of a line (gh-admonitions).
fn alert_header(line: &str) -> Option<(String, String)> {
    let rest = line.strip_prefix('>')?;
    let rest = rest.trim_start_matches(' ');
    if line.len() - rest.len() > 4 {
        return None;
    }
    let rest = rest.strip_prefix("[!")?;
    let (kind, title) = rest.split_once(']')?;
    let kind = kind.to_ascii_lowercase();
    matches!(
        kind.as_str(),
        "note" | "tip" | "important" | "caution" | "warning"
    )
    .then(|| (kind, title.trim().to_string()))
}

/// `*[ABBR]: Title`.
fn abbreviation(line: &str) -> Option<(String, String)> {
    let rest = line.strip_prefix("*[")?;
    let (abbr, rest) = rest.split_once("]:")?;
    if abbr.is_empty() {
        return None;
    }
    Some((abbr.to_string(), rest.trim().to_string()))
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

/// Python's `str.title()` for a single ASCII word.
fn title_case(s: &str) -> String {
    capitalize(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn run(text: &str) -> Prepared {
        let lines: Vec<Line<'_>> = text
            .lines()
            .enumerate()
            .map(|(i, l)| Line {
                text: Cow::Borrowed(l),
                origin: i as u32 + 1,
            })
            .collect();
        prepare(&lines)
    }

    #[test]
    fn admonition_bodies_are_dedented_and_nested() {
        let p = run("!!! note \"Heads up\"\n    Body\n\n    !!! tip\n        Inner\nAfter\n");
        assert_eq!(
            p.text,
            "<!--gr:0-->\n\nBody\n\n<!--gr:1-->\n\nInner\n\n<!--gr:2-->\n\n<!--gr:3-->\nAfter\n"
        );
        let blocks: Vec<&Block> = {
            let mut v: Vec<(&usize, &Block)> = p.placeholders.iter().collect();
            v.sort_by_key(|(k, _)| **k);
            v.into_iter().map(|(_, b)| b).collect()
        };
        assert_eq!(
            blocks[0],
            &Block::AdmonitionOpen {
                classes: "note".into(),
                title: Some("Heads up".into())
            }
        );
        assert_eq!(
            blocks[1],
            &Block::AdmonitionOpen {
                classes: "tip".into(),
                title: Some("Tip".into())
            }
        );
        // "Inner" is on source line 5.
        let inner = p.text.find("Inner").unwrap();
        assert_eq!(p.line_of(inner), 5);
    }

    #[test]
    fn fences_hide_block_markers() {
        let p = run("```\n!!! note\n    x\n```\n");
        assert!(p.placeholders.is_empty());
        assert!(p.text.contains("!!! note"));
    }

    #[test]
    fn consecutive_tabs_form_one_set() {
        let p = run("=== \"A\"\n    one\n\n===+ \"B\"\n    two\n\n===! \"C\"\n    three\n");
        let sets: Vec<&Block> = p
            .placeholders
            .values()
            .filter(|b| matches!(b, Block::TabsOpen { .. }))
            .collect();
        assert_eq!(sets.len(), 2);
        assert!(sets.contains(&&Block::TabsOpen {
            titles: vec!["A".into(), "B".into()],
            selected: 1
        }));
    }

    #[test]
    fn headers_parse_as_python_markdown() {
        assert!(matches!(
            admonition_header("!!! warning \"\""),
            Some(Header::Admonition { title: None, .. })
        ));
        assert!(matches!(
            admonition_header("???+ danger"),
            Some(Header::Details { open: true, .. })
        ));
        assert!(admonition_header("!!!").is_none());
        assert_eq!(
            alert_header("> [!CAUTION]"),
            Some(("caution".into(), String::new()))
        );
        assert_eq!(
            abbreviation("*[HTML]: Hyper Text"),
            Some(("HTML".into(), "Hyper Text".into()))
        );
    }
}
