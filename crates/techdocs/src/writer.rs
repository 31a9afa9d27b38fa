//! Writes a built [`Site`] as a static site that works from `file://` in any browser:
//! every link relative, folder links pointing at `index.html`, its own CSS (light and dark),
//! no CDN, plus MkDocs' `search/search_index.json` and TechDocs' `techdocs_metadata.json`.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use pulldown_cmark_escape::{escape_href, escape_html, escape_html_body_text};
use rayon::prelude::*;

use crate::files::DocsFiles;
use crate::links::relative_url;
use crate::markdown::theme_css;
use crate::path;
use crate::site::{NavKind, NavNode, Page, Site};

const CSS_PATH: &str = "assets/greenroom-docs.css";
const JS_PATH: &str = "assets/greenroom-docs.js";
const BASE_CSS: &str = include_str!("assets/docs.css");
const BASE_JS: &str = include_str!("assets/docs.js");

/// The stylesheet of rendered pages (layout, admonitions, tabs, code, light and dark), for a
/// viewer that shows [`Page::html`] itself, like the desktop app.
pub fn stylesheet() -> String {
    static CSS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CSS.get_or_init(|| format!("{BASE_CSS}\n{}", theme_css()))
        .clone()
}

/// Why a site could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// A file system operation failed.
    #[error("cannot write the site to {path}: {source}")]
    Io {
        /// Where.
        path: PathBuf,
        /// The system error.
        #[source]
        source: std::io::Error,
    },
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteSummary {
    /// HTML pages written.
    pub pages: usize,
    /// Assets copied.
    pub assets: usize,
    /// Assets that could not be read from the repository (listed by source path).
    pub missing_assets: Vec<String>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `site` into `out_dir` (replaced as a whole once complete: the site is written to a
/// temporary sibling folder first, then renamed). Assets are read through `files`.
pub fn write_static_site(
    site: &Site,
    files: &dyn DocsFiles,
    out_dir: &Path,
) -> Result<WriteSummary, WriteError> {
    let parent = out_dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(io(parent))?;
    let staging = tempfile::Builder::new()
        .prefix(".greenroom-site-")
        .tempdir_in(parent)
        .map_err(io(parent))?;
    let root = staging.path();
    // Pages are independent: render and write them in parallel.
    let pages = site
        .pages
        .par_iter()
        .enumerate()
        .map(|(index, page)| {
            let Ok(rel) = path::normalize(&page.output_path) else {
                return Ok(0);
            };
            write_file(root, &rel, page_html(site, page, index).as_bytes()).map(|()| 1)
        })
        .sum::<Result<usize, WriteError>>()?;
    let mut summary = WriteSummary {
        pages,
        ..WriteSummary::default()
    };
    for asset in &site.assets {
        let Ok(rel) = path::normalize(&asset.src_uri) else {
            continue;
        };
        match files.read(&asset.source_path, 256 << 20) {
            Ok(bytes) => {
                write_file(root, &rel, &bytes)?;
                summary.assets += 1;
            }
            Err(_) => summary.missing_assets.push(asset.source_path.clone()),
        }
    }
    write_file(root, CSS_PATH, stylesheet().as_bytes())?;
    write_file(root, JS_PATH, BASE_JS.as_bytes())?;
    write_file(
        root,
        "search/search_index.json",
        search_index(site).as_bytes(),
    )?;
    let metadata = serde_json::json!({"site_name": site.name, "site_description": site.description.clone().unwrap_or_default()});
    write_file(
        root,
        "techdocs_metadata.json",
        metadata.to_string().as_bytes(),
    )?;

    // Swap the finished site into place.
    let staged = staging.keep();
    if out_dir.exists() {
        let old = parent.join(format!(
            ".greenroom-old-{}",
            out_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        ));
        let _ = fs::remove_dir_all(&old);
        fs::rename(out_dir, &old).map_err(io(out_dir))?;
        fs::rename(&staged, out_dir).map_err(io(out_dir))?;
        let _ = fs::remove_dir_all(&old);
    } else {
        fs::rename(&staged, out_dir).map_err(io(out_dir))?;
    }
    Ok(summary)
}

fn write_file(root: &Path, rel: &str, bytes: &[u8]) -> Result<(), WriteError> {
    let target = root.join(rel);
    if let Some(dir) = target.parent() {
        fs::create_dir_all(dir).map_err(io(dir))?;
    }
    fs::write(&target, bytes).map_err(io(&target))
}

/// The site's URL of a page as a `file://`-safe link from `from` (folder URLs get
/// `index.html`).
fn link_to(url: &str, from: &Page) -> String {
    let target = if url.is_empty() { "./" } else { url };
    file_safe(&relative_url(target, &page_base(from)))
}

/// The URL a page's relative links are relative to (MkDocs' `File.url`).
fn page_base(page: &Page) -> String {
    if page.url.is_empty() {
        "./".into()
    } else {
        page.url.clone()
    }
}

/// Appends `index.html` to links that name a folder, which `file://` cannot serve.
fn file_safe(href: &str) -> String {
    let (path_part, suffix) = match href.find(['?', '#']) {
        Some(at) => (&href[..at], &href[at..]),
        None => (href, ""),
    };
    if path_part.is_empty()
        || path_part.contains("://")
        || path_part.starts_with("mailto:")
        || path_part.starts_with('/')
    {
        return href.to_string();
    }
    if path_part.ends_with('/') {
        format!("{path_part}index.html{suffix}")
    } else if path_part == "."
        || path_part == ".."
        || path_part.ends_with("/..")
        || path_part.ends_with("/.")
    {
        format!("{path_part}/index.html{suffix}")
    } else {
        href.to_string()
    }
}

/// Rewrites folder links inside a page body for `file://`.
fn file_safe_body(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    while let Some(at) = rest.find("href=\"") {
        let start = at + 6;
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('"') else {
            rest = &rest[start..];
            break;
        };
        out.push_str(&file_safe(&rest[start..start + len]));
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

fn page_html(site: &Site, page: &Page, index: usize) -> String {
    let css = relative_url(CSS_PATH, &page_base(page));
    let js = relative_url(JS_PATH, &page_base(page));
    let mut h = String::with_capacity(page.html.len() + 4096);
    h.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'\">\n<title>");
    let _ = escape_html_body_text(&mut h, &page.title);
    h.push_str(" - ");
    let _ = escape_html_body_text(&mut h, &site.name);
    h.push_str("</title>\n<link rel=\"stylesheet\" href=\"");
    let _ = escape_href(&mut h, &css);
    h.push_str("\">\n<script defer src=\"");
    let _ = escape_href(&mut h, &js);
    h.push_str("\"></script>\n</head>\n<body>\n<header class=\"gr-header\"><a class=\"gr-site-name\" href=\"");
    let _ = escape_href(&mut h, &link_to("", page));
    h.push_str("\">");
    let _ = escape_html_body_text(&mut h, &site.name);
    h.push_str(
        "</a></header>\n<div class=\"gr-layout\">\n<nav class=\"gr-nav\" aria-label=\"Site\">\n",
    );
    nav_html(&site.nav, page, index, &mut h);
    h.push_str("</nav>\n<main class=\"gr-content\">\n<article class=\"md-typeset\">\n");
    h.push_str(&file_safe_body(&page.html));
    h.push_str("</article>\n<footer class=\"gr-footer\">\n");
    if let Some(prev) = page.previous.and_then(|i| site.pages.get(i)) {
        h.push_str("<a class=\"gr-prev\" rel=\"prev\" href=\"");
        let _ = escape_href(&mut h, &link_to(&prev.url, page));
        h.push_str("\">← ");
        let _ = escape_html_body_text(&mut h, &prev.title);
        h.push_str("</a>\n");
    }
    if let Some(next) = page.next.and_then(|i| site.pages.get(i)) {
        h.push_str("<a class=\"gr-next\" rel=\"next\" href=\"");
        let _ = escape_href(&mut h, &link_to(&next.url, page));
        h.push_str("\">");
        let _ = escape_html_body_text(&mut h, &next.title);
        h.push_str(" →</a>\n");
    }
    if let Some(edit) = &page.edit_url {
        h.push_str("<a class=\"gr-edit\" href=\"");
        let _ = escape_href(&mut h, edit);
        h.push_str("\">Edit this page</a>\n");
    }
    h.push_str("</footer>\n</main>\n");
    if !page.toc.is_empty() {
        h.push_str("<aside class=\"gr-toc\" aria-label=\"On this page\"><p>On this page</p><ul>\n");
        for heading in &page.toc {
            let _ = write!(h, "<li class=\"gr-toc-{}\"><a href=\"#", heading.level);
            let _ = escape_href(&mut h, &heading.id);
            h.push_str("\">");
            let _ = escape_html_body_text(&mut h, &heading.title);
            h.push_str("</a></li>\n");
        }
        h.push_str("</ul></aside>\n");
    }
    h.push_str("</div>\n</body>\n</html>\n");
    h
}

/// The nav as Material shows it collapsed: every top-level entry, and the children of the
/// sections on the way to the current page. Writing the whole tree into every page would
/// make a 10,000-page site quadratic; a collapsed section links to its first page instead.
fn nav_html(nodes: &[NavNode], current: &Page, index: usize, h: &mut String) {
    h.push_str("<ul>\n");
    for node in nodes {
        match &node.kind {
            NavKind::Page { page, url } => {
                let active = *page == index;
                h.push_str(if active {
                    "<li class=\"gr-active\"><a aria-current=\"page\" href=\""
                } else {
                    "<li><a href=\""
                });
                let _ = escape_href(&mut *h, &link_to(url, current));
                h.push_str("\">");
                let _ = escape_html_body_text(&mut *h, &node.title);
                h.push_str("</a></li>\n");
            }
            NavKind::Section { children } => {
                if contains_page(children, index) {
                    h.push_str("<li class=\"gr-section gr-open\"><span>");
                    let _ = escape_html_body_text(&mut *h, &node.title);
                    h.push_str("</span>\n");
                    nav_html(children, current, index, h);
                    h.push_str("</li>\n");
                } else {
                    h.push_str("<li class=\"gr-section\">");
                    match first_page_url(children) {
                        Some(url) => {
                            h.push_str("<a href=\"");
                            let _ = escape_href(&mut *h, &link_to(url, current));
                            h.push_str("\">");
                            let _ = escape_html_body_text(&mut *h, &node.title);
                            h.push_str("</a>");
                        }
                        None => {
                            h.push_str("<span>");
                            let _ = escape_html_body_text(&mut *h, &node.title);
                            h.push_str("</span>");
                        }
                    }
                    h.push_str("</li>\n");
                }
            }
            NavKind::Link { url } => {
                h.push_str("<li><a class=\"gr-external\" href=\"");
                let _ = escape_href(&mut *h, url);
                h.push_str("\">");
                let _ = escape_html(&mut *h, &node.title);
                h.push_str("</a></li>\n");
            }
        }
    }
    h.push_str("</ul>\n");
}

fn contains_page(nodes: &[NavNode], index: usize) -> bool {
    nodes.iter().any(|n| match &n.kind {
        NavKind::Page { page, .. } => *page == index,
        NavKind::Section { children } => contains_page(children, index),
        NavKind::Link { .. } => false,
    })
}

fn first_page_url(nodes: &[NavNode]) -> Option<&str> {
    nodes.iter().find_map(|n| match &n.kind {
        NavKind::Page { url, .. } => Some(url.as_str()),
        NavKind::Section { children } => first_page_url(children),
        NavKind::Link { .. } => None,
    })
}

/// MkDocs' lunr `search_index.json` shape, which Backstage's collator reads.
fn search_index(site: &Site) -> String {
    let docs: Vec<serde_json::Value> = site
        .search
        .iter()
        .map(|r| {
            let location = match &r.anchor {
                Some(a) => format!("{}#{a}", r.page_url),
                None => r.page_url.clone(),
            };
            serde_json::json!({"location": location, "title": r.title, "text": r.text})
        })
        .collect();
    serde_json::json!({
        "config": {"indexing": "full", "lang": ["en"], "min_search_length": 3, "prebuild_index": false, "separator": "[\\s\\-]+"},
        "docs": docs,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_links_get_index_html() {
        assert_eq!(
            file_safe("../guide/#install"),
            "../guide/index.html#install"
        );
        assert_eq!(file_safe("./"), "./index.html");
        assert_eq!(file_safe(".."), "../index.html");
        assert_eq!(file_safe("img/x.png"), "img/x.png");
        assert_eq!(file_safe("#top"), "#top");
        assert_eq!(file_safe("https://example.com/"), "https://example.com/");
        assert_eq!(
            file_safe_body("<a href=\"../a/\">x</a><img src=\"b/\">"),
            "<a href=\"../a/index.html\">x</a><img src=\"b/\">"
        );
    }
}
