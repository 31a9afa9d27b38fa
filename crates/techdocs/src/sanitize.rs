//! Raw HTML in pages is kept but made safe with ammonia: no scripts, no event handlers, no
//! `javascript:` URLs, no styles, and nothing loaded from the network.

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::OnceLock;

use ammonia::{Builder, UrlRelative};

thread_local! {
    /// URLs removed while cleaning the current page (ammonia's filter cannot return them).
    static BLOCKED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn builder() -> &'static Builder<'static> {
    static BUILDER: OnceLock<Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut b = Builder::default();
        b.add_tags([
            "input",
            "label",
            "details",
            "summary",
            "figure",
            "figcaption",
            "mark",
            "ins",
            "del",
            "kbd",
            "abbr",
            "video",
            "audio",
            "source",
            "picture",
            "section",
            "article",
            "aside",
            "nav",
            "header",
            "footer",
            "main",
            "caption",
            "colgroup",
            "col",
        ])
        .add_generic_attributes(["class", "id", "title", "lang", "dir", "align"])
        .add_generic_attribute_prefixes(["data-"])
        .add_tag_attributes("input", ["type", "name", "checked", "disabled"])
        .add_tag_attributes("label", ["for"])
        .add_tag_attributes("details", ["open"])
        .add_tag_attributes("img", ["width", "height", "loading"])
        .add_tag_attributes(
            "video",
            [
                "src", "controls", "width", "height", "poster", "loop", "muted",
            ],
        )
        .add_tag_attributes("audio", ["src", "controls", "loop", "muted"])
        .add_tag_attributes("source", ["src", "type", "srcset", "media"])
        .add_tag_attributes("td", ["colspan", "rowspan", "style"])
        .add_tag_attributes("th", ["colspan", "rowspan", "style", "scope"])
        .add_tag_attributes("ol", ["start", "type"])
        .add_tag_attributes("a", ["name"])
        .url_schemes(HashSet::from(["http", "https", "mailto", "tel"]))
        .url_relative(UrlRelative::PassThrough)
        .link_rel(None)
        .strip_comments(true)
        .attribute_filter(|element, attribute, value| {
            let loads = matches!(
                (element, attribute),
                (
                    "img" | "video" | "audio" | "source",
                    "src" | "srcset" | "poster"
                )
            );
            if loads && is_remote(value) {
                BLOCKED.with(|b| b.borrow_mut().push(value.to_string()));
                return None;
            }
            if attribute == "style" {
                // Only table cell alignment, which pulldown-cmark writes; nothing that loads.
                let ok = value
                    .split(';')
                    .map(str::trim)
                    .filter(|d| !d.is_empty())
                    .all(|d| {
                        matches!(
                            d,
                            "text-align: left" | "text-align: center" | "text-align: right"
                        )
                    });
                return ok.then(|| value.into());
            }
            Some(value.into())
        });
        b
    })
}

fn is_remote(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("//")
        || lower.contains("://")
        || lower.starts_with("data:") && !lower.starts_with("data:image/")
}

/// Cleans a page's HTML; returns it with the URLs of remote content that was blocked.
pub(crate) fn clean(html: &str) -> (String, Vec<String>) {
    BLOCKED.with(|b| b.borrow_mut().clear());
    let cleaned = builder().clean(html).to_string();
    let blocked = BLOCKED.with(|b| std::mem::take(&mut *b.borrow_mut()));
    (cleaned, blocked)
}

/// Whether the page's raw HTML had something removed (scripts, handlers, unsafe URLs), for
/// a warning: compares tag and attribute counts before and after.
pub(crate) fn removed_something(before: &str, after: &str) -> bool {
    let lower = before.to_ascii_lowercase();
    lower.contains("<script")
        || lower.contains("javascript:")
        || lower.contains("<iframe")
        || lower.contains("<style")
        || lower.contains("<object")
        || lower.contains("<embed")
        || has_event_handler(&lower)
        || before.matches('<').count() > after.matches('<').count() + before.matches("<!--").count()
}

fn has_event_handler(lower: &str) -> bool {
    lower.match_indices(" on").any(|(at, _)| {
        let rest = &lower[at + 3..];
        let name_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        name_len > 0 && rest[name_len..].trim_start().starts_with('=')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_scripts_handlers_and_remote_loads() {
        let (html, blocked) = clean(
            "<p onclick=\"steal()\">Hi<script>alert(1)</script><a href=\"javascript:alert(1)\">x</a>\
             <img src=\"https://tracker.example/p.gif\"><img src=\"img/ok.png\" alt=\"ok\"></p>\
             <div class=\"tabbed-set\"><input type=\"radio\" id=\"t1\" checked><label for=\"t1\">A</label></div>",
        );
        assert!(!html.contains("script"), "{html}");
        assert!(!html.contains("onclick"), "{html}");
        assert!(!html.contains("javascript"), "{html}");
        assert!(!html.contains("tracker"), "{html}");
        assert!(html.contains("img/ok.png"), "{html}");
        assert!(
            html.contains("<input type=\"radio\" id=\"t1\" checked=\"\">"),
            "{html}"
        );
        assert_eq!(blocked, ["https://tracker.example/p.gif"]);
    }
}
