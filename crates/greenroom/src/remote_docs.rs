//! TechDocs of remote repositories, read straight from the fetched Git tree (no checkout).
//! Their pages are built and indexed like a folder's; the files a site copies as they are
//! (images, downloads) are written once per content hash under `docs-remote/` in the data
//! folder, so the app and `greenroom docs build` serve them as they serve a working tree's.

use std::path::{Path, PathBuf};

use greenroom_catalog::descriptor::{FileError, RepoFiles};
use greenroom_sources::remote::{GitTree, TreeEntryKind};
use greenroom_techdocs::{DirEntry, DocsFiles, EntryKind, FilesError, Listing, Site, path};

use crate::Error;

/// Largest asset copied out of a remote repository.
const MAX_ASSET_BYTES: u64 = 64 * 1024 * 1024;

/// A remote repository's fetched tree, seen by the docs renderer.
pub(crate) struct GitDocs(pub GitTree);

impl DocsFiles for GitDocs {
    fn read(&self, rel: &str, limit: u64) -> Result<Vec<u8>, FilesError> {
        let rel = path::normalize(rel)?;
        self.0.read(&rel, limit).map_err(files_error)
    }

    fn list_dir(&self, rel: &str) -> Result<Listing, FilesError> {
        let rel = path::normalize(rel)?;
        let listing = self.0.list(&rel).map_err(files_error)?;
        Ok(Listing {
            entries: listing
                .entries
                .into_iter()
                .map(|(name, kind)| DirEntry {
                    name,
                    kind: entry_kind(kind),
                })
                .collect(),
            skipped: listing.skipped.into_iter().map(files_error).collect(),
        })
    }

    fn kind(&self, rel: &str) -> Option<EntryKind> {
        self.0.kind(&path::normalize(rel).ok()?).map(entry_kind)
    }

    fn dir_identity(&self, rel: &str) -> Result<String, FilesError> {
        let rel = path::normalize(rel)?;
        self.0.canonical(&rel).map_err(files_error)
    }
}

fn entry_kind(kind: TreeEntryKind) -> EntryKind {
    match kind {
        TreeEntryKind::File => EntryKind::File,
        TreeEntryKind::Dir => EntryKind::Dir,
    }
}

fn files_error(e: FileError) -> FilesError {
    match e {
        FileError::NotFound(path) => FilesError::NotFound(path),
        FileError::OutsideRepository(path) => FilesError::OutsideRepo(path),
        FileError::TooLarge { path, size, limit } => FilesError::TooLarge { path, size, limit },
        FileError::Io { path, reason } => FilesError::Io {
            path,
            message: reason,
        },
    }
}

/// Copies `site`'s assets out of `files` into a folder of `root` named for the site and
/// its content, unless an earlier build already did; older copies of the same site are
/// removed. Returns the folder, which holds each asset at its repository path.
pub(crate) fn materialise_assets(
    root: &Path,
    repo: &str,
    site: &Site,
    files: &dyn DocsFiles,
) -> Result<PathBuf, Error> {
    let site_id = blake3::hash(format!("{repo}\n{}", site.docs_dir).as_bytes())
        .to_hex()
        .to_string();
    let prefix = &site_id[..16];
    let content = blake3::hash(site.content_hash.as_bytes())
        .to_hex()
        .to_string();
    let folder = root.join(format!("{prefix}-{}", &content[..16]));
    if folder.is_dir() {
        return Ok(folder);
    }
    std::fs::create_dir_all(root).map_err(|e| Error::io(root, &e))?;
    let staging = tempfile::Builder::new()
        .prefix(".staging-")
        .tempdir_in(root)
        .map_err(|e| Error::io(root, &e))?;
    for asset in &site.assets {
        // Paths come from the renderer, already confined to the repository; check again
        // because they become file system paths here.
        let relative = path::normalize(&asset.source_path)
            .map_err(|e| Error::Invalid(format!("{repo}: {e}")))?;
        let bytes = match files.read(&relative, MAX_ASSET_BYTES) {
            Ok(bytes) => bytes,
            // A missing or oversized asset shows as a broken image, as on a website.
            Err(_) => continue,
        };
        let target = staging.path().join(&relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, &e))?;
        }
        std::fs::write(&target, bytes).map_err(|e| Error::io(&target, &e))?;
    }
    let staged = staging.keep();
    if let Err(e) = std::fs::rename(&staged, &folder) {
        let _ = std::fs::remove_dir_all(&staged);
        // Another build of the same content won the race: its copy is as good.
        if !folder.is_dir() {
            return Err(Error::io(&folder, &e));
        }
    }
    if let Ok(entries) = std::fs::read_dir(root) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(prefix) && entry.path() != folder {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    Ok(folder)
}
