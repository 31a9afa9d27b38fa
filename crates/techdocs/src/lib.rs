//! TechDocs without Python: renders a repository's `mkdocs.yml` and Markdown to HTML as
//! MkDocs with the `techdocs-core` plugin would, offline.
//!
//! The usual flow:
//! 1. [`locate_docs`] turns an entity's annotations into a [`DocsLocation`] in a repository
//!    read through [`DocsFiles`] (e.g. [`WorkingTree`]);
//! 2. [`build_site`] renders it into a [`Site`] (pages, nav, toc, search records, warnings),
//!    reusing unchanged pages from a [`SiteCache`];
//! 3. [`write_static_site`] writes it for `file://` browsing, or the app serves
//!    [`Page::html`] itself; [`check`] reports broken links and anchors for CI.

mod cache;
mod check;
pub mod config;
pub mod files;
mod links;
pub mod locate;
mod markdown;
mod nav;
pub mod path;
pub mod report;
mod sanitize;
mod site;
mod slug;
mod sources;
mod writer;

pub use cache::SiteCache;
pub use check::{CheckReport, check};
pub use config::{ConfigError, MarkdownSettings, MkdocsConfig};
pub use files::{DirEntry, DocsFiles, EntryKind, FilesError, Listing, WorkingTree};
pub use locate::{
    DocsLocation, DocsRequest, DocsSite, LocateError, TECHDOCS_ENTITY, TECHDOCS_REF, locate_docs,
    locate_in_folder,
};
pub use markdown::{Heading, theme_css, warm_up};
pub use report::{Warning, WarningKind};
pub use site::{
    Asset, BuildError, BuildOptions, NavKind, NavNode, Page, Progress, SearchRecord, Site,
    build_site, read_config,
};
pub use slug::{slugify, unique as unique_id};
pub use writer::{WriteError, WriteSummary, stylesheet, write_static_site};
