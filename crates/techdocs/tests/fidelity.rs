//! Fidelity: each fixture site is built by real MkDocs with mkdocs-techdocs-core (from the
//! virtualenv made by `tests/prepare.sh`) and by this crate, and the page set, titles, URLs,
//! heading ids, link and image targets, prev/next and the nav tree must be the same.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.
use std::path::{Path, PathBuf};
use std::process::Command;

use greenroom_techdocs::{
    BuildOptions, NavKind, NavNode, Site, WorkingTree, build_site, locate_in_folder,
};
use regex::Regex;
use serde_json::{Value, json};

const FIXTURES: &[&str] = &[
    "payments-service",
    "platform-handbook",
    "monorepo",
    "edge-cases",
];
/// pymdownx.emoji's default output is an image from a CDN; Greenroom shows Unicode instead.
const EMOJI_CDN: &str = "https://cdnjs.cloudflare.com/ajax/libs/emojione/";

fn venv_python() -> PathBuf {
    let deps = std::env::var("GREENROOM_TEST_DEPS")
        .unwrap_or_else(|_| "/var/tmp/greenroom-test-deps".into());
    let python = Path::new(&deps).join("mkdocs-venv/bin/python");
    assert!(
        python.exists(),
        "MkDocs is not installed at {}: run crates/techdocs/tests/prepare.sh first",
        python.display()
    );
    python
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn mkdocs_reference(name: &str) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mkdocs_reference.py");
    let output = Command::new(venv_python())
        .arg(script)
        .arg(fixture(name))
        .output()
        .expect("run the MkDocs reference script");
    assert!(
        output.status.success(),
        "mkdocs build failed for {name}:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut reference: Value = serde_json::from_slice(&output.stdout).expect("reference JSON");
    for page in reference["pages"].as_array_mut().into_iter().flatten() {
        for field in ["links", "images"] {
            if let Some(values) = page[field].as_array_mut() {
                for value in values {
                    *value = Value::String(unescape(value.as_str().unwrap_or_default()));
                }
            }
        }
        if let Some(images) = page["images"].as_array_mut() {
            images.retain(|src| !src.as_str().unwrap_or_default().starts_with(EMOJI_CDN));
        }
    }
    reference
}

fn build(name: &str) -> Site {
    let files = WorkingTree::new(fixture(name)).unwrap();
    let location = locate_in_folder(&files, "").expect("fixture has mkdocs.yml");
    build_site(&files, &location, &BuildOptions::default(), None, &|_| {}).expect("build")
}

/// The same shape as the reference, from a Greenroom build.
fn ours(site: &Site) -> Value {
    let heading_id = Regex::new(r#"<h[1-6][^>]*?\sid="([^"]*)""#).unwrap();
    let anchor = Regex::new(r#"<a\s([^>]*)>"#).unwrap();
    let href = Regex::new(r#"href="([^"]*)""#).unwrap();
    let class = Regex::new(r#"class="([^"]*)""#).unwrap();
    let img = Regex::new(r#"<img\s[^>]*?src="([^"]*)""#).unwrap();
    let skipped = ["headerlink", "footnote-ref", "footnote-backref"];
    let mut pages: Vec<Value> = site
        .pages
        .iter()
        .map(|page| {
            let links: Vec<String> = anchor
                .captures_iter(&page.html)
                .filter(|c| {
                    let classes = class.captures(&c[1]).map(|m| m[1].to_string()).unwrap_or_default();
                    !classes.split_whitespace().any(|c| skipped.contains(&c))
                })
                .filter_map(|c| href.captures(&c[1]).map(|h| unescape(&h[1])))
                .collect();
            json!({
                "src_uri": page.src_uri,
                "url": page.url,
                "title": page.title,
                "heading_ids": heading_id.captures_iter(&page.html).map(|c| c[1].to_string()).collect::<Vec<_>>(),
                "links": links,
                "images": img.captures_iter(&page.html).map(|c| unescape(&c[1])).collect::<Vec<_>>(),
                "previous": page.previous.map(|i| site.pages[i].src_uri.clone()),
                "next": page.next.map(|i| site.pages[i].src_uri.clone()),
            })
        })
        .collect();
    pages.sort_by(|a, b| a["src_uri"].as_str().cmp(&b["src_uri"].as_str()));
    json!({"pages": pages, "nav": nav(&site.nav, site)})
}

fn nav(nodes: &[NavNode], site: &Site) -> Vec<Value> {
    nodes
        .iter()
        .map(|n| match &n.kind {
            NavKind::Page { page, .. } => {
                json!({"title": n.title, "page": site.pages[*page].src_uri})
            }
            NavKind::Section { children } => {
                json!({"title": n.title, "section": nav(children, site)})
            }
            NavKind::Link { url } => json!({"title": n.title, "link": url}),
        })
        .collect()
}

/// Decodes the character references of an attribute value (Python-Markdown writes e-mail
/// links as `&#109;&#97;…`, pulldown-cmark escapes `&`).
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "quot" => Some('"'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
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

fn compare(name: &str) {
    let reference = mkdocs_reference(name);
    let site = build(name);
    let ours = ours(&site);
    // `GREENROOM_FIDELITY_DUMP=1 cargo test ... -- --nocapture` prints our side for diagnosis.
    if std::env::var_os("GREENROOM_FIDELITY_DUMP").is_some() {
        eprintln!(
            "{}",
            serde_json::to_string_pretty(&ours).unwrap_or_default()
        );
    }
    let mut problems = Vec::new();
    let ref_pages = reference["pages"].as_array().unwrap();
    let our_pages = ours["pages"].as_array().unwrap();
    let uris = |pages: &[Value]| {
        pages
            .iter()
            .map(|p| p["src_uri"].clone())
            .collect::<Vec<_>>()
    };
    if uris(ref_pages) != uris(our_pages) {
        problems.push(format!(
            "page set differs:\n  mkdocs: {:?}\n  ours:   {:?}",
            uris(ref_pages),
            uris(our_pages)
        ));
    }
    for want in ref_pages {
        let Some(got) = our_pages.iter().find(|p| p["src_uri"] == want["src_uri"]) else {
            continue;
        };
        for field in [
            "url",
            "title",
            "heading_ids",
            "links",
            "images",
            "previous",
            "next",
        ] {
            if want[field] != got[field] {
                problems.push(format!(
                    "{} {field}:\n  mkdocs: {}\n  ours:   {}",
                    want["src_uri"], want[field], got[field]
                ));
            }
        }
    }
    if reference["nav"] != ours["nav"] {
        problems.push(format!(
            "nav differs:\n  mkdocs: {}\n  ours:   {}",
            reference["nav"], ours["nav"]
        ));
    }
    assert!(
        problems.is_empty(),
        "{name}: {} difference(s) from mkdocs build:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn payments_service_matches_mkdocs() {
    compare(FIXTURES[0]);
}

#[test]
fn platform_handbook_matches_mkdocs() {
    compare(FIXTURES[1]);
}

#[test]
fn monorepo_matches_mkdocs() {
    compare(FIXTURES[2]);
}

#[test]
fn edge_cases_match_mkdocs() {
    compare(FIXTURES[3]);
}
