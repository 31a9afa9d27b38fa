//! The Docs tab: an entity's TechDocs site as the interface shows it (nav tree, pages,
//! tables of contents), docs search, and the `greenroom-docs:` protocol that serves page
//! bodies and images.
//!
//! The protocol serves only sites this window has opened (by the content hash of the built
//! site, as kept in the docs cache), only their pages and the assets their build listed, and
//! reads assets through the repository's [`WorkingTree`], which refuses paths that climb out
//! and symlinks that lead out. Page bodies were sanitised when the site was built; every
//! response also carries a CSP that lets nothing run should it ever load as a document.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use greenroom::catalog::store::DocHit;
use greenroom::docs::{DocsReport, EntityDocs};
use greenroom::techdocs::{
    DocsFiles, EntryKind, NavKind, NavNode, Site, TECHDOCS_ENTITY, TECHDOCS_REF, WorkingTree,
};
use serde::Serialize;
use tauri::http::{Request, Response, StatusCode, header};
use tauri::{AppHandle, Manager, Runtime};

use crate::catalogs::Catalogs;
use crate::error::CommandError;

/// The URI scheme of docs pages and images (`greenroom-docs://localhost/<site>/<path>`, or
/// `http://greenroom-docs.localhost/...` where webviews need http, e.g. on Windows).
pub const SCHEME: &str = "greenroom-docs";

/// The path of the code highlighting stylesheet.
const HIGHLIGHT_CSS: &str = "/_/highlight.css";
/// How many sites the protocol keeps ready; older ones are served again once reopened.
const OPEN_SITES: usize = 24;
/// Largest asset served.
const MAX_ASSET_BYTES: u64 = 64 << 20;
/// Most docs search results.
const MAX_RESULTS: usize = 50;

/// The CSP of every response: a page body or image that is opened as a document by
/// accident can load nothing and run nothing.
const RESPONSE_CSP: &str =
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox";

/// What the Docs tab shows for an entity.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum DocsView {
    /// A built site.
    Site {
        /// The site.
        site: DocsSite,
    },
    /// The docs are in another repository, which is not on this machine.
    NotAvailableOffline {
        /// Where they are.
        url: String,
    },
    /// The entity has no docs.
    None,
}

/// A built site, without its page bodies (the protocol serves those).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct DocsSite {
    /// The site's id in the catalog, to search inside it.
    pub id: i64,
    /// `site_name`.
    pub name: String,
    /// The path of the site under the protocol (`<content hash>/`); page URLs follow it.
    pub base: String,
    /// The navigation tree.
    pub nav: Vec<DocsNavNode>,
    /// Every page, in docs-tree order.
    pub pages: Vec<DocsPage>,
    /// Problems of the build (broken links and the like), with file and line.
    pub warnings: Vec<String>,
}

/// A node of the navigation tree.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct DocsNavNode {
    /// What it shows.
    pub title: String,
    /// For a page: its index in [`DocsSite::pages`].
    pub page: Option<usize>,
    /// For a link elsewhere: where it goes.
    pub link: Option<String>,
    /// For a section: its children.
    pub children: Vec<DocsNavNode>,
}

/// One page of a site.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct DocsPage {
    /// URL relative to the site root (`guide/install/`, empty for the home page).
    pub url: String,
    /// Title.
    pub title: String,
    /// Repository-relative Markdown file, for "edit this page".
    pub source_path: String,
    /// Its headings, for the table of contents.
    pub toc: Vec<DocsHeading>,
    /// The previous page in nav order.
    pub previous: Option<usize>,
    /// The next page in nav order.
    pub next: Option<usize>,
}

/// A heading of a page.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct DocsHeading {
    /// 1 to 6.
    pub level: u8,
    /// Its id, the anchor links use.
    pub id: String,
    /// Its text.
    pub title: String,
}

struct OpenSite {
    hash: String,
    site: Site,
    repo: PathBuf,
}

/// The sites this window opened, newest last: what the protocol may serve.
#[derive(Default)]
pub struct OpenSites {
    sites: Mutex<VecDeque<Arc<OpenSite>>>,
}

impl OpenSites {
    fn insert(&self, site: OpenSite) {
        let Ok(mut sites) = self.sites.lock() else {
            return;
        };
        sites.retain(|s| s.hash != site.hash);
        sites.push_back(Arc::new(site));
        while sites.len() > OPEN_SITES {
            sites.pop_front();
        }
    }

    fn get(&self, hash: &str) -> Option<Arc<OpenSite>> {
        self.sites
            .lock()
            .ok()?
            .iter()
            .find(|s| s.hash == hash)
            .cloned()
    }
}

/// An entity's docs, built now (unchanged pages come from the cache) and opened for the
/// protocol.
#[tauri::command]
pub async fn entity_docs(app: AppHandle, key: String) -> Result<DocsView, CommandError> {
    tauri::async_runtime::spawn_blocking(move || {
        let docs = app.state::<Catalogs>().writer()?.entity_docs(&key)?;
        Ok(match docs {
            EntityDocs::Site { site, record, repo } => {
                let view = site_view(&site, record.id);
                app.state::<OpenSites>().insert(OpenSite {
                    hash: site.content_hash.clone(),
                    site: *site,
                    repo,
                });
                DocsView::Site { site: view }
            }
            EntityDocs::NotAvailableOffline { url } => DocsView::NotAvailableOffline { url },
            EntityDocs::None => DocsView::None,
        })
    })
    .await
    .map_err(|e| CommandError::internal(format!("the command stopped unexpectedly: {e}")))?
}

/// Whether an entity shows docs: its site is indexed, or it says where its docs are.
#[tauri::command]
pub async fn has_docs(app: AppHandle, key: String) -> Result<bool, CommandError> {
    tauri::async_runtime::spawn_blocking(move || {
        app.state::<Catalogs>().read(|g| {
            if g.catalog().doc_site_for(&key)?.is_some() {
                return Ok(true);
            }
            Ok(g.catalog().entity(&key)?.is_some_and(|record| {
                let annotations = &record.entity.metadata.annotations;
                annotations.contains_key(TECHDOCS_REF) || annotations.contains_key(TECHDOCS_ENTITY)
            }))
        })
    })
    .await
    .map_err(|e| CommandError::internal(format!("the command stopped unexpectedly: {e}")))?
}

/// Docs pages and sections matching `text`, across every site or inside one.
#[tauri::command]
pub async fn search_docs(
    app: AppHandle,
    text: String,
    site: Option<i64>,
    limit: usize,
) -> Result<Vec<DocHit>, CommandError> {
    let limit = limit.clamp(1, MAX_RESULTS);
    tauri::async_runtime::spawn_blocking(move || {
        app.state::<Catalogs>()
            .read(|g| Ok(g.catalog().search_docs(&text, site, limit)?))
    })
    .await
    .map_err(|e| CommandError::internal(format!("the command stopped unexpectedly: {e}")))?
}

/// "Edit this page": opens a page's Markdown file in the application set for it.
#[tauri::command]
pub fn open_docs_page(app: AppHandle, base: String, url: String) -> Result<(), CommandError> {
    let hash = base.trim_end_matches('/');
    let open = app.state::<OpenSites>().get(hash).ok_or_else(|| {
        CommandError::invalid("that site is no longer open; open the Docs tab again")
    })?;
    let page = open
        .site
        .page_at(&url)
        .ok_or_else(|| CommandError::invalid(format!("the site has no page `{url}`")))?;
    let file = source_file(&open.repo, &page.source_path).ok_or_else(|| {
        CommandError::invalid(format!(
            "{} is not a file inside {}",
            page.source_path,
            open.repo.display()
        ))
    })?;
    crate::commands::open_path(&app, &file)
}

/// The file behind a page, only when it is a file inside the repository.
fn source_file(repo: &Path, source_path: &str) -> Option<PathBuf> {
    let files = WorkingTree::new(repo).ok()?;
    (files.kind(source_path) == Some(EntryKind::File)).then(|| files.root().join(source_path))
}

/// Sites that could not be built are told on standard error; their entities' Docs tabs say
/// why when opened.
pub fn report_failures(report: &DocsReport) {
    for failure in &report.failures {
        eprintln!("greenroom: docs not built: {failure}");
    }
}

fn site_view(site: &Site, id: i64) -> DocsSite {
    DocsSite {
        id,
        name: site.name.clone(),
        base: format!("{}/", site.content_hash),
        nav: site.nav.iter().map(nav_node).collect(),
        pages: site
            .pages
            .iter()
            .map(|p| DocsPage {
                url: p.url.clone(),
                title: p.title.clone(),
                source_path: p.source_path.clone(),
                toc: p
                    .toc
                    .iter()
                    .map(|h| DocsHeading {
                        level: h.level,
                        id: h.id.clone(),
                        title: h.title.clone(),
                    })
                    .collect(),
                previous: p.previous,
                next: p.next,
            })
            .collect(),
        warnings: site
            .warnings
            .iter()
            .map(|w| match w.line {
                0 => format!("{}: {}", w.file, w.message),
                line => format!("{}:{line}: {}", w.file, w.message),
            })
            .collect(),
    }
}

fn nav_node(node: &NavNode) -> DocsNavNode {
    let mut out = DocsNavNode {
        title: node.title.clone(),
        page: None,
        link: None,
        children: Vec::new(),
    };
    match &node.kind {
        NavKind::Page { page, .. } => out.page = Some(*page),
        NavKind::Link { url } => out.link = Some(url.clone()),
        NavKind::Section { children } => out.children = children.iter().map(nav_node).collect(),
    }
    out
}

/// Answers a `greenroom-docs:` request: `/<site hash>/<page or asset path>`.
pub fn respond<R: Runtime>(app: &AppHandle<R>, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .filter(|o| is_app_origin(o))
        .map(str::to_owned);
    let (status, kind, body) = answer(app.state::<OpenSites>().inner(), request.uri().path());
    let mut response = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, kind)
        .header(header::CONTENT_SECURITY_POLICY, RESPONSE_CSP)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CACHE_CONTROL, "no-cache");
    if let Some(origin) = origin {
        response = response.header(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    response.body(body).unwrap_or_else(|_| {
        let mut fallback = Response::new(Vec::new());
        *fallback.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        fallback
    })
}

/// The status, content type and body for a request path.
fn answer(sites: &OpenSites, path: &str) -> (StatusCode, &'static str, Vec<u8>) {
    let text = "text/plain; charset=utf-8";
    if path == HIGHLIGHT_CSS {
        return (
            StatusCode::OK,
            "text/css; charset=utf-8",
            highlight_css().into_bytes(),
        );
    }
    let Some((hash, rest)) = path.trim_start_matches('/').split_once('/') else {
        return (StatusCode::NOT_FOUND, text, b"no such site".to_vec());
    };
    if !is_confined(rest) {
        return (
            StatusCode::FORBIDDEN,
            text,
            b"paths that leave the site are refused".to_vec(),
        );
    }
    let Some(open) = sites.get(hash) else {
        return (
            StatusCode::NOT_FOUND,
            text,
            b"this site is not open; open the Docs tab again".to_vec(),
        );
    };
    if let Some(page) = open.site.page_at(rest) {
        return (
            StatusCode::OK,
            "text/html; charset=utf-8",
            page.html.clone().into_bytes(),
        );
    }
    if let Some(asset) = open.site.asset_at(rest) {
        let read = WorkingTree::new(&open.repo)
            .map_err(|e| e.to_string())
            .and_then(|files| {
                files
                    .read(&asset.source_path, MAX_ASSET_BYTES)
                    .map_err(|e| e.to_string())
            });
        return match read {
            Ok(bytes) => (StatusCode::OK, content_type(&asset.src_uri), bytes),
            Err(e) => (StatusCode::NOT_FOUND, text, e.into_bytes()),
        };
    }
    (
        StatusCode::NOT_FOUND,
        text,
        b"no such page or file".to_vec(),
    )
}

/// The colours of highlighted code, light and (under the app's dark theme) dark.
fn highlight_css() -> String {
    let css = greenroom::techdocs::theme_css();
    // The renderer's stylesheet follows the system's scheme; the app has its own switch.
    match css.split_once("@media (prefers-color-scheme: dark) {") {
        Some((light, dark)) => {
            let dark = dark.trim_end().strip_suffix('}').unwrap_or(dark);
            format!("{light}\n:root[data-theme='dark'] {{\n{dark}\n}}\n")
        }
        None => css,
    }
}

/// Whether a site-relative request path stays inside the site: no `..` or `.` segments
/// (plain or percent-encoded), no backslashes, no NUL, not absolute.
fn is_confined(path: &str) -> bool {
    let decoded = percent_decode(path);
    !decoded.starts_with('/')
        && !decoded.contains(['\\', '\0'])
        && decoded
            .split('/')
            .all(|segment| segment != ".." && segment != ".")
}

fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// The content type of an asset, by extension; anything not an image is a download.
fn content_type(path: &str) -> &'static str {
    let extension = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match extension.as_deref() {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("avif") => "image/avif",
        Some("svg") => "image/svg+xml",
        Some("ico") => "image/x-icon",
        Some("bmp") => "image/bmp",
        _ => "application/octet-stream",
    }
}

/// The origins the interface runs at: the bundled app (Linux and macOS, Windows) and the
/// Vite dev server.
fn is_app_origin(origin: &str) -> bool {
    matches!(
        origin,
        "tauri://localhost" | "http://tauri.localhost" | "https://tauri.localhost"
    ) || (cfg!(dev) && origin == "http://localhost:5173")
}

#[cfg(test)]
mod tests {
    use super::*;
    use greenroom::techdocs::{BuildOptions, build_site, locate_in_folder};

    fn site(repo: &Path) -> OpenSites {
        let write = |path: &str, text: &[u8]| {
            let full = repo.join(path);
            std::fs::create_dir_all(full.parent().expect("a parent")).expect("folders");
            std::fs::write(full, text).expect("a fixture file");
        };
        write(
            "mkdocs.yml",
            b"site_name: Orders\nnav:\n  - Home: index.md\n  - Guide:\n    - Install: guide/install.md\n",
        );
        write(
            "docs/index.md",
            b"# Orders\n\n![diagram](img/flow.png)\n\nSee [install](guide/install.md#linux).\n",
        );
        write(
            "docs/guide/install.md",
            b"# Install\n\n## Linux\n\nRun it.\n",
        );
        write("docs/img/flow.png", b"\x89PNG fake");
        write("secret.txt", b"not part of the site");
        let files = WorkingTree::new(repo).expect("the repository");
        let location = locate_in_folder(&files, "").expect("docs");
        let site =
            build_site(&files, &location, &BuildOptions::default(), None, &|_| {}).expect("built");
        let sites = OpenSites::default();
        sites.insert(OpenSite {
            hash: site.content_hash.clone(),
            site,
            repo: files.root().to_owned(),
        });
        sites
    }

    fn hash(sites: &OpenSites) -> String {
        sites.sites.lock().expect("sites")[0].hash.clone()
    }

    #[test]
    fn serves_pages_and_listed_assets_of_open_sites_only() {
        let repo = tempfile::tempdir().expect("a folder");
        let sites = site(repo.path());
        let h = hash(&sites);

        let (status, kind, body) = answer(&sites, &format!("/{h}/"));
        assert_eq!(status, StatusCode::OK);
        assert!(kind.starts_with("text/html"));
        let html = String::from_utf8(body).expect("utf-8");
        assert!(html.contains("guide/install/#linux"), "{html}");

        let (status, _, body) = answer(&sites, &format!("/{h}/guide/install/"));
        assert_eq!(status, StatusCode::OK);
        assert!(String::from_utf8_lossy(&body).contains("id=\"linux\""));

        let (status, kind, body) = answer(&sites, &format!("/{h}/img/flow.png"));
        assert_eq!((status, kind), (StatusCode::OK, "image/png"));
        assert_eq!(body, b"\x89PNG fake");

        let (status, ..) = answer(&sites, "/0123abcd/");
        assert_eq!(status, StatusCode::NOT_FOUND, "a site never opened");
        let (status, ..) = answer(&sites, &format!("/{h}/secret.txt"));
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "a repository file outside the site"
        );
    }

    #[test]
    fn refuses_paths_that_climb_out() {
        let repo = tempfile::tempdir().expect("a folder");
        let sites = site(repo.path());
        let h = hash(&sites);
        for path in [
            "../secret.txt",
            "%2e%2e/secret.txt",
            "img/../../secret.txt",
            "img/%2E%2E/%2e%2e/secret.txt",
            "./index.html",
            "img\\..\\..\\secret.txt",
            "/etc/passwd",
        ] {
            let (status, ..) = answer(&sites, &format!("/{h}/{path}"));
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        }
    }

    #[test]
    fn edit_this_page_opens_files_inside_the_repository_only() {
        let repo = tempfile::tempdir().expect("a folder");
        let _ = site(repo.path());
        let root = std::fs::canonicalize(repo.path()).expect("the folder");
        assert_eq!(
            source_file(repo.path(), "docs/index.md"),
            Some(root.join("docs/index.md"))
        );
        assert_eq!(source_file(repo.path(), "../outside.md"), None);
        assert_eq!(source_file(repo.path(), "docs"), None, "a folder");
    }

    #[test]
    fn code_colours_follow_the_app_theme() {
        let (status, kind, body) = answer(&OpenSites::default(), HIGHLIGHT_CSS);
        assert_eq!((status, kind), (StatusCode::OK, "text/css; charset=utf-8"));
        let css = String::from_utf8(body).expect("utf-8");
        assert!(css.contains(":root[data-theme='dark'] {"), "{css}");
        assert!(!css.contains("prefers-color-scheme"), "{css}");
    }

    #[test]
    fn images_are_typed_and_other_files_are_downloads() {
        assert_eq!(content_type("a/b.SVG"), "image/svg+xml");
        assert_eq!(content_type("x.html"), "application/octet-stream");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }
}
