//! Hostile or broken repositories: every case ends in a clear warning or error, never a
//! panic, and nothing from outside the repository reaches the site.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.
use std::fs;
use std::path::Path;

use greenroom_techdocs::{
    BuildError, BuildOptions, ConfigError, Site, WarningKind, WorkingTree, build_site,
    locate_in_folder, write_static_site,
};

const SECRET: &str = "TOP-SECRET-OUTSIDE-THE-REPO";

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn try_build(root: &Path) -> Result<Site, BuildError> {
    let files = WorkingTree::new(root).unwrap();
    let location = locate_in_folder(&files, "").unwrap();
    build_site(&files, &location, &BuildOptions::default(), None, &|_| {})
}

fn has_warning(site: &Site, kind: WarningKind, needle: &str) -> bool {
    site.warnings
        .iter()
        .any(|w| w.kind == kind && w.to_string().contains(needle))
}

/// A folder outside the repository holding a secret, and a repository beside it.
fn repo_with_outside_secret() -> (tempfile::TempDir, std::path::PathBuf) {
    let outer = tempfile::tempdir().unwrap();
    write(outer.path(), "secret.md", SECRET);
    write(outer.path(), "secret.png", SECRET);
    let repo = outer.path().join("repo");
    fs::create_dir_all(&repo).unwrap();
    (outer, repo)
}

#[test]
fn invalid_or_missing_mkdocs_yml() {
    let repo = tempfile::tempdir().unwrap();
    write(
        repo.path(),
        "mkdocs.yml",
        "site_name: Broken\nnav:\n  - Home: index.md\n   - bad indent\n",
    );
    write(repo.path(), "docs/index.md", "# Home\n");
    let err = try_build(repo.path()).unwrap_err();
    assert!(
        matches!(err, BuildError::Config(ConfigError::Yaml { .. })),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with("mkdocs.yml:"),
        "points at the file: {err}"
    );

    write(repo.path(), "mkdocs.yml", "- just\n- a list\n");
    assert!(matches!(
        try_build(repo.path()),
        Err(BuildError::Config(ConfigError::NotAMapping(_)))
    ));

    write(repo.path(), "mkdocs.yml", "nav:\n  - Home: index.md\n");
    let site = try_build(repo.path()).unwrap();
    assert!(has_warning(
        &site,
        WarningKind::Config,
        "site_name is missing"
    ));

    // No mkdocs.yml at all, but docs/: built with a synthesised configuration.
    fs::remove_file(repo.path().join("mkdocs.yml")).unwrap();
    let files = WorkingTree::new(repo.path()).unwrap();
    let location = locate_in_folder(&files, "").unwrap();
    assert_eq!(location.config_file, None);
    let options = BuildOptions {
        default_site_name: Some("payments".into()),
        ..BuildOptions::default()
    };
    let site = build_site(&files, &location, &options, None, &|_| {}).unwrap();
    assert_eq!((site.name.as_str(), site.pages.len()), ("payments", 1));
    // Nothing at all.
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(
        locate_in_folder(&WorkingTree::new(empty.path()).unwrap(), ""),
        None
    );
}

#[test]
fn nav_entry_to_a_missing_page() {
    let repo = tempfile::tempdir().unwrap();
    write(
        repo.path(),
        "mkdocs.yml",
        "site_name: S\nnav:\n  - Home: index.md\n  - Gone: missing/page.md\n  - 42\n",
    );
    write(repo.path(), "docs/index.md", "# Home\n");
    let site = try_build(repo.path()).unwrap();
    assert_eq!(site.pages.len(), 1);
    let nav_warnings: Vec<String> = site
        .warnings
        .iter()
        .filter(|w| w.kind == WarningKind::Nav)
        .map(|w| w.to_string())
        .collect();
    assert!(
        nav_warnings
            .iter()
            .any(|w| w.starts_with("mkdocs.yml:4:") && w.contains("missing/page.md")),
        "{nav_warnings:?}"
    );
    assert!(
        nav_warnings.iter().any(|w| w.starts_with("mkdocs.yml:5:")),
        "{nav_warnings:?}"
    );
}

#[test]
fn huge_pages_and_deep_nesting() {
    let repo = tempfile::tempdir().unwrap();
    write(repo.path(), "mkdocs.yml", "site_name: Big\n");
    let line = "Lorem ipsum dolor sit amet, **consectetur** adipiscing elit. [link](index.md)\n";
    let huge: String = line.repeat(20 * 1024 * 1024 / line.len() + 1);
    write(repo.path(), "docs/huge.md", &huge);
    write(
        repo.path(),
        "docs/big.md",
        &format!("# Big\n\n{}", line.repeat(2 * 1024 * 1024 / line.len())),
    );
    // Five thousand nested lists on one line, nested block quotes and admonitions.
    write(
        repo.path(),
        "docs/lists.md",
        &format!("# Lists\n\n{}deep\n", "- ".repeat(5000)),
    );
    write(
        repo.path(),
        "docs/quotes.md",
        &format!("# Quotes\n\n{}deep\n", ">".repeat(5000)),
    );
    let mut admonitions = String::from("# Admonitions\n\n");
    for depth in 0..200 {
        admonitions.push_str(&"    ".repeat(depth));
        admonitions.push_str("!!! note\n");
    }
    admonitions.push_str(&"    ".repeat(200));
    admonitions.push_str("innermost\n");
    write(repo.path(), "docs/admonitions.md", &admonitions);
    let mut indented = String::from("# Indented\n\n");
    for depth in 0..2000 {
        indented.push_str(&"  ".repeat(depth));
        indented.push_str("- item\n");
    }
    write(repo.path(), "docs/indented.md", &indented);
    write(repo.path(), "docs/index.md", "# Home\n");

    let site = try_build(repo.path()).unwrap();
    assert!(
        has_warning(&site, WarningKind::File, "docs/huge.md: page not rendered"),
        "{:?}",
        site.warnings
    );
    let huge_page = site.page("huge.md").unwrap();
    assert!(huge_page.html.contains("cannot be shown"));
    assert!(site.page("big.md").unwrap().html.len() > 2 * 1024 * 1024);
    assert!(site.page("lists.md").unwrap().html.contains("deep"));
    assert!(site.page("quotes.md").unwrap().html.contains("deep"));
    assert!(
        site.page("admonitions.md")
            .unwrap()
            .html
            .contains("innermost")
    );
    assert!(
        site.page("indented.md")
            .unwrap()
            .html
            .matches("item")
            .count()
            == 2000
    );
}

#[test]
fn deeply_nested_raw_html_is_sanitised_without_overflowing() {
    let repo = tempfile::tempdir().unwrap();
    write(repo.path(), "mkdocs.yml", "site_name: Nested\n");
    let depth = 20_000;
    let html = format!(
        "# Nested\n\n<div>{}deep<script>x</script>{}</div>\n",
        "<div><span>".repeat(depth),
        "</span></div>".repeat(depth)
    );
    write(repo.path(), "docs/index.md", &html);
    let site = try_build(repo.path()).unwrap();
    let page = &site.pages[0].html;
    assert!(
        page.contains("deep") && !page.contains("<script"),
        "{}",
        &page[..page.len().min(300)]
    );
    assert!(
        page.contains("&lt;div&gt;&lt;span&gt;"),
        "too deep to sanitise: shown as text"
    );
    assert!(
        site.warnings
            .iter()
            .any(|w| w.kind == WarningKind::UnsafeHtml && w.message.contains("nested deeper"))
    );
    // Moderately nested HTML is still sanitised and kept as HTML.
    write(
        repo.path(),
        "docs/index.md",
        &format!(
            "# Nested\n\n{}ok<script>x</script>{}\n",
            "<div>".repeat(100),
            "</div>".repeat(100)
        ),
    );
    let site = try_build(repo.path()).unwrap();
    let page = &site.pages[0].html;
    assert!(
        page.contains("<div><div>") && page.contains("ok") && !page.contains("script"),
        "{page}"
    );
}

#[test]
fn scripts_and_javascript_links_are_removed() {
    let repo = tempfile::tempdir().unwrap();
    write(repo.path(), "mkdocs.yml", "site_name: Html\n");
    write(
        repo.path(),
        "docs/index.md",
        "# Html\n\n<script>alert('x')</script>\n\n<div onmouseover=\"steal()\" class=\"box\">Hover <a href=\"javascript:alert(1)\">me</a></div>\n\n\
         [click](javascript:alert(document.cookie)) and [data](data:text/html;base64,PHNjcmlwdD4=)\n\n\
         <img src=\"https://tracker.example/pixel.gif\" onerror=\"alert(1)\">\n\n![remote](https://cdn.example/logo.png)\n\n\
         <iframe src=\"https://evil.example\"></iframe><style>body{background:url(https://evil.example/x)}</style>\n",
    );
    let site = try_build(repo.path()).unwrap();
    let html = &site.pages[0].html;
    for forbidden in [
        "<script",
        "alert",
        "onmouseover",
        "onerror",
        "javascript:",
        "data:text",
        "tracker.example",
        "<iframe",
        "<style",
        "evil.example",
    ] {
        assert!(!html.contains(forbidden), "{forbidden} survived:\n{html}");
    }
    assert!(
        html.contains("class=\"box\""),
        "harmless HTML is kept: {html}"
    );
    assert!(
        html.contains(
            "<a class=\"remote-image\" href=\"https://cdn.example/logo.png\">Image: remote</a>"
        ),
        "{html}"
    );
    assert!(has_warning(
        &site,
        WarningKind::UnsafeHtml,
        "raw HTML was sanitised"
    ));
    assert!(has_warning(
        &site,
        WarningKind::UnsafeHtml,
        "docs/index.md:7: link to 'javascript:"
    ));
    assert!(has_warning(
        &site,
        WarningKind::RemoteContent,
        "tracker.example"
    ));
    assert!(has_warning(
        &site,
        WarningKind::RemoteContent,
        "docs/index.md:11: remote image"
    ));
}

#[test]
fn snippets_and_images_cannot_leave_the_repository() {
    let (_outer, repo) = repo_with_outside_secret();
    write(&repo, "mkdocs.yml", "site_name: Escape\n");
    write(
        &repo,
        "docs/index.md",
        "# Escape\n\n--8<-- \"../secret.md\"\n\n--8<-- \"/etc/passwd\"\n\n--8<-- \"docs/linked-secret.md\"\n\n\
         ![x](../../secret.png)\n\n[y](../../../secret.md)\n",
    );
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(
            repo.parent().unwrap().join("secret.md"),
            repo.join("docs/linked-secret.md"),
        )
        .unwrap();
        std::os::unix::fs::symlink(
            repo.parent().unwrap().join("secret.png"),
            repo.join("docs/linked.png"),
        )
        .unwrap();
    }
    let site = try_build(&repo).unwrap();
    let html = &site.pages[0].html;
    assert!(!html.contains(SECRET), "{html}");
    assert!(has_warning(
        &site,
        WarningKind::Snippet,
        "docs/index.md:3: snippet '../secret.md' is outside the folder of mkdocs.yml"
    ));
    assert!(has_warning(&site, WarningKind::Snippet, "docs/index.md:5:"));
    assert!(
        has_warning(&site, WarningKind::Asset, "docs/index.md:9:"),
        "{:?}",
        site.warnings
    );
    assert!(has_warning(
        &site,
        WarningKind::BrokenLink,
        "docs/index.md:11:"
    ));
    #[cfg(unix)]
    {
        assert!(
            has_warning(&site, WarningKind::Snippet, "docs/index.md:7:"),
            "{:?}",
            site.warnings
        );
        assert!(has_warning(
            &site,
            WarningKind::File,
            "symlink pointing outside the repository"
        ));
        assert!(site.page("linked-secret.md").is_none());
        assert!(site.assets.is_empty());
    }
    // The written site holds nothing from outside either.
    let files = WorkingTree::new(&repo).unwrap();
    let out = tempfile::tempdir().unwrap();
    write_static_site(&site, &files, &out.path().join("site")).unwrap();
    for entry in walk(&out.path().join("site")) {
        let bytes = fs::read(&entry).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(SECRET),
            "{}",
            entry.display()
        );
    }
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_skipped() {
    let repo = tempfile::tempdir().unwrap();
    write(repo.path(), "mkdocs.yml", "site_name: Loop\n");
    write(repo.path(), "docs/index.md", "# Home\n");
    write(repo.path(), "docs/sub/page.md", "# Page\n");
    std::os::unix::fs::symlink("..", repo.path().join("docs/sub/back-up")).unwrap();
    std::os::unix::fs::symlink("loop-b", repo.path().join("docs/loop-a")).unwrap();
    std::os::unix::fs::symlink("loop-a", repo.path().join("docs/loop-b")).unwrap();
    let site = try_build(repo.path()).unwrap();
    let uris: Vec<&str> = site.pages.iter().map(|p| p.src_uri.as_str()).collect();
    assert_eq!(uris, ["index.md", "sub/page.md"]);
    assert!(
        has_warning(&site, WarningKind::File, "symlink loop"),
        "{:?}",
        site.warnings
    );
    assert!(
        has_warning(&site, WarningKind::File, "loop-a"),
        "{:?}",
        site.warnings
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
