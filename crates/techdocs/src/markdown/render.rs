//! Turns the event stream into HTML: headings with toc ids, links as markers, code blocks,
//! footnotes with Python-Markdown's ids, task lists, and the pre-pass blocks.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;
use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Tag, TagEnd};
use pulldown_cmark_escape::{escape_href, escape_html, escape_html_body_text};

use super::blocks::{Block, Prepared};
use super::highlight;
use super::{
    Heading, PageContext, RawLink, RenderedPage, SectionText, inline_html, strip_tags, unescape,
};
use crate::report::{Warning, WarningKind};
use crate::slug;

type Spanned<'a> = (Event<'a>, Range<usize>);

/// Whether the page has raw HTML of its own (placeholders do not count).
pub(super) fn has_raw_html(events: &[Spanned<'_>], prepared: &Prepared) -> bool {
    events.iter().any(|(e, range)| match e {
        Event::Html(_) => !prepared.placeholders.contains_key(&range.start),
        Event::InlineHtml(_) => true,
        _ => false,
    })
}

/// Elements without an end tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// The deepest nesting of the page's raw HTML tags (a cheap estimate: open tags minus
/// close tags, void and self-closing elements aside).
pub(super) fn raw_html_depth(events: &[Spanned<'_>], prepared: &Prepared) -> usize {
    let mut depth = 0usize;
    let mut max = 0usize;
    for (event, range) in events {
        let html = match event {
            Event::Html(h) if !prepared.placeholders.contains_key(&range.start) => h,
            Event::InlineHtml(h) => h,
            _ => continue,
        };
        let bytes = html.as_bytes();
        let mut i = 0;
        while let Some(at) = html[i..].find('<') {
            let start = i + at + 1;
            let closing = bytes.get(start) == Some(&b'/');
            let name_start = if closing { start + 1 } else { start };
            let name_len = bytes[name_start.min(bytes.len())..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric())
                .count();
            let end = html[start..].find('>').map_or(html.len(), |e| start + e);
            if name_len > 0 {
                let name = html[name_start..name_start + name_len].to_ascii_lowercase();
                let self_closing = html[start..end].ends_with('/');
                if closing {
                    depth = depth.saturating_sub(1);
                } else if !self_closing && !VOID.contains(&name.as_str()) {
                    depth += 1;
                    max = max.max(depth);
                }
            }
            i = end.max(start);
        }
    }
    max
}

/// Turns the page's raw HTML into text, so it is shown escaped rather than interpreted.
pub(super) fn raw_html_as_text<'a>(
    events: Vec<Spanned<'a>>,
    prepared: &Prepared,
) -> Vec<Spanned<'a>> {
    events
        .into_iter()
        .map(|(event, range)| match event {
            Event::Html(h) if !prepared.placeholders.contains_key(&range.start) => {
                (Event::Text(h), range)
            }
            Event::InlineHtml(h) => (Event::Text(h), range),
            other => (other, range),
        })
        .collect()
}

struct Renderer<'p, 'c> {
    prepared: &'p Prepared,
    ctx: &'p PageContext<'c>,
    used_ids: HashSet<String>,
    links: Vec<RawLink>,
    headings: Vec<Heading>,
    anchors: Vec<String>,
    sections: Vec<SectionText>,
    warnings: Vec<Warning>,
    footnote_order: Vec<String>,
    footnote_refs: HashMap<String, usize>,
    footnotes: Vec<(String, String)>,
    tab_sets: usize,
    /// Open tab sets: (set number, tabs opened so far).
    tab_stack: Vec<(usize, usize)>,
    h1_title: Option<String>,
    seen_block: bool,
}

/// Renders the transformed events of one page.
pub(super) fn render(
    events: Vec<Spanned<'_>>,
    prepared: &Prepared,
    ctx: &PageContext<'_>,
) -> RenderedPage {
    // Python-Markdown reserves ids given explicitly before numbering generated ones.
    let used_ids: HashSet<String> = events
        .iter()
        .filter_map(|(e, _)| match e {
            Event::Start(Tag::Heading { id: Some(id), .. }) => Some(id.to_string()),
            _ => None,
        })
        .collect();
    let footnote_order = events
        .iter()
        .filter_map(|(e, _)| match e {
            Event::Start(Tag::FootnoteDefinition(label)) => Some(label.to_string()),
            _ => None,
        })
        .collect();
    let mut r = Renderer {
        prepared,
        ctx,
        used_ids,
        links: Vec::new(),
        headings: Vec::new(),
        anchors: Vec::new(),
        sections: vec![SectionText {
            anchor: None,
            title: String::new(),
            text: String::new(),
        }],
        warnings: Vec::new(),
        footnote_order,
        footnote_refs: HashMap::new(),
        footnotes: Vec::new(),
        tab_sets: 0,
        tab_stack: Vec::new(),
        h1_title: None,
        seen_block: false,
    };
    let out = r.process(events, true);
    let mut html = String::with_capacity(out.len() * 16);
    pulldown_cmark::html::push_html(&mut html, out.into_iter());
    r.append_footnotes(&mut html);
    for section in &mut r.sections {
        let collapsed = section
            .text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        section.text = collapsed;
    }
    if r.sections.first().is_some_and(|s| s.text.is_empty()) {
        r.sections.remove(0);
    }
    RenderedPage {
        html,
        links: r.links,
        meta_title: None,
        h1_title: r.h1_title,
        headings: r.headings,
        anchors: r.anchors,
        sections: r.sections,
        raw_html: false,
        warnings: r.warnings,
        snippets: Vec::new(),
    }
}

impl<'p, 'c> Renderer<'p, 'c> {
    fn line_of(&self, range: &Range<usize>) -> u32 {
        self.prepared.line_of(range.start)
    }

    fn search_text(&mut self, text: &str) {
        if let Some(section) = self.sections.last_mut() {
            section.text.push_str(text);
        }
    }

    /// Processes a sequence of events; `top` is true for the page's own block level.
    fn process<'a>(&mut self, events: Vec<Spanned<'a>>, top: bool) -> Vec<Event<'a>> {
        let mut out: Vec<Event<'a>> = Vec::with_capacity(events.len());
        let mut iter = events.into_iter().peekable();
        while let Some((event, range)) = iter.next() {
            match event {
                Event::Start(Tag::Heading {
                    level,
                    id,
                    classes,
                    attrs,
                }) => {
                    let inner =
                        take_until(&mut iter, |e| matches!(e, Event::End(TagEnd::Heading(_))));
                    let first = top && !self.seen_block;
                    self.seen_block = true;
                    let html = self.heading(
                        level as u8,
                        id.map(|s| s.to_string()),
                        &classes,
                        &attrs,
                        inner,
                        first,
                    );
                    out.push(Event::Html(CowStr::from(html)));
                }
                Event::Start(Tag::Link {
                    dest_url, title, ..
                }) => {
                    let inner = take_until(&mut iter, |e| matches!(e, Event::End(TagEnd::Link)));
                    let attrs = take_attr_list(&mut iter);
                    let html = self.link(&dest_url, &title, inner, attrs, &range);
                    out.push(Event::InlineHtml(CowStr::from(html)));
                }
                Event::Start(Tag::Image {
                    dest_url, title, ..
                }) => {
                    let inner = take_until(&mut iter, |e| matches!(e, Event::End(TagEnd::Image)));
                    let attrs = take_attr_list(&mut iter);
                    let html = self.image(&dest_url, &title, inner, attrs, &range);
                    out.push(Event::InlineHtml(CowStr::from(html)));
                }
                Event::Start(Tag::CodeBlock(kind)) => {
                    let inner =
                        take_until(&mut iter, |e| matches!(e, Event::End(TagEnd::CodeBlock)));
                    if top {
                        self.seen_block = true;
                    }
                    let mut code = String::new();
                    for (e, _) in inner {
                        if let Event::Text(t) = e {
                            code.push_str(&t);
                        }
                    }
                    self.search_text(&code);
                    self.search_text(" ");
                    let info = match kind {
                        CodeBlockKind::Fenced(info) => highlight::parse_info(&info),
                        CodeBlockKind::Indented => highlight::FenceInfo::default(),
                    };
                    let mut html = String::new();
                    if self.ctx.settings.diagram_fences.contains(&info.lang) {
                        html.push_str("<pre class=\"mermaid\"><code>");
                        let _ = escape_html_body_text(&mut html, &code);
                        html.push_str("</code></pre>\n");
                    } else {
                        highlight::code_block(&code, &info, &mut html);
                    }
                    out.push(Event::Html(CowStr::from(html)));
                }
                Event::Code(code) => {
                    self.search_text(&code);
                    match code
                        .strip_prefix("#!")
                        .and_then(|rest| rest.split_once(' '))
                    {
                        Some((lang, src))
                            if !lang.is_empty()
                                && lang.bytes().all(|b| {
                                    b.is_ascii_alphanumeric() || b == b'-' || b == b'+' || b == b'_'
                                }) =>
                        {
                            let mut html = String::new();
                            highlight::inline_code(lang, src, &mut html);
                            out.push(Event::InlineHtml(CowStr::from(html)));
                        }
                        _ => out.push(Event::Code(code)),
                    }
                }
                Event::FootnoteReference(label) => {
                    out.push(Event::InlineHtml(CowStr::from(self.footnote_ref(&label))));
                }
                Event::Start(Tag::FootnoteDefinition(label)) => {
                    let inner = take_until(&mut iter, |e| {
                        matches!(e, Event::End(TagEnd::FootnoteDefinition))
                    });
                    let events = self.process(inner, false);
                    let mut html = String::new();
                    pulldown_cmark::html::push_html(&mut html, events.into_iter());
                    self.footnotes.push((label.to_string(), html));
                }
                Event::Start(Tag::Item) => {
                    if matches!(iter.peek(), Some((Event::TaskListMarker(_), _))) {
                        out.push(Event::Html(CowStr::Borrowed(
                            "<li class=\"task-list-item\">",
                        )));
                    } else {
                        out.push(Event::Start(Tag::Item));
                    }
                }
                Event::TaskListMarker(checked) => {
                    out.push(Event::InlineHtml(CowStr::Borrowed(if checked {
                        "<label class=\"task-list-control\"><input type=\"checkbox\" disabled checked/><span class=\"task-list-indicator\"></span></label>"
                    } else {
                        "<label class=\"task-list-control\"><input type=\"checkbox\" disabled/><span class=\"task-list-indicator\"></span></label>"
                    })));
                }
                Event::Html(html) => {
                    if top {
                        self.seen_block = true;
                    }
                    match self.prepared.placeholders.get(&range.start) {
                        Some(block) if html.trim_start().starts_with("<!--gr:") => {
                            let block = block.clone();
                            let rendered = self.block(&block, &range);
                            out.push(Event::Html(CowStr::from(rendered)));
                        }
                        _ => {
                            self.collect_html_ids(&html);
                            out.push(Event::Html(html));
                        }
                    }
                }
                Event::InlineHtml(html) => {
                    self.collect_html_ids(&html);
                    out.push(Event::InlineHtml(html));
                }
                Event::Text(text) => {
                    self.search_text(&text);
                    out.push(Event::Text(text));
                }
                Event::SoftBreak | Event::HardBreak => {
                    self.search_text(" ");
                    out.push(event);
                }
                Event::End(
                    TagEnd::Paragraph
                    | TagEnd::Item
                    | TagEnd::TableCell
                    | TagEnd::DefinitionListTitle
                    | TagEnd::DefinitionListDefinition,
                ) => {
                    self.search_text(" ");
                    out.push(event);
                }
                Event::Start(ref tag) => {
                    if top && !matches!(tag, Tag::HtmlBlock) {
                        self.seen_block = true;
                    }
                    out.push(event);
                }
                other => out.push(other),
            }
        }
        out
    }

    fn heading<'a>(
        &mut self,
        level: u8,
        explicit_id: Option<String>,
        classes: &[CowStr<'_>],
        attrs: &[(CowStr<'_>, Option<CowStr<'_>>)],
        mut inner: Vec<Spanned<'a>>,
        first_element: bool,
    ) -> String {
        // `## Title {: #id .class }` (the attr_list form pulldown-cmark does not know).
        let mut explicit_id = explicit_id;
        let mut extra_classes: Vec<String> = classes.iter().map(|c| c.to_string()).collect();
        if let Some((Event::Text(last), _)) = inner.last_mut()
            && let Some((before, attrs)) = split_trailing_attr_list(last)
        {
            let parsed = parse_attr_list(attrs);
            if let Some(id) = parsed.id {
                explicit_id = Some(id);
            }
            extra_classes.extend(parsed.classes);
            *last = CowStr::from(before.trim_end().to_string());
        }
        let section_index = self.sections.len();
        // Text of the heading goes to the new section's title, not the previous section.
        self.sections.push(SectionText {
            anchor: None,
            title: String::new(),
            text: String::new(),
        });
        let events = self.process(inner, false);
        let mut inner_html = String::new();
        pulldown_cmark::html::push_html(&mut inner_html, events.into_iter());
        let name = strip_tags(&strip_footnote_refs(&inner_html));
        let id = match explicit_id {
            Some(id) => {
                self.used_ids.insert(id.clone());
                id
            }
            None => slug::unique(
                slug::slugify(
                    &unescape(&name),
                    self.ctx.settings.slug_separator,
                    self.ctx.settings.unicode_slugs,
                ),
                &mut self.used_ids,
            ),
        };
        let title = unescape(&name);
        if first_element && level == 1 {
            self.h1_title = Some(title.clone());
        }
        self.anchors.push(id.clone());
        self.headings.push(Heading {
            level,
            id: id.clone(),
            title: title.clone(),
        });
        if let Some(section) = self.sections.get_mut(section_index) {
            section.anchor = Some(id.clone());
            section.title = title;
            section.text.clear();
        }
        let mut html = String::with_capacity(inner_html.len() + 80);
        let _ = write!(html, "<h{level} id=\"");
        let _ = escape_html(&mut html, &id);
        html.push('"');
        if !extra_classes.is_empty() {
            html.push_str(" class=\"");
            let _ = escape_html(&mut html, &extra_classes.join(" "));
            html.push('"');
        }
        for (key, value) in attrs {
            if is_safe_attr(key) {
                let _ = write!(html, " {key}=\"");
                let _ = escape_html(&mut html, value.as_deref().unwrap_or_default());
                html.push('"');
            }
        }
        html.push('>');
        html.push_str(&inner_html);
        if let Some(symbol) = &self.ctx.settings.permalink {
            html.push_str("<a class=\"headerlink\" href=\"#");
            let _ = escape_href(&mut html, &id);
            html.push_str("\" title=\"Permanent link\">");
            let _ = escape_html_body_text(&mut html, symbol);
            html.push_str("</a>");
        }
        let _ = writeln!(html, "</h{level}>");
        html
    }

    fn record_link(&mut self, url: &str, range: &Range<usize>, is_image: bool) -> String {
        let index = self.links.len();
        self.links.push(RawLink {
            url: url.to_string(),
            line: self.line_of(range),
            is_image,
        });
        format!("\0{index}\0")
    }

    fn link<'a>(
        &mut self,
        dest: &str,
        title: &str,
        inner: Vec<Spanned<'a>>,
        attrs: Option<AttrList>,
        range: &Range<usize>,
    ) -> String {
        let events = self.process(inner, false);
        let mut inner_html = String::new();
        pulldown_cmark::html::push_html(&mut inner_html, events.into_iter());
        let mut html = String::from("<a href=\"");
        match classify(dest) {
            Target::External => {
                let _ = escape_href(&mut html, dest);
            }
            Target::Unsafe => {
                self.warnings.push(Warning::new(
                    WarningKind::UnsafeHtml,
                    self.ctx.repo_path,
                    self.line_of(range),
                    format!(
                        "link to '{}' removed: only http(s), mailto and relative links are kept",
                        truncate(dest)
                    ),
                ));
                html.push('#');
            }
            Target::Relative => {
                let marker = self.record_link(dest, range, false);
                html.push_str(&marker);
            }
        }
        html.push('"');
        if !title.is_empty() {
            html.push_str(" title=\"");
            let _ = escape_html(&mut html, title);
            html.push('"');
        }
        if let Some(attrs) = attrs {
            attrs.write(&mut html);
        }
        html.push('>');
        html.push_str(&inner_html);
        html.push_str("</a>");
        html
    }

    fn image<'a>(
        &mut self,
        dest: &str,
        title: &str,
        inner: Vec<Spanned<'a>>,
        attrs: Option<AttrList>,
        range: &Range<usize>,
    ) -> String {
        let mut alt = String::new();
        for (e, _) in &inner {
            match e {
                Event::Text(t) | Event::Code(t) => alt.push_str(t),
                _ => {}
            }
        }
        match classify(dest) {
            Target::External if !dest.starts_with("data:image/") => {
                self.warnings.push(Warning::new(
                    WarningKind::RemoteContent,
                    self.ctx.repo_path,
                    self.line_of(range),
                    format!(
                        "remote image '{}' is not loaded (docs work offline); shown as a link",
                        truncate(dest)
                    ),
                ));
                let mut html = String::from("<a class=\"remote-image\" href=\"");
                let _ = escape_href(&mut html, dest);
                html.push_str("\">");
                let label = if alt.is_empty() { dest } else { alt.as_str() };
                let _ = escape_html_body_text(&mut html, &format!("Image: {label}"));
                html.push_str("</a>");
                html
            }
            Target::Unsafe => {
                self.warnings.push(Warning::new(
                    WarningKind::UnsafeHtml,
                    self.ctx.repo_path,
                    self.line_of(range),
                    format!("image '{}' removed: unsupported URL scheme", truncate(dest)),
                ));
                let mut html = String::new();
                let _ = escape_html_body_text(&mut html, &alt);
                html
            }
            target => {
                let mut html = String::from("<img src=\"");
                if matches!(target, Target::Relative) {
                    let marker = self.record_link(dest, range, true);
                    html.push_str(&marker);
                } else {
                    let _ = escape_href(&mut html, dest);
                }
                html.push_str("\" alt=\"");
                let _ = escape_html(&mut html, &alt);
                html.push('"');
                if !title.is_empty() {
                    html.push_str(" title=\"");
                    let _ = escape_html(&mut html, title);
                    html.push('"');
                }
                if let Some(attrs) = attrs {
                    attrs.write(&mut html);
                }
                html.push_str(" />");
                html
            }
        }
    }

    fn footnote_ref(&mut self, label: &str) -> String {
        let Some(number) = self
            .footnote_order
            .iter()
            .position(|l| l == label)
            .map(|n| n + 1)
        else {
            let mut html = String::from("[^");
            let _ = escape_html_body_text(&mut html, label);
            html.push(']');
            return html;
        };
        let count = self.footnote_refs.entry(label.to_string()).or_insert(0);
        *count += 1;
        let ref_id = if *count == 1 {
            format!("fnref:{label}")
        } else {
            format!("fnref{count}:{label}")
        };
        self.anchors.push(ref_id.clone());
        let mut html = String::from("<sup id=\"");
        let _ = escape_html(&mut html, &ref_id);
        html.push_str("\"><a class=\"footnote-ref\" href=\"#fn:");
        let _ = escape_href(&mut html, label);
        let _ = write!(html, "\">{number}</a></sup>");
        html
    }

    fn append_footnotes(&mut self, html: &mut String) {
        if self.footnotes.is_empty() {
            return;
        }
        html.push_str("<div class=\"footnote\">\n<hr />\n<ol>\n");
        for (number, label) in self.footnote_order.clone().iter().enumerate() {
            let Some((_, body)) = self.footnotes.iter().find(|(l, _)| l == label) else {
                continue;
            };
            let id = format!("fn:{label}");
            self.anchors.push(id.clone());
            html.push_str("<li id=\"");
            let _ = escape_html(&mut *html, &id);
            html.push_str("\">\n");
            let mut backref = String::from("<a class=\"footnote-backref\" href=\"#fnref:");
            let _ = escape_href(&mut backref, label);
            let _ = write!(
                backref,
                "\" title=\"Jump back to footnote {} in the text\">&#8617;</a>",
                number + 1
            );
            match body.rfind("</p>") {
                Some(at) => {
                    html.push_str(&body[..at]);
                    html.push_str("&#160;");
                    html.push_str(&backref);
                    html.push_str(&body[at..]);
                }
                None => {
                    html.push_str(body);
                    html.push_str(&backref);
                }
            }
            html.push_str("</li>\n");
        }
        html.push_str("</ol>\n</div>\n");
    }

    fn block(&mut self, block: &Block, range: &Range<usize>) -> String {
        let _ = range;
        match block {
            Block::AdmonitionOpen { classes, title } => {
                let mut html = String::from("<div class=\"admonition ");
                let _ = escape_html(&mut html, classes);
                html.push_str("\">\n");
                if let Some(title) = title {
                    html.push_str("<p class=\"admonition-title\">");
                    html.push_str(&inline_html(title));
                    html.push_str("</p>\n");
                    self.search_text(title);
                    self.search_text(" ");
                }
                html
            }
            Block::AdmonitionClose => "</div>\n".to_string(),
            Block::DetailsOpen {
                classes,
                title,
                open,
            } => {
                let mut html = String::from("<details");
                if !classes.is_empty() {
                    html.push_str(" class=\"");
                    let _ = escape_html(&mut html, classes);
                    html.push('"');
                }
                if *open {
                    html.push_str(" open=\"open\"");
                }
                html.push_str(">\n<summary>");
                html.push_str(&inline_html(title));
                html.push_str("</summary>\n");
                self.search_text(title);
                self.search_text(" ");
                html
            }
            Block::DetailsClose => "</details>\n".to_string(),
            Block::TabsOpen { titles, selected } => {
                self.tab_sets += 1;
                let set = self.tab_sets;
                self.tab_stack.push((set, 0));
                let mut html = format!(
                    "<div class=\"tabbed-set tabbed-alternate\" data-tabs=\"{set}:{}\">",
                    titles.len()
                );
                for i in 0..titles.len() {
                    let checked = if i == *selected {
                        "checked=\"checked\" "
                    } else {
                        ""
                    };
                    let _ = write!(
                        html,
                        "<input {checked}id=\"__tabbed_{set}_{}\" name=\"__tabbed_{set}\" type=\"radio\" />",
                        i + 1
                    );
                }
                html.push_str("<div class=\"tabbed-labels\">");
                for (i, title) in titles.iter().enumerate() {
                    let _ = write!(html, "<label for=\"__tabbed_{set}_{}\">", i + 1);
                    html.push_str(&inline_html(title));
                    html.push_str("</label>");
                    self.search_text(title);
                    self.search_text(" ");
                }
                html.push_str("</div>\n<div class=\"tabbed-content\">\n");
                html
            }
            Block::TabOpen => {
                if let Some((_, count)) = self.tab_stack.last_mut() {
                    *count += 1;
                }
                "<div class=\"tabbed-block\">\n".to_string()
            }
            Block::TabClose => "</div>\n".to_string(),
            Block::TabsClose => {
                self.tab_stack.pop();
                "</div>\n</div>\n".to_string()
            }
        }
    }

    /// Ids in raw HTML count as anchors (MkDocs' `_RawHTMLPreprocessor`).
    fn collect_html_ids(&mut self, html: &str) {
        for attr in ["id=\"", "name=\""] {
            let mut rest = html;
            while let Some(at) = rest.find(attr) {
                let value_start = at + attr.len();
                let Some(len) = rest[value_start..].find('"') else {
                    break;
                };
                let before = rest[..at].chars().next_back();
                if before.is_none_or(char::is_whitespace) {
                    self.anchors
                        .push(rest[value_start..value_start + len].to_string());
                }
                rest = &rest[value_start + len..];
            }
        }
    }
}

/// Collects the events up to (and dropping) the matching end event.
fn take_until<'a, I>(
    iter: &mut std::iter::Peekable<I>,
    is_end: impl Fn(&Event<'a>) -> bool,
) -> Vec<Spanned<'a>>
where
    I: Iterator<Item = Spanned<'a>>,
{
    let mut inner = Vec::new();
    for (event, range) in iter.by_ref() {
        if is_end(&event) {
            break;
        }
        inner.push((event, range));
    }
    inner
}

/// An attribute list written right after a link or image: `{ .class #id width="300" }`.
fn take_attr_list<'a, I>(iter: &mut std::iter::Peekable<I>) -> Option<AttrList>
where
    I: Iterator<Item = Spanned<'a>>,
{
    let Some((Event::Text(text), _)) = iter.peek() else {
        return None;
    };
    let body = text.strip_prefix('{')?;
    let end = body.find('}')?;
    let inner = body[..end].strip_prefix(':').unwrap_or(&body[..end]);
    let parsed = parse_attr_list(inner);
    if parsed.is_empty() {
        return None;
    }
    let rest = body[end + 1..].to_string();
    if let Some((Event::Text(text), _)) = iter.peek_mut() {
        *text = CowStr::from(rest);
    }
    Some(parsed)
}

#[derive(Debug, Default)]
struct AttrList {
    id: Option<String>,
    classes: Vec<String>,
    pairs: Vec<(String, String)>,
}

impl AttrList {
    fn is_empty(&self) -> bool {
        self.id.is_none() && self.classes.is_empty() && self.pairs.is_empty()
    }

    fn write(&self, html: &mut String) {
        if let Some(id) = &self.id {
            html.push_str(" id=\"");
            let _ = escape_html(&mut *html, id);
            html.push('"');
        }
        if !self.classes.is_empty() {
            html.push_str(" class=\"");
            let _ = escape_html(&mut *html, &self.classes.join(" "));
            html.push('"');
        }
        for (k, v) in &self.pairs {
            if is_safe_attr(k) {
                html.push(' ');
                html.push_str(k);
                html.push_str("=\"");
                let _ = escape_html(&mut *html, v);
                html.push('"');
            }
        }
    }
}

/// Attributes an attr list may set: no event handlers, styles or URLs.
fn is_safe_attr(key: &str) -> bool {
    matches!(
        key,
        "width" | "height" | "title" | "lang" | "align" | "loading" | "data-toc-label"
    )
}

fn parse_attr_list(text: &str) -> AttrList {
    let mut out = AttrList::default();
    for token in text.split_whitespace() {
        if let Some(id) = token.strip_prefix('#') {
            out.id = Some(id.to_string());
        } else if let Some(class) = token.strip_prefix('.') {
            out.classes.push(class.to_string());
        } else if let Some((k, v)) = token.split_once('=') {
            if k.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                out.pairs.push((
                    k.to_string(),
                    v.trim_matches(|c| c == '"' || c == '\'').to_string(),
                ));
            }
        } else {
            return AttrList::default();
        }
    }
    out
}

/// `Title {: #id }` → ("Title ", " #id ").
fn split_trailing_attr_list(text: &str) -> Option<(&str, &str)> {
    let trimmed = text.trim_end();
    let body = trimmed.strip_suffix('}')?;
    let open = body.rfind("{:")?;
    Some((&text[..open], &body[open + 2..]))
}

fn strip_footnote_refs(html: &str) -> String {
    let mut out = html.to_string();
    while let Some(start) = out.find("<sup id=\"fnref") {
        let Some(end) = out[start..].find("</sup>") else {
            break;
        };
        out.replace_range(start..start + end + 6, "");
    }
    out
}

enum Target {
    External,
    Relative,
    Unsafe,
}

/// Whether a URL leaves the site, stays in it, or uses a scheme that must not be followed.
fn classify(url: &str) -> Target {
    let trimmed = url.trim();
    if trimmed.starts_with("//") {
        return Target::External;
    }
    let scheme_end =
        trimmed.find(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.'));
    if let Some(end) = scheme_end
        && end > 0
        && trimmed[end..].starts_with(':')
    {
        let scheme = trimmed[..end].to_ascii_lowercase();
        return match scheme.as_str() {
            "http" | "https" | "mailto" | "tel" | "ftp" | "ftps" | "data"
                if scheme != "data" || trimmed.starts_with("data:image/") =>
            {
                Target::External
            }
            // A single letter is a Windows drive, i.e. a path.
            s if s.len() == 1 => Target::Relative,
            _ => Target::Unsafe,
        };
    }
    Target::Relative
}

fn truncate(s: &str) -> String {
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s.to_string()
    }
}
