//! Building, caching, writing and checking sites made in temporary folders.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::sync::Mutex;

use greenroom_techdocs::{
    BuildOptions, DocsLocation, DocsRequest, DocsSite, LocateError, Progress, Site, SiteCache,
    WarningKind, WorkingTree, build_site, check, locate_docs, locate_in_folder, write_static_site,
};

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn build(root: &Path, cache: Option<&SiteCache>) -> Site {
    let files = WorkingTree::new(root).unwrap();
    let location = locate_in_folder(&files, "").unwrap();
    build_site(&files, &location, &BuildOptions::default(), cache, &|_| {}).unwrap()
}

fn request(dir: &str, annotations: &[(&str, &str)], urls: &[&str]) -> DocsRequest {
    DocsRequest {
        descriptor_dir: dir.into(),
        annotations: annotations
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        repo_urls: urls.iter().map(|u| u.to_string()).collect(),
    }
}

#[test]
fn finds_docs_from_annotations_as_techdocs() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    write(root, "mkdocs.yml", "site_name: Root\n");
    write(root, "services/api/catalog-info.yaml", "kind: Component\n");
    write(root, "services/api/mkdocs.yml", "site_name: Api\n");
    write(root, "services/api/mkdocs.yaml", "site_name: Api (yaml)\n");
    write(root, "services/api/site/docs/index.md", "# x\n");
    write(root, "services/web/docs/index.md", "# Web\n");
    write(root, "services/api/empty/.keep", "");
    let files = WorkingTree::new(root).unwrap();
    let local = |dir: &str, config: Option<&str>| {
        DocsSite::Local(DocsLocation {
            dir: dir.into(),
            config_file: config.map(str::to_string),
        })
    };

    // dir:. is the descriptor's folder; mkdocs.yaml wins over mkdocs.yml.
    let found = locate_docs(
        &files,
        &request(
            "services/api",
            &[("backstage.io/techdocs-ref", "dir:.")],
            &[],
        ),
    )
    .unwrap();
    assert_eq!(
        found,
        local("services/api", Some("services/api/mkdocs.yaml"))
    );
    // A docs/ folder without mkdocs.yml still has docs (a configuration is synthesised).
    let found = locate_docs(
        &files,
        &request(
            "services/web",
            &[("backstage.io/techdocs-ref", "dir:.")],
            &[],
        ),
    )
    .unwrap();
    assert_eq!(found, local("services/web", None));
    // url: into the same repository is read locally; another repository is not available.
    let same = request(
        "services/api",
        &[(
            "backstage.io/techdocs-ref",
            "url:https://github.com/acme/mono/tree/main/services/web",
        )],
        &["git@github.com:acme/mono.git"],
    );
    assert_eq!(
        locate_docs(&files, &same).unwrap(),
        local("services/web", None)
    );
    let other = request(
        "services/api",
        &[(
            "backstage.io/techdocs-ref",
            "url:https://github.com/acme/elsewhere/tree/main",
        )],
        &["https://github.com/acme/mono"],
    );
    assert_eq!(
        locate_docs(&files, &other).unwrap(),
        DocsSite::NotAvailableOffline {
            url: "https://github.com/acme/elsewhere/tree/main".into()
        }
    );
    // Borrowing another entity's docs, and the root fallback without annotations.
    let borrowed = request(
        "services/api",
        &[("backstage.io/techdocs-entity", "component:default/web")],
        &[],
    );
    assert_eq!(
        locate_docs(&files, &borrowed).unwrap(),
        DocsSite::OtherEntity("component:default/web".into())
    );
    assert_eq!(
        locate_docs(&files, &request("x", &[], &[])).unwrap(),
        local("", Some("mkdocs.yml"))
    );
    // Errors a person can act on.
    let escaping = request(
        "services/api",
        &[("backstage.io/techdocs-ref", "dir:../../..")],
        &[],
    );
    assert!(matches!(
        locate_docs(&files, &escaping),
        Err(LocateError::Escapes(_))
    ));
    let missing = request(
        "services/api",
        &[("backstage.io/techdocs-ref", "dir:./empty")],
        &[],
    );
    let err = locate_docs(&files, &missing).unwrap_err();
    assert!(err.to_string().contains("services/api/empty"), "{err}");
    let bad = request(
        "services/api",
        &[("backstage.io/techdocs-ref", "path/to/docs")],
        &[],
    );
    assert!(matches!(
        locate_docs(&files, &bad),
        Err(LocateError::BadRef(_))
    ));
}

const FEATURES_PAGE: &str = r#"# Features

!!! note "Read me"
    Inside an **admonition**.

??? tip "Collapsed"
    Hidden.

???+ danger
    Open.

=== "One"
    First tab.

=== "Two"
    Second tab.

```python title="app.py"
print("hi")
```

```mermaid
graph TD; A-->B
```

- [x] done
- [ ] todo

Term
:   Definition.

Text with a footnote[^1], ==mark==, ^^ins^^, ~~del~~, ++ctrl+alt+del++, :tada: and HTML.

*[HTML]: Hyper Text Markup Language

[^1]: The note.

## Café & Crème

## Café & Crème
"#;

#[test]
fn renders_techdocs_core_markdown() {
    let repo = tempfile::tempdir().unwrap();
    write(repo.path(), "mkdocs.yml", "site_name: Features\n");
    write(repo.path(), "docs/index.md", FEATURES_PAGE);
    let site = build(repo.path(), None);
    let html = &site.pages[0].html;
    for fragment in [
        "<div class=\"admonition note\">\n<p class=\"admonition-title\">Read me</p>",
        "<strong>admonition</strong>",
        "<details class=\"tip\">\n<summary>Collapsed</summary>",
        "<details class=\"danger\" open=\"open\">\n<summary>Danger</summary>",
        "<div class=\"tabbed-set tabbed-alternate\" data-tabs=\"1:2\">",
        "<label for=\"__tabbed_1_2\">Two</label>",
        "<span class=\"filename\">app.py</span>",
        "<pre class=\"mermaid\"><code>graph TD; A--&gt;B",
        "<li class=\"task-list-item\"><label class=\"task-list-control\"><input type=\"checkbox\" disabled checked/>",
        "<dt>Term</dt>",
        "<sup id=\"fnref:1\"><a class=\"footnote-ref\" href=\"#fn:1\">1</a></sup>",
        "<li id=\"fn:1\">",
        "<mark>mark</mark>",
        "<ins>ins</ins>",
        "<del>del</del>",
        "<kbd class=\"key-control\">Ctrl</kbd>",
        "🎉",
        "<abbr title=\"Hyper Text Markup Language\">HTML</abbr>",
        "<h2 id=\"cafe-creme\">",
        "<h2 id=\"cafe-creme_1\">",
    ] {
        assert!(html.contains(fragment), "missing {fragment:?} in:\n{html}");
    }
    assert!(html.contains("hl-"), "code is highlighted server-side");
    let ids: Vec<&str> = site.pages[0].toc.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["features", "cafe-creme", "cafe-creme_1"]);
    // Search: one record for the page, one per section.
    let anchors: Vec<Option<&str>> = site.search.iter().map(|r| r.anchor.as_deref()).collect();
    assert_eq!(
        anchors,
        [
            None,
            Some("features"),
            Some("cafe-creme"),
            Some("cafe-creme_1")
        ]
    );
    assert!(
        site.search[1].text.contains("Inside an admonition"),
        "{:?}",
        site.search[1]
    );
}

#[test]
fn rebuilds_page_by_page_from_the_cache() {
    let repo = tempfile::tempdir().unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    let cache = SiteCache::new(cache_dir.path());
    let root = repo.path();
    write(root, "mkdocs.yml", "site_name: Cached\n");
    write(
        root,
        "docs/index.md",
        "# Home\n\nSee [a](a.md#intro) and [b](b.md).\n",
    );
    write(
        root,
        "docs/a.md",
        "# A\n\n## Intro\n\n--8<-- \"shared/note.md\"\n",
    );
    write(root, "docs/b.md", "# B\n");
    write(root, "shared/note.md", "Shared text v1.\n");

    let events = Mutex::new(Vec::new());
    let files = WorkingTree::new(root).unwrap();
    let location = locate_in_folder(&files, "").unwrap();
    let first = build_site(
        &files,
        &location,
        &BuildOptions::default(),
        Some(&cache),
        &|p| events.lock().unwrap().push(p),
    )
    .unwrap();
    assert_eq!(first.reused_pages, 0);
    let events = events.into_inner().unwrap();
    assert_eq!(
        events.first(),
        Some(&Progress::Collected {
            pages: 3,
            assets: 0
        })
    );
    assert_eq!(
        events.last(),
        Some(&Progress::Finished {
            pages: 3,
            reused: 0
        })
    );
    cache.put_site(&first).unwrap();
    assert_eq!(cache.get_site(&first.content_hash).unwrap().pages.len(), 3);

    let second = build(root, Some(&cache));
    assert_eq!(second.reused_pages, 3);
    assert_eq!(second.content_hash, first.content_hash);
    assert_eq!(second.pages[1].html, first.pages[1].html);

    // Change one page: only it is rendered again.
    write(root, "docs/b.md", "# B changed\n");
    let third = build(root, Some(&cache));
    assert_eq!(third.reused_pages, 2);
    assert_ne!(third.content_hash, first.content_hash);
    assert_eq!(third.page("b.md").unwrap().title, "B changed");

    // A changed snippet invalidates the page that includes it.
    write(root, "shared/note.md", "Shared text v2.\n");
    let fourth = build(root, Some(&cache));
    assert_eq!(fourth.reused_pages, 2);
    assert!(fourth.page("a.md").unwrap().html.contains("v2"));

    // Links are recomputed for cached pages: removing b.md breaks the cached index's link.
    fs::remove_file(root.join("docs/b.md")).unwrap();
    let fifth = build(root, Some(&cache));
    assert_eq!(fifth.reused_pages, 2);
    let broken: Vec<_> = fifth.broken_references().collect();
    assert_eq!(broken.len(), 1, "{broken:?}");
    assert_eq!(
        (broken[0].file.as_str(), broken[0].line),
        ("docs/index.md", 3)
    );
}

#[test]
fn writes_a_static_site_that_works_from_file_urls() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    write(
        root,
        "mkdocs.yml",
        "site_name: Static\nrepo_url: https://github.com/acme/static\nedit_uri: edit/main/docs/\n",
    );
    write(
        root,
        "docs/index.md",
        "# Home\n\n[Guide](guide/setup.md#step-2) ![logo](img/logo.svg)\n",
    );
    write(
        root,
        "docs/guide/setup.md",
        "# Setup\n\n## Step 2\n\nBack [home](../index.md).\n",
    );
    write(
        root,
        "docs/img/logo.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    let files = WorkingTree::new(root).unwrap();
    let location = locate_in_folder(&files, "").unwrap();
    let site = build_site(&files, &location, &BuildOptions::default(), None, &|_| {}).unwrap();
    let out_parent = tempfile::tempdir().unwrap();
    let out = out_parent.path().join("site");
    fs::create_dir_all(&out).unwrap();
    fs::write(out.join("stale.html"), "old build").unwrap();

    let summary = write_static_site(&site, &files, &out).unwrap();
    assert_eq!((summary.pages, summary.assets), (2, 1));
    assert!(
        !out.join("stale.html").exists(),
        "the old site is replaced as a whole"
    );
    let index = fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        index.contains("href=\"guide/setup/index.html#step-2\""),
        "{index}"
    );
    assert!(index.contains("src=\"img/logo.svg\""));
    assert!(index.contains("href=\"assets/greenroom-docs.css\""));
    let setup = fs::read_to_string(out.join("guide/setup/index.html")).unwrap();
    assert!(setup.contains("href=\"../../index.html\""), "{setup}");
    assert!(setup.contains("href=\"../../assets/greenroom-docs.css\""));
    assert!(setup.contains("https://github.com/acme/static/edit/main/docs/guide/setup.md"));
    assert!(setup.contains("rel=\"prev\""));
    for page in [&index, &setup] {
        assert!(!page.contains("cdn"), "no CDN");
        assert!(
            !page.contains("src=\"http"),
            "nothing loads from the network"
        );
    }
    assert!(out.join("img/logo.svg").exists());
    let css = fs::read_to_string(out.join("assets/greenroom-docs.css")).unwrap();
    assert!(css.contains("prefers-color-scheme: dark"));
    let index_json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("search/search_index.json")).unwrap())
            .unwrap();
    let locations: Vec<&str> = index_json["docs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["location"].as_str().unwrap())
        .collect();
    assert!(locations.contains(&"guide/setup/#step-2"), "{locations:?}");
    let metadata = fs::read_to_string(out.join("techdocs_metadata.json")).unwrap();
    assert!(metadata.contains("\"site_name\":\"Static\""));
}

#[test]
fn check_reports_broken_links_and_anchors_with_lines() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/payments-service");
    let files = WorkingTree::new(&fixture).unwrap();
    let location = locate_in_folder(&files, "").unwrap();
    let report = check(&files, &location, &BuildOptions::default()).unwrap();
    assert!(!report.is_ok());
    let problems: Vec<(String, u32, WarningKind)> = report
        .problems
        .iter()
        .map(|w| (w.file.clone(), w.line, w.kind))
        .collect();
    assert_eq!(
        problems,
        [
            (
                "docs/guides/advanced/troubleshooting.md".to_string(),
                24,
                WarningKind::BrokenLink
            ),
            (
                "docs/guides/advanced/troubleshooting.md".to_string(),
                24,
                WarningKind::BrokenAnchor
            ),
        ],
        "{:#?}",
        report.problems
    );
    assert!(report.problems[1].message.contains("no-such-anchor"));
    assert_eq!(report.pages, 7);
}

#[test]
fn edge_case_fixture_reports_what_mkdocs_warns_about() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/edge-cases");
    let site = build(&fixture, None);
    let messages: Vec<String> = site.warnings.iter().map(ToString::to_string).collect();
    for expected in [
        "docs/guide/README.md: excluded from the site because it conflicts with 'docs/guide/index.md'",
        "docs/guide/links.md:11: link '../drafts/plan.md' points to 'drafts/plan.md', which is excluded",
        "docs/guide/links.md:13: absolute link '/guide/links.md'",
        "mkdocs.yml:15: nav entry 'guide/removed.md' is not found",
    ] {
        assert!(
            messages.iter().any(|m| m.starts_with(expected)),
            "missing {expected:?} in {messages:#?}"
        );
    }
    assert!(
        site.page("drafts/plan.md").is_none(),
        "excluded pages are not built"
    );
    let hidden = site.page("hidden.md").unwrap();
    assert!(!hidden.in_nav && hidden.previous.is_none() && hidden.next.is_none());
    let notes = site.page("team notes/weekly sync.md").unwrap();
    for request in [
        "team%20notes/weekly%20sync/",
        "/team notes/weekly sync/index.html",
    ] {
        assert_eq!(
            site.page_at(request).map(|p| p.src_uri.as_str()),
            Some("team notes/weekly sync.md")
        );
    }
    assert_eq!(
        site.page_at("").map(|p| p.src_uri.as_str()),
        Some("index.md")
    );
    assert!(site.page_at("drafts/plan/").is_none());
    assert_eq!(
        site.asset_at("img/pixel.png")
            .map(|a| a.source_path.as_str()),
        Some("docs/img/pixel.png")
    );
    assert_eq!(notes.url, "team%20notes/weekly%20sync/");
    assert_eq!(notes.output_path, "team notes/weekly sync/index.html");
    assert_eq!(
        notes.edit_url.as_deref(),
        Some("https://gitlab.com/acme/edge/-/blob/main/docs/team notes/weekly sync.md")
    );
}
