//! TechDocs without Python: renders a repository's `mkdocs.yml` and Markdown to HTML as
//! MkDocs with the `techdocs-core` plugin would, offline.

pub mod config;
pub mod files;
pub mod locate;
mod markdown;
mod nav;
pub mod path;
pub mod report;
mod slug;
mod sources;

pub use config::{ConfigError, MarkdownSettings, MkdocsConfig};
pub use files::{DirEntry, DocsFiles, EntryKind, FilesError, Listing, WorkingTree};
pub use locate::{DocsLocation, DocsRequest, DocsSite, LocateError, TECHDOCS_ENTITY, TECHDOCS_REF, locate_docs, locate_in_folder};
pub use markdown::Heading;
pub use report::{Warning, WarningKind};
