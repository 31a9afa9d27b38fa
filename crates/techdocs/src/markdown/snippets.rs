//! `pymdownx.snippets` (`--8<--`): includes other files' lines, before any other parsing
//! (so it works inside code fences too), confined to the folder of `mkdocs.yml` as
//! techdocs-core's `restrict_base_path: true` demands.

use crate::files::DocsFiles;
use crate::path;
use crate::report::{Warning, WarningKind};

use super::Line;

/// Largest snippet file read.
const MAX_SNIPPET_BYTES: u64 = 4 << 20;
/// Most lines a page may grow to through snippets.
const MAX_EXPANDED_LINES: usize = 500_000;

/// Where snippets may come from and what was read (for cache validation).
pub(crate) struct SnippetContext<'a> {
    pub files: &'a dyn DocsFiles,
    /// Folder of `mkdocs.yml`: snippet paths are relative to it and may not leave it.
    pub base_dir: &'a str,
    /// The page (repository-relative), for warnings.
    pub page: &'a str,
    /// Snippet files read, with a hash of their content.
    pub used: Vec<(String, [u8; 32])>,
    pub warnings: Vec<Warning>,
}

/// Expands snippet markers in `lines`.
pub(crate) fn expand<'s>(lines: Vec<Line<'s>>, ctx: &mut SnippetContext<'_>) -> Vec<Line<'s>> {
    // Cheap exit: most pages have no snippets.
    if !lines.iter().any(|l| l.text.contains("8<")) {
        return lines;
    }
    let mut seen = Vec::new();
    let mut out = Vec::with_capacity(lines.len());
    parse(lines, None, &mut seen, ctx, &mut out, false);
    out
}

enum Marker<'a> {
    Escaped,
    Inline { space: &'a str, path: &'a str },
    Block,
}

fn marker(line: &str) -> Option<Marker<'_>> {
    let trimmed = line.trim_start_matches([' ', '\t']);
    let space = &line[..line.len() - trimmed.len()];
    let unescaped = trimmed.trim_start_matches(';');
    let escaped = unescaped.len() != trimmed.len();
    let rest = unescaped.trim_end_matches('\r');
    // -{1,}8<-{1,}
    let dashes = rest.len() - rest.trim_start_matches('-').len();
    if dashes == 0 {
        return None;
    }
    let after = rest[dashes..].strip_prefix("8<")?;
    let dashes2 = after.len() - after.trim_start_matches('-').len();
    if dashes2 == 0 {
        return None;
    }
    let after = &after[dashes2..];
    if after.is_empty() {
        return Some(if escaped {
            Marker::Escaped
        } else {
            Marker::Block
        });
    }
    let quoted = after.trim_start_matches([' ', '\t']);
    if quoted.len() == after.len() {
        return None;
    }
    let quote = quoted.chars().next()?;
    if !(quote == '"' || quote == '\'') || quoted.len() < 3 || !quoted.ends_with(quote) {
        return None;
    }
    if escaped {
        return Some(Marker::Escaped);
    }
    Some(Marker::Inline {
        space,
        path: quoted[1..quoted.len() - 1].trim(),
    })
}

/// `--8<-- [start:name]` / `[end:name]` lines, which are dropped from included files.
fn section_marker(line: &str) -> Option<(bool, &str)> {
    let at = line.find("8<")?;
    let rest = line[at + 2..].trim_start_matches('-');
    let rest = rest.trim_start();
    let inner = rest.strip_prefix('[')?.split_once(']')?.0;
    let (kind, name) = inner.split_once(':')?;
    let start = match kind.trim().to_ascii_lowercase().as_str() {
        "start" => true,
        "end" => false,
        _ => return None,
    };
    Some((start, name.trim()))
}

fn parse<'s>(
    lines: Vec<Line<'s>>,
    file: Option<&str>,
    seen: &mut Vec<String>,
    ctx: &mut SnippetContext<'_>,
    out: &mut Vec<Line<'s>>,
    is_section: bool,
) {
    if let Some(file) = file {
        seen.push(file.to_string());
    }
    let mut block = false;
    for line in lines {
        let m = marker(&line.text);
        let (space, target) = match m {
            Some(Marker::Escaped) => {
                let text = line.text.replacen(';', "", 1);
                out.push(Line::owned(text, line.origin));
                continue;
            }
            Some(Marker::Block) => {
                block = !block;
                continue;
            }
            Some(Marker::Inline { .. }) if block => continue,
            Some(Marker::Inline { space, path }) => (space.to_string(), path.to_string()),
            None if block => {
                let trimmed = line.text.trim_start_matches([' ', '\t']);
                let space = line.text[..line.text.len() - trimmed.len()].to_string();
                if trimmed.trim().is_empty() {
                    out.push(Line::owned(String::new(), line.origin));
                    continue;
                }
                (space, trimmed.trim().to_string())
            }
            None => {
                if !is_section && section_marker(&line.text).is_some() {
                    continue;
                }
                out.push(line);
                continue;
            }
        };
        if target.starts_with(';') {
            continue;
        }
        if out.len() > MAX_EXPANDED_LINES {
            ctx.warnings.push(Warning::new(
                WarningKind::Snippet,
                ctx.page,
                line.origin,
                format!("snippets expand this page past {MAX_EXPANDED_LINES} lines; the rest are not included"),
            ));
            break;
        }
        let (file_part, selection) = split_selection(&target);
        if file_part.to_ascii_lowercase().starts_with("http://")
            || file_part.to_ascii_lowercase().starts_with("https://")
        {
            ctx.warnings.push(Warning::new(
                WarningKind::Snippet,
                ctx.page,
                line.origin,
                format!("snippet '{file_part}' is a URL; remote snippets are never downloaded"),
            ));
            continue;
        }
        let resolved = match path::join(ctx.base_dir, file_part) {
            Ok(p) if path::is_within(&p, ctx.base_dir) => p,
            _ => {
                ctx.warnings.push(Warning::new(
                    WarningKind::Snippet,
                    ctx.page,
                    line.origin,
                    format!(
                        "snippet '{file_part}' is outside the folder of mkdocs.yml; snippets are restricted to it (restrict_base_path)"
                    ),
                ));
                continue;
            }
        };
        if seen.contains(&resolved) {
            // pymdownx skips a file already being included, which breaks cycles.
            continue;
        }
        let text = match ctx.files.read_text(&resolved, MAX_SNIPPET_BYTES) {
            Ok(text) => text,
            Err(err) => {
                ctx.warnings.push(Warning::new(
                    WarningKind::Snippet,
                    ctx.page,
                    line.origin,
                    format!("snippet '{file_part}' not included: {err}"),
                ));
                continue;
            }
        };
        ctx.used
            .push((resolved.clone(), *blake3::hash(text.as_bytes()).as_bytes()));
        let mut s_lines: Vec<String> = text
            .lines()
            .map(|l| l.trim_end_matches('\r').to_string())
            .collect();
        if text.ends_with('\n') {
            s_lines.push(String::new());
        }
        let mut is_sub_section = false;
        match selection {
            Selection::All => {}
            Selection::Lines(spans) => {
                let total = s_lines.len() as i64;
                let mut picked = Vec::new();
                for (start, end) in spans {
                    let s = match start {
                        Some(s) if s < 0 => (total + s).clamp(0, total),
                        Some(s) => (s - 1).max(0),
                        None => 0,
                    };
                    let e = match end {
                        Some(e) if e < 0 => (total + 1 + e).clamp(0, total),
                        Some(e) => e.min(total),
                        None => total,
                    };
                    if s < e {
                        picked.extend_from_slice(&s_lines[s as usize..e as usize]);
                    }
                }
                s_lines = picked;
            }
            Selection::Section(name) => {
                is_sub_section = true;
                s_lines = extract_section(&s_lines, name);
            }
        }
        let origin = line.origin;
        let sub: Vec<Line<'s>> = s_lines
            .into_iter()
            .map(|l| Line::owned(l, origin))
            .collect();
        let mut expanded = Vec::new();
        parse(
            sub,
            Some(&resolved),
            seen,
            ctx,
            &mut expanded,
            is_sub_section,
        );
        for l in expanded {
            out.push(Line::owned(format!("{space}{}", l.text), origin));
        }
    }
    if file.is_some() {
        seen.pop();
    }
}

enum Selection<'a> {
    All,
    Lines(Vec<(Option<i64>, Option<i64>)>),
    Section(&'a str),
}

/// Splits `file.md:3:5,8:9` or `file.md:name` into the file and what to take from it.
fn split_selection(target: &str) -> (&str, Selection<'_>) {
    if let Some((file, spec)) = target.split_once(':') {
        // A Windows drive letter or URL scheme is not a selection.
        if file.is_empty() {
            return (target, Selection::All);
        }
        let looks_numeric = spec
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ':' | ',' | '-'));
        if looks_numeric && !spec.is_empty() {
            let spans = spec
                .split(',')
                .map(|span| {
                    let mut parts = span.split(':');
                    let start = parts.next().and_then(|s| s.parse().ok());
                    let end = parts.next().and_then(|s| s.parse().ok());
                    (start, end)
                })
                .collect();
            return (file, Selection::Lines(spans));
        }
        let is_name = spec.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && spec
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if is_name {
            return (file, Selection::Section(spec));
        }
    }
    (target, Selection::All)
}

fn extract_section(lines: &[String], name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in lines {
        if let Some((is_start, marker_name)) = section_marker(line) {
            if marker_name == name {
                if is_start {
                    inside = true;
                    continue;
                }
                // An end marker (or one before any start) closes the section.
                break;
            }
            if inside {
                continue;
            }
        }
        if inside {
            out.push(line.clone());
        }
    }
    out
}
