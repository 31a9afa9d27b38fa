//! One Markdown page to HTML, as MkDocs with techdocs-core's extensions renders it.
//!
//! The pipeline: front matter → snippets → block pre-pass (admonitions, tabs, alerts,
//! abbreviations) → pulldown-cmark → inline extensions → rendering of headings (toc ids),
//! links (as markers resolved once the whole site is known), code, footnotes and blocks.

mod blocks;
mod front_matter;
pub(crate) mod highlight;
mod inline;
mod render;
mod snippets;

use std::borrow::Cow;

use pulldown_cmark::{Options, Parser};
use serde::{Deserialize, Serialize};

use crate::config::MarkdownSettings;
use crate::files::DocsFiles;
use crate::report::Warning;

pub use highlight::{theme_css, warm_up};

/// Deepest raw HTML nesting sanitised; deeper markup is escaped instead.
const MAX_RAW_HTML_DEPTH: usize = 256;

/// One line of the page on its way through the pre-passes, with its source line number.
#[derive(Debug, Clone)]
pub(crate) struct Line<'s> {
    pub text: Cow<'s, str>,
    pub origin: u32,
}

impl Line<'_> {
    fn owned(text: String, origin: u32) -> Line<'static> {
        Line {
            text: Cow::Owned(text),
            origin,
        }
    }
}

/// A link or image target as written in a page, to be resolved against the site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RawLink {
    /// The URL as written (relative path, `#anchor`, `/absolute`).
    pub url: String,
    /// Source line.
    pub line: u32,
    /// Image (`src`) rather than link (`href`).
    pub is_image: bool,
}

/// A heading of a page, for its table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// The heading's id (anchor).
    pub id: String,
    /// Plain text.
    pub title: String,
}

/// The text of a page section, for search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SectionText {
    /// Heading id; `None` for text before the first heading.
    pub anchor: Option<String>,
    /// Heading text.
    pub title: String,
    /// Plain text of the section.
    pub text: String,
}

/// A page rendered on its own, before site-wide link resolution.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RenderedPage {
    /// HTML with link markers (`\0N\0`, an index into `links`).
    pub html: String,
    pub links: Vec<RawLink>,
    /// `title` from the front matter.
    pub meta_title: Option<String>,
    /// Text of an H1 that is the page's first element.
    pub h1_title: Option<String>,
    pub headings: Vec<Heading>,
    /// Every id on the page (headings, attribute lists, footnotes, raw HTML).
    pub anchors: Vec<String>,
    pub sections: Vec<SectionText>,
    /// The page holds raw HTML, which must be sanitised.
    pub raw_html: bool,
    pub warnings: Vec<Warning>,
    /// Snippet files included, with their content hashes.
    pub snippets: Vec<(String, [u8; 32])>,
}

/// What rendering a page needs besides its text.
pub(crate) struct PageContext<'a> {
    pub files: &'a dyn DocsFiles,
    /// Repository-relative path of the page, for warnings.
    pub repo_path: &'a str,
    /// Folder of mkdocs.yml (snippet base).
    pub base_dir: &'a str,
    pub settings: &'a MarkdownSettings,
}

/// Renders one page's Markdown source.
pub(crate) fn render_page(source: &str, ctx: &PageContext<'_>) -> RenderedPage {
    let (meta_title, body, first_line) = front_matter::split(source);
    let lines: Vec<Line<'_>> = body
        .split('\n')
        .enumerate()
        .map(|(i, l)| Line {
            text: Cow::Borrowed(l.strip_suffix('\r').unwrap_or(l)),
            origin: first_line + i as u32,
        })
        .collect();
    let mut snippet_ctx = snippets::SnippetContext {
        files: ctx.files,
        base_dir: ctx.base_dir,
        page: ctx.repo_path,
        used: Vec::new(),
        warnings: Vec::new(),
    };
    let lines = snippets::expand(lines, &mut snippet_ctx);
    let prepared = blocks::prepare(&lines);
    drop(lines);
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_DEFINITION_LIST
        | Options::ENABLE_SUBSCRIPT;
    let events: Vec<_> = Parser::new_ext(&prepared.text, options)
        .into_offset_iter()
        .collect();
    let mut raw_html = render::has_raw_html(&events, &prepared);
    let mut warnings = Vec::new();
    let events = if raw_html && render::raw_html_depth(&events, &prepared) > MAX_RAW_HTML_DEPTH {
        // HTML sanitisers slow down quadratically with nesting; such markup is shown as text.
        warnings.push(Warning::new(
            crate::report::WarningKind::UnsafeHtml,
            ctx.repo_path,
            0,
            format!("raw HTML nested deeper than {MAX_RAW_HTML_DEPTH} levels is shown as text"),
        ));
        raw_html = false;
        render::raw_html_as_text(events, &prepared)
    } else {
        events
    };
    let events = inline::transform(events, &prepared.abbreviations);
    let mut page = render::render(events, &prepared, ctx);
    page.meta_title = meta_title;
    page.raw_html = raw_html;
    page.warnings.extend(warnings);
    page.warnings.extend(snippet_ctx.warnings);
    page.snippets = snippet_ctx.used;
    page
}

/// Renders a short piece of inline Markdown (a tab label or admonition title) to HTML.
pub(crate) fn inline_html(text: &str) -> String {
    let events: Vec<_> = Parser::new_ext(text, Options::ENABLE_STRIKETHROUGH)
        .into_offset_iter()
        .collect();
    let events = inline::transform(events, &[]);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter().map(|(e, _)| e));
    let trimmed = html.trim_end();
    trimmed
        .strip_prefix("<p>")
        .and_then(|h| h.strip_suffix("</p>"))
        .unwrap_or(trimmed)
        .to_string()
}

/// Removes comments and tags and collapses whitespace, as Python-Markdown's `strip_tags`.
pub(crate) fn strip_tags(html: &str) -> String {
    let mut text = html.to_string();
    while let Some(start) = text.find("<!--") {
        let Some(end) = text[start..].find("-->") else {
            break;
        };
        text.replace_range(start..start + end + 3, "");
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(start) = rest.find('<') {
        let Some(end) = rest[start..].find('>') else {
            break;
        };
        out.push_str(&rest[..start]);
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Resolves the character references an HTML serialiser produces (`&amp;`, `&#39;`, …).
pub(crate) fn unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        // Byte search: `;` is ASCII, so the slice below ends on a character boundary.
        let end = rest.as_bytes()[..rest.len().min(12)]
            .iter()
            .position(|&b| b == b';');
        let decoded = end.and_then(|end| {
            let name = &rest[1..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}
