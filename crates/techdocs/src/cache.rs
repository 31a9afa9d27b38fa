//! Content-addressed caching of built sites and rendered pages.
//!
//! A page's rendering depends only on its source, its path, the Markdown settings and the
//! snippets it includes, so it is keyed by those; links, nav and titles are recomputed on
//! every build, which is cheap. A whole site is keyed by [`crate::Site::content_hash`].
//! Every write goes to a temporary file first and is renamed into place.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::config::MkdocsConfig;
use crate::files::DocsFiles;
use crate::markdown::RenderedPage;
use crate::site::Site;

/// Changes whenever rendering changes, so caches from older builds are not reused.
pub(crate) const RENDERER_VERSION: &str =
    concat!("greenroom-techdocs/", env!("CARGO_PKG_VERSION"), "/1");

/// A cache folder chosen by the caller (e.g. the app's data dir).
#[derive(Debug, Clone)]
pub struct SiteCache {
    dir: PathBuf,
}

impl SiteCache {
    /// Uses (and creates when writing) the folder `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        SiteCache { dir: dir.into() }
    }

    /// The cache folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A site built earlier from exactly the content with this hash.
    pub fn get_site(&self, content_hash: &str) -> Option<Site> {
        if !is_hex(content_hash) {
            return None;
        }
        let bytes = fs::read(self.dir.join("sites").join(format!("{content_hash}.json"))).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Stores a built site under its content hash.
    pub fn put_site(&self, site: &Site) -> std::io::Result<()> {
        let bytes = serde_json::to_vec(site).map_err(std::io::Error::other)?;
        write_atomic(
            &self.dir.join("sites"),
            &format!("{}.json", site.content_hash),
            &bytes,
        )
    }

    pub(crate) fn get_page(&self, key: &str, files: &dyn DocsFiles) -> Option<RenderedPage> {
        let bytes = fs::read(
            self.dir
                .join("pages")
                .join(&key[..2])
                .join(format!("{key}.json")),
        )
        .ok()?;
        let page: RenderedPage = serde_json::from_slice(&bytes).ok()?;
        // Snippets may have changed while the page did not.
        let snippets_unchanged = page.snippets.iter().all(|(path, hash)| {
            files
                .read(path, 4 << 20)
                .is_ok_and(|bytes| blake3::hash(&bytes).as_bytes() == hash)
        });
        snippets_unchanged.then_some(page)
    }

    pub(crate) fn put_page(&self, key: &str, page: &RenderedPage) {
        // A cache that cannot be written only costs speed, never correctness.
        if let Ok(bytes) = serde_json::to_vec(page) {
            let _ = write_atomic(
                &self.dir.join("pages").join(&key[..2]),
                &format!("{key}.json"),
                &bytes,
            );
        }
    }
}

/// The cache key of one page's rendering.
pub(crate) fn page_key(source_hash: &[u8; 32], repo_path: &str, config: &MkdocsConfig) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(RENDERER_VERSION.as_bytes());
    hasher.update(source_hash);
    hasher.update(repo_path.as_bytes());
    hasher.update(config.base_dir().as_bytes());
    hasher.update(format!("{:?}", config.markdown).as_bytes());
    hasher.finalize().to_hex().to_string()
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Writes `bytes` to `dir/name` through a temporary file in the same folder and a rename.
pub(crate) fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.persist(dir.join(name)).map_err(|e| e.error)?;
    Ok(())
}
