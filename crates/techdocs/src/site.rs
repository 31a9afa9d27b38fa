//! Building a whole site: configuration, files, nav, pages rendered in parallel (or taken
//! from the cache), links resolved across pages, titles, prev/next and search records.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cache::SiteCache;
use crate::config::{ConfigError, MkdocsConfig};
use crate::files::{DocsFiles, FilesError};
use crate::links::{self, Resolved};
use crate::locate::DocsLocation;
use crate::markdown::{self, Heading, PageContext, RenderedPage};
use crate::nav::{self, NavItem};
use crate::path;
use crate::report::{Warning, WarningKind};
use crate::sanitize;
use crate::sources::{self, DocsRoot, DocsTree, Inclusion};

/// Largest `mkdocs.yml` read.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Settings of a build that are not in `mkdocs.yml`.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Pages larger than this are not rendered; the page shows a note instead.
    pub max_page_bytes: u64,
    /// `site_name` when there is no `mkdocs.yml` (TechDocs would use the entity's name).
    pub default_site_name: Option<String>,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            max_page_bytes: 8 << 20,
            default_site_name: None,
        }
    }
}

/// Progress of a build, for a progress bar or an event stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "stage", rename_all = "kebab-case")]
pub enum Progress {
    /// The docs files are known.
    Collected {
        /// Markdown pages to render.
        pages: usize,
        /// Other files (images, …).
        assets: usize,
    },
    /// One more page is rendered (or taken from the cache).
    Rendered {
        /// Pages done so far.
        done: usize,
        /// All pages.
        total: usize,
    },
    /// The site is assembled.
    Finished {
        /// Pages in the site.
        pages: usize,
        /// Pages whose rendering came from the cache.
        reused: usize,
    },
}

/// Why a site could not be built at all (problems inside pages are [`Warning`]s instead).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// `mkdocs.yml` is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// `mkdocs.yml` cannot be read.
    #[error("cannot read the MkDocs configuration: {0}")]
    ConfigFile(FilesError),
}

/// A built documentation site.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Site {
    /// `site_name`.
    pub name: String,
    /// `site_description`.
    pub description: Option<String>,
    /// Repository-relative `mkdocs.yml`, if there is one.
    pub config_file: Option<String>,
    /// Repository-relative docs folder.
    pub docs_dir: String,
    /// Whether page URLs are folders (`a/b/`) rather than files (`a/b.html`).
    pub use_directory_urls: bool,
    /// Every built page, in docs-tree order.
    pub pages: Vec<Page>,
    /// The navigation tree.
    pub nav: Vec<NavNode>,
    /// Files copied as they are (images, downloads).
    pub assets: Vec<Asset>,
    /// Problems found, sorted by file and line.
    pub warnings: Vec<Warning>,
    /// One record per page and per section, for full-text search.
    pub search: Vec<SearchRecord>,
    /// Hash of everything the site was built from (config and docs files).
    pub content_hash: String,
    /// How many pages were taken from the cache.
    pub reused_pages: usize,
}

/// One page of a site.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Page {
    /// Path relative to the docs folder (MkDocs' `src_uri`), e.g. `guide/install.md`.
    pub src_uri: String,
    /// Repository-relative source file, for "edit this page".
    pub source_path: String,
    /// URL relative to the site root, percent-encoded (`guide/install/`, `` for the home page).
    pub url: String,
    /// Output file relative to the site root (`guide/install/index.html`).
    pub output_path: String,
    /// The title MkDocs would show.
    pub title: String,
    /// The page body (sanitised HTML, links relative to this page's URL).
    pub html: String,
    /// Headings, for the table of contents.
    pub toc: Vec<Heading>,
    /// Previous page in nav order (index into `pages`).
    pub previous: Option<usize>,
    /// Next page in nav order.
    pub next: Option<usize>,
    /// `repo_url` + `edit_uri` link, when configured.
    pub edit_url: Option<String>,
    /// Whether the nav lists this page.
    pub in_nav: bool,
}

/// A node of the navigation tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NavNode {
    /// Displayed title.
    pub title: String,
    /// Page, section or link.
    pub kind: NavKind,
}

/// What a nav node is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum NavKind {
    /// A page of the site.
    Page {
        /// Index into [`Site::pages`].
        page: usize,
        /// The page's URL relative to the site root.
        url: String,
    },
    /// A section with children.
    Section {
        /// Children in order.
        children: Vec<NavNode>,
    },
    /// A link elsewhere.
    Link {
        /// As written in `nav`.
        url: String,
    },
}

/// A file copied to the site unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asset {
    /// Path relative to the docs folder, also its path in the built site.
    pub src_uri: String,
    /// Repository-relative source file.
    pub source_path: String,
}

/// A full-text search record: a page or one of its sections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchRecord {
    /// URL of the page relative to the site root.
    pub page_url: String,
    /// Heading id of the section; `None` for the page as a whole.
    pub anchor: Option<String>,
    /// Page or heading title.
    pub title: String,
    /// Plain text.
    pub text: String,
}

impl Site {
    /// The page with this `src_uri`.
    pub fn page(&self, src_uri: &str) -> Option<&Page> {
        self.pages.iter().find(|p| p.src_uri == src_uri)
    }

    /// The page served at `path` (a site-relative request path such as `guide/install/`,
    /// `guide/install/index.html` or `guide/install.html`, percent-encoded or not), for a
    /// protocol handler serving the site without writing it.
    pub fn page_at(&self, path: &str) -> Option<&Page> {
        let decoded =
            percent_encoding::percent_decode_str(path.trim_start_matches('/')).decode_utf8_lossy();
        let decoded = decoded.as_ref();
        self.pages.iter().find(|p| {
            let url = percent_encoding::percent_decode_str(&p.url).decode_utf8_lossy();
            p.output_path == decoded || url == decoded || (decoded.is_empty() && p.url.is_empty())
        })
    }

    /// The asset (image, download) at a site-relative path, percent-encoded or not.
    pub fn asset_at(&self, path: &str) -> Option<&Asset> {
        let decoded =
            percent_encoding::percent_decode_str(path.trim_start_matches('/')).decode_utf8_lossy();
        self.assets.iter().find(|a| a.src_uri == decoded.as_ref())
    }

    /// Warnings `check` treats as failures (broken links, anchors, assets, nav entries).
    pub fn broken_references(&self) -> impl Iterator<Item = &Warning> {
        self.warnings
            .iter()
            .filter(|w| w.kind.is_broken_reference())
    }
}

/// Reads the site's configuration (or synthesises one when only `docs/` exists).
pub fn read_config(
    files: &dyn DocsFiles,
    location: &DocsLocation,
    options: &BuildOptions,
    warnings: &mut Vec<Warning>,
) -> Result<MkdocsConfig, BuildError> {
    match &location.config_file {
        Some(file) => {
            let text = files
                .read_text(file, MAX_CONFIG_BYTES)
                .map_err(BuildError::ConfigFile)?;
            Ok(MkdocsConfig::parse(file, &text, warnings)?)
        }
        None => {
            let name = options.default_site_name.clone().unwrap_or_else(|| {
                let folder = path::file_name(&location.dir);
                if folder.is_empty() {
                    "Documentation".into()
                } else {
                    folder.to_string()
                }
            });
            Ok(MkdocsConfig::synthesized(&name, &location.dir))
        }
    }
}

/// Builds the site found at `location`, reading through `files`; reuses rendered pages
/// from `cache` when given, and reports progress to `progress`.
pub fn build_site(
    files: &dyn DocsFiles,
    location: &DocsLocation,
    options: &BuildOptions,
    cache: Option<&SiteCache>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Site, BuildError> {
    let mut warnings = Vec::new();
    let config = read_config(files, location, options, &mut warnings)?;
    let config_file = config.config_file.clone().unwrap_or_default();

    let mut roots = vec![DocsRoot {
        alias: String::new(),
        dir: config.docs_dir.clone(),
    }];
    let specs = config.nav.as_ref().map(|nav_node| {
        let (specs, included) = nav::read_explicit(files, &config, nav_node, &mut warnings);
        roots.extend(included);
        specs
    });
    let tree = sources::collect(
        files,
        &roots,
        &config.exclude_docs,
        &config.not_in_nav,
        config.use_directory_urls,
        &config_file,
        &mut warnings,
    );
    let nav_items = match &specs {
        Some(specs) => nav::resolve(specs, &tree, &config_file, &mut warnings),
        None => nav::implicit(&tree, None),
    };

    let page_files: Vec<usize> = (0..tree.files.len())
        .filter(|&i| tree.files[i].is_page && tree.files[i].inclusion != Inclusion::Excluded)
        .collect();
    let asset_files: Vec<usize> = (0..tree.files.len())
        .filter(|&i| !tree.files[i].is_page && tree.files[i].inclusion != Inclusion::Excluded)
        .collect();
    progress(Progress::Collected {
        pages: page_files.len(),
        assets: asset_files.len(),
    });

    // Render every page (the expensive part) in parallel.
    markdown::warm_up();
    let done = AtomicUsize::new(0);
    let reused = AtomicUsize::new(0);
    let total = page_files.len();
    let rendered: Vec<(RenderedPage, [u8; 32])> = page_files
        .par_iter()
        .map(|&i| {
            let file = &tree.files[i];
            let (page, source_hash, was_cached) = render_one(files, &config, file, options, cache);
            if was_cached {
                reused.fetch_add(1, Ordering::Relaxed);
            }
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            progress(Progress::Rendered { done: n, total });
            (page, source_hash)
        })
        .collect();

    let content_hash = tree_hash(files, &config, &tree, &page_files, &rendered, &asset_files);
    let site = assemble(
        &config,
        &tree,
        &nav_items,
        &page_files,
        &asset_files,
        rendered,
        warnings,
        content_hash,
        reused.load(Ordering::Relaxed),
    );
    progress(Progress::Finished {
        pages: site.pages.len(),
        reused: site.reused_pages,
    });
    Ok(site)
}

/// Renders one page or takes it from the cache; returns it with its source hash.
fn render_one(
    files: &dyn DocsFiles,
    config: &MkdocsConfig,
    file: &sources::DocFile,
    options: &BuildOptions,
    cache: Option<&SiteCache>,
) -> (RenderedPage, [u8; 32], bool) {
    let source = match files.read(&file.repo_path, options.max_page_bytes) {
        Ok(bytes) => bytes,
        Err(err) => {
            let hash = *blake3::hash(err.to_string().as_bytes()).as_bytes();
            return (unreadable_page(&file.repo_path, &err), hash, false);
        }
    };
    let source_hash = *blake3::hash(&source).as_bytes();
    let key = crate::cache::page_key(&source_hash, &file.repo_path, config);
    if let Some(page) = cache.and_then(|c| c.get_page(&key, files)) {
        return (page, source_hash, true);
    }
    let text = match String::from_utf8(source) {
        Ok(t) => t,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let ctx = PageContext {
        files,
        repo_path: &file.repo_path,
        base_dir: config.base_dir(),
        settings: &config.markdown,
    };
    let page = markdown::render_page(text, &ctx);
    if let Some(cache) = cache {
        cache.put_page(&key, &page);
    }
    (page, source_hash, false)
}

fn unreadable_page(repo_path: &str, err: &FilesError) -> RenderedPage {
    let mut html = String::from(
        "<div class=\"admonition failure\"><p class=\"admonition-title\">This page cannot be shown</p><p>",
    );
    let _ = pulldown_cmark_escape::escape_html_body_text(&mut html, &err.to_string());
    html.push_str("</p></div>\n");
    RenderedPage {
        html,
        links: Vec::new(),
        meta_title: None,
        h1_title: None,
        headings: Vec::new(),
        anchors: Vec::new(),
        sections: Vec::new(),
        raw_html: false,
        warnings: vec![Warning::new(
            WarningKind::File,
            repo_path,
            0,
            format!("page not rendered: {err}"),
        )],
        snippets: Vec::new(),
    }
}

/// The hash of everything a site is built from: config text, file list and contents.
fn tree_hash(
    files: &dyn DocsFiles,
    config: &MkdocsConfig,
    tree: &DocsTree,
    page_files: &[usize],
    rendered: &[(RenderedPage, [u8; 32])],
    asset_files: &[usize],
) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(crate::cache::RENDERER_VERSION.as_bytes());
    if let Some(file) = &config.config_file
        && let Ok(bytes) = files.read(file, MAX_CONFIG_BYTES)
    {
        hasher.update(&bytes);
    }
    for (i, (page, hash)) in page_files.iter().zip(rendered) {
        hasher.update(tree.files[*i].src_uri.as_bytes());
        hasher.update(hash);
        for (snippet, h) in &page.snippets {
            hasher.update(snippet.as_bytes());
            hasher.update(h);
        }
    }
    for &i in asset_files {
        hasher.update(tree.files[i].src_uri.as_bytes());
        if let Ok(bytes) = files.read(&tree.files[i].repo_path, 256 << 20) {
            hasher.update(blake3::hash(&bytes).as_bytes());
        }
    }
    hasher.finalize().to_hex().to_string()
}

#[allow(clippy::too_many_arguments)]
fn assemble(
    config: &MkdocsConfig,
    tree: &DocsTree,
    nav_items: &[NavItem],
    page_files: &[usize],
    asset_files: &[usize],
    rendered: Vec<(RenderedPage, [u8; 32])>,
    mut warnings: Vec<Warning>,
    content_hash: String,
    reused_pages: usize,
) -> Site {
    let dir_urls = config.use_directory_urls;
    let page_of_file: HashMap<usize, usize> = page_files
        .iter()
        .enumerate()
        .map(|(p, &f)| (f, p))
        .collect();

    // Titles: nav title > front matter > first H1 > "Home" > file name.
    let mut nav_titles: HashMap<usize, String> = HashMap::new();
    let mut top_level: HashSet<usize> = page_files.iter().copied().collect();
    collect_nav_facts(nav_items, true, &mut nav_titles, &mut top_level);
    let mut nav_order = Vec::new();
    nav::pages_in_order(nav_items, &mut nav_order);
    let in_nav: HashSet<usize> = nav_order.iter().copied().collect();

    let titles: Vec<String> = page_files
        .iter()
        .zip(&rendered)
        .map(|(&f, (r, _))| {
            let file = &tree.files[f];
            nav_titles
                .get(&f)
                .cloned()
                .or_else(|| r.meta_title.clone())
                .or_else(|| r.h1_title.clone())
                .unwrap_or_else(|| {
                    let is_home = top_level.contains(&f)
                        && file.name() == "index"
                        && path::parent(&file.src_uri).is_empty();
                    if is_home {
                        "Home".to_string()
                    } else {
                        nav::dirname_to_title(file.name())
                    }
                })
        })
        .collect();

    let anchors: Vec<HashSet<&str>> = rendered
        .iter()
        .map(|(r, _)| r.anchors.iter().map(String::as_str).collect())
        .collect();

    // Resolve links page by page, in parallel; collect warnings in page order.
    let resolved: Vec<(String, Vec<Warning>)> = page_files
        .par_iter()
        .zip(&rendered)
        .map(|(&f, (r, _))| {
            let file = &tree.files[f];
            let mut page_warnings = r.warnings.clone();
            let hrefs: Vec<String> = r
                .links
                .iter()
                .map(|link| {
                    let outcome = links::resolve(&link.url, file, tree, dir_urls);
                    match outcome {
                        Resolved::File { href, target, anchor } => {
                            if let (Some(anchor), Some(&p)) = (anchor, page_of_file.get(&target))
                                && !anchors[p].contains(anchor.as_str())
                            {
                                page_warnings.push(Warning::new(
                                    WarningKind::BrokenAnchor,
                                    &file.repo_path,
                                    link.line,
                                    format!("link '{}': '{}' has no anchor '#{anchor}'", link.url, tree.files[target].src_uri),
                                ));
                            }
                            href
                        }
                        Resolved::SamePage { anchor } => {
                            let own = page_of_file.get(&f).map(|&p| &anchors[p]);
                            if own.is_some_and(|a| !a.contains(anchor.as_str())) {
                                page_warnings.push(Warning::new(
                                    WarningKind::BrokenAnchor,
                                    &file.repo_path,
                                    link.line,
                                    format!("link '{}': there is no anchor '#{anchor}' on this page", link.url),
                                ));
                            }
                            link.url.clone()
                        }
                        Resolved::Broken { href, message } => {
                            let kind = if link.is_image { WarningKind::Asset } else { WarningKind::BrokenLink };
                            page_warnings.push(Warning::new(kind, &file.repo_path, link.line, message));
                            href
                        }
                        Resolved::Unchanged { href } => href,
                    }
                })
                .collect();
            let mut html = substitute_links(&r.html, &hrefs);
            if r.raw_html {
                let (clean, blocked) = sanitize::clean(&html);
                if sanitize::removed_something(&html, &clean) {
                    page_warnings.push(Warning::new(
                        WarningKind::UnsafeHtml,
                        &file.repo_path,
                        0,
                        "raw HTML was sanitised: scripts, styles, event handlers and unsafe URLs are removed",
                    ));
                }
                for url in blocked {
                    page_warnings.push(Warning::new(
                        WarningKind::RemoteContent,
                        &file.repo_path,
                        0,
                        format!("remote content '{url}' is not loaded (docs work offline)"),
                    ));
                }
                html = clean;
            }
            (html, page_warnings)
        })
        .collect();

    // prev/next along the nav (a page listed twice keeps its last neighbours, as MkDocs).
    let mut previous: HashMap<usize, Option<usize>> = HashMap::new();
    let mut next: HashMap<usize, Option<usize>> = HashMap::new();
    for (i, &f) in nav_order.iter().enumerate() {
        let before = if i > 0 {
            page_of_file.get(&nav_order[i - 1]).copied()
        } else {
            None
        };
        let after = nav_order
            .get(i + 1)
            .and_then(|n| page_of_file.get(n).copied());
        previous.insert(f, before);
        next.insert(f, after);
    }

    let mut pages = Vec::with_capacity(page_files.len());
    let mut search = Vec::new();
    for (((&f, (r, _)), (html, page_warnings)), title) in
        page_files.iter().zip(rendered).zip(resolved).zip(titles)
    {
        let file = &tree.files[f];
        let url = links::page_url(file, dir_urls);
        warnings.extend(page_warnings);
        let mut page_text = String::new();
        for section in &r.sections {
            if !page_text.is_empty() {
                page_text.push(' ');
            }
            if section.anchor.is_some() {
                page_text.push_str(&section.title);
                page_text.push(' ');
            }
            page_text.push_str(&section.text);
        }
        search.push(SearchRecord {
            page_url: url.clone(),
            anchor: None,
            title: title.clone(),
            text: page_text,
        });
        for section in &r.sections {
            if let Some(anchor) = &section.anchor {
                search.push(SearchRecord {
                    page_url: url.clone(),
                    anchor: Some(anchor.clone()),
                    title: section.title.clone(),
                    text: section.text.clone(),
                });
            }
        }
        pages.push(Page {
            src_uri: file.src_uri.clone(),
            source_path: file.repo_path.clone(),
            output_path: file.dest_uri(dir_urls),
            url,
            title,
            html,
            toc: r.headings,
            previous: previous.get(&f).copied().flatten(),
            next: next.get(&f).copied().flatten(),
            edit_url: config.edit_url(&file.src_uri),
            in_nav: in_nav.contains(&f),
        });
    }

    let nav = to_nav_nodes(nav_items, &page_of_file, &pages);
    warnings.sort();
    warnings.dedup();
    Site {
        name: config.site_name.clone(),
        description: config.site_description.clone(),
        config_file: config.config_file.clone(),
        docs_dir: config.docs_dir.clone(),
        use_directory_urls: dir_urls,
        pages,
        nav,
        assets: asset_files
            .iter()
            .map(|&i| Asset {
                src_uri: tree.files[i].src_uri.clone(),
                source_path: tree.files[i].repo_path.clone(),
            })
            .collect(),
        warnings,
        search,
        content_hash,
        reused_pages,
    }
}

/// Nav titles (first listing wins, as MkDocs reuses the first Page object) and which pages
/// sit inside a section (so are not "top level").
fn collect_nav_facts(
    items: &[NavItem],
    top: bool,
    titles: &mut HashMap<usize, String>,
    top_level: &mut HashSet<usize>,
) {
    for item in items {
        match item {
            NavItem::Page { title, file } => {
                if let Some(title) = title {
                    titles.entry(*file).or_insert_with(|| title.clone());
                }
                if !top {
                    top_level.remove(file);
                }
            }
            NavItem::Section { children, .. } => {
                collect_nav_facts(children, false, titles, top_level)
            }
            NavItem::Link { .. } => {}
        }
    }
}

fn to_nav_nodes(
    items: &[NavItem],
    page_of_file: &HashMap<usize, usize>,
    pages: &[Page],
) -> Vec<NavNode> {
    items
        .iter()
        .filter_map(|item| match item {
            NavItem::Page { title, file } => {
                let page = *page_of_file.get(file)?;
                Some(NavNode {
                    title: title.clone().unwrap_or_else(|| pages[page].title.clone()),
                    kind: NavKind::Page {
                        page,
                        url: pages[page].url.clone(),
                    },
                })
            }
            NavItem::Section { title, children } => Some(NavNode {
                title: title.clone(),
                kind: NavKind::Section {
                    children: to_nav_nodes(children, page_of_file, pages),
                },
            }),
            NavItem::Link { title, url } => Some(NavNode {
                title: title.clone().unwrap_or_else(|| url.clone()),
                kind: NavKind::Link { url: url.clone() },
            }),
        })
        .collect()
}

/// Replaces the `\0N\0` markers with resolved, attribute-escaped URLs.
fn substitute_links(html: &str, hrefs: &[String]) -> String {
    if hrefs.is_empty() {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len() + hrefs.len() * 8);
    let mut rest = html;
    while let Some(start) = rest.find('\0') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('\0') else {
            rest = after;
            continue;
        };
        if let Some(href) = after[..end]
            .parse::<usize>()
            .ok()
            .and_then(|i| hrefs.get(i))
        {
            let _ = pulldown_cmark_escape::escape_href(&mut out, href);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}
