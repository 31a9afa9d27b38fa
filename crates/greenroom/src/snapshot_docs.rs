//! The docs of snapshots: collecting rendered sites and their assets for an export,
//! checking and writing an import's sites into the docs cache, and opening them offline
//! exactly like the docs of local repositories.
//!
//! An imported site lives in `docs-cache/snapshots/<origin>-<digest>/site-<n>/`:
//! `site.json` (the rendered site, its HTML sanitised again on import), `meta.json` (where
//! it came from and which entities show it) and `files/` (its assets at their repository
//! paths, so the folder reads like the repository it was built from).

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use greenroom_catalog::snapshot::{
    CatalogContent, DocsContent, Snapshot, SnapshotBlob, SnapshotSite, check_relative_path,
};
use greenroom_catalog::store::{
    DocSiteRecord, EntityRecord, NewDocSite, SnapshotSiteWrite, SourceKind,
};
use greenroom_techdocs::{
    BuildOptions, DocsFiles, NavKind, NavNode, Site, SiteCache, WorkingTree, build_site,
    clean_html, locate_in_folder,
};
use serde::{Deserialize, Serialize};

use crate::docs::{EntityDocs, sections};
use crate::snapshot::{SnapshotProgress, SnapshotSettings};
use crate::{Error, Greenroom};

/// An asset's repository path and bytes.
type Blob = (String, Vec<u8>);

/// Where imported docs live, relative to the data folder.
pub(crate) const SNAPSHOT_DOCS_DIR: &str = "docs-cache/snapshots";
/// Largest asset exported.
const MAX_ASSET_BYTES: u64 = 256 << 20;

/// Where a stored site came from and which entities show it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SiteMeta {
    repo: String,
    dir: String,
    name: String,
    content_hash: String,
    entities: Vec<String>,
}

/// A snapshot's site, checked and made safe, ready to write.
pub(crate) struct PreparedSite {
    meta: SiteMeta,
    pub(crate) site: Site,
    files: Vec<SnapshotBlob>,
}

/// Docs collected for an export.
pub(crate) struct CollectedDocs {
    pub(crate) content: DocsContent,
    pub(crate) assets: Vec<u8>,
    pub(crate) warnings: Vec<String>,
}

/// Sites written to their folder of the docs cache, not yet known to the catalog.
pub(crate) struct StagedDocs {
    dir: PathBuf,
    /// Whether this import created the folder (and so may remove it on failure).
    created: bool,
}

impl StagedDocs {
    /// The catalog rows of the staged sites.
    pub(crate) fn site_writes(&self, prepared: &[PreparedSite]) -> Vec<SnapshotSiteWrite> {
        prepared
            .iter()
            .enumerate()
            .map(|(i, p)| SnapshotSiteWrite {
                site: NewDocSite {
                    source_id: 0,
                    repo: self
                        .dir
                        .join(format!("site-{i}"))
                        .join("files")
                        .display()
                        .to_string(),
                    dir: p.meta.dir.clone(),
                    name: p.site.name.clone(),
                    content_hash: p.meta.content_hash.clone(),
                    pages: p.site.pages.len() as i64,
                    warnings: p.site.warnings.len() as i64,
                },
                entities: p.meta.entities.clone(),
                sections: sections(&p.site),
            })
            .collect()
    }

    /// Removes the staged folder after a failed import (when this import made it).
    pub(crate) fn discard(self) {
        if self.created {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Checks every site of a snapshot: it parses as a site, its counts match, every path is
/// repository-relative and stays inside, nav and prev/next point at pages, every asset
/// byte range belongs to an asset; and sanitises every page's HTML again.
pub(crate) fn prepare_docs(snapshot: &Snapshot) -> Result<Vec<PreparedSite>, Error> {
    let Some(docs) = &snapshot.docs else {
        return Ok(Vec::new());
    };
    let corrupt = |why: String| {
        Error::Invalid(format!(
            "the snapshot is damaged or was changed after it was made ({why}); ask for a new copy"
        ))
    };
    let mut prepared = Vec::with_capacity(docs.sites.len());
    for entry in &docs.sites {
        let mut site: Site = serde_json::from_str(entry.site.get())
            .map_err(|e| corrupt(format!("the docs site '{}' is malformed: {e}", entry.name)))?;
        if site.pages.len() != entry.pages {
            return Err(corrupt(format!(
                "the docs site '{}' holds {} pages but says {}",
                entry.name,
                site.pages.len(),
                entry.pages
            )));
        }
        let pages = site.pages.len();
        for page in &mut site.pages {
            check_relative_path(&page.output_path)?;
            check_relative_path(&page.src_uri)?;
            check_relative_path(&page.source_path)?;
            if page.previous.is_some_and(|p| p >= pages) || page.next.is_some_and(|p| p >= pages) {
                return Err(corrupt(format!(
                    "a page of '{}' links to a page that is not there",
                    entry.name
                )));
            }
            page.html = clean_html(&page.html);
        }
        check_nav(&site.nav, pages).map_err(|()| {
            corrupt(format!(
                "the nav of '{}' points at missing pages",
                entry.name
            ))
        })?;
        let mut asset_paths = HashSet::new();
        for asset in &site.assets {
            check_relative_path(&asset.src_uri)?;
            check_relative_path(&asset.source_path)?;
            asset_paths.insert(asset.source_path.as_str());
        }
        let mut seen = HashSet::new();
        for blob in &entry.files {
            if !asset_paths.contains(blob.path.as_str()) || !seen.insert(blob.path.as_str()) {
                return Err(corrupt(format!(
                    "the file '{}' of '{}' is not one of its assets",
                    blob.path.escape_debug(),
                    entry.name
                )));
            }
        }
        site.reused_pages = 0;
        prepared.push(PreparedSite {
            meta: SiteMeta {
                repo: entry.repo.clone(),
                dir: entry.dir.clone(),
                name: entry.name.clone(),
                content_hash: entry.content_hash.clone(),
                entities: entry.entities.iter().map(|e| e.to_lowercase()).collect(),
            },
            site,
            files: entry.files.clone(),
        });
    }
    Ok(prepared)
}

fn check_nav(nodes: &[NavNode], pages: usize) -> Result<(), ()> {
    for node in nodes {
        match &node.kind {
            NavKind::Page { page, .. } if *page >= pages => return Err(()),
            NavKind::Section { children } => check_nav(children, pages)?,
            _ => {}
        }
    }
    Ok(())
}

/// Writes prepared sites to `root/name` (through a temporary folder renamed into place).
/// A folder of that name is the same snapshot imported before (the name holds its
/// digest) and is kept as it is.
pub(crate) fn stage_docs(
    root: &Path,
    name: &str,
    prepared: &[PreparedSite],
    assets: &[u8],
    on_progress: &(dyn Fn(SnapshotProgress) + Sync),
) -> Result<StagedDocs, Error> {
    let dir = root.join(name);
    if dir.join("complete").is_file() {
        return Ok(StagedDocs {
            dir,
            created: false,
        });
    }
    std::fs::create_dir_all(root).map_err(|e| Error::io(root, &e))?;
    // The catalog records where sites are: an absolute path, whatever the data folder
    // was called on the command line.
    let root = &std::fs::canonicalize(root).map_err(|e| Error::io(root, &e))?;
    let dir = root.join(name);
    let staging = tempfile::Builder::new()
        .prefix(".staging-")
        .tempdir_in(root)
        .map_err(|e| Error::io(root, &e))?;
    for (i, site) in prepared.iter().enumerate() {
        let site_dir = staging.path().join(format!("site-{i}"));
        let files = site_dir.join("files");
        std::fs::create_dir_all(&files).map_err(|e| Error::io(&files, &e))?;
        write_new(&site_dir.join("site.json"), &json(&site.site)?)?;
        write_new(&site_dir.join("meta.json"), &json(&site.meta)?)?;
        for blob in &site.files {
            // Checked by `prepare_docs`: relative, no `..`, inside the assets section.
            check_relative_path(&blob.path)?;
            let start = blob.offset as usize;
            let bytes = &assets[start..start + blob.size as usize];
            let path = files.join(&blob.path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, &e))?;
            }
            write_new(&path, bytes)?;
        }
        on_progress(SnapshotProgress::Docs {
            done: i + 1,
            total: prepared.len(),
        });
    }
    write_new(&staging.path().join("complete"), b"")?;
    let staged = staging.keep();
    if let Err(e) = std::fs::rename(&staged, &dir) {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(Error::io(&dir, &e));
    }
    Ok(StagedDocs { dir, created: true })
}

/// Creates a file that must not exist yet (so nothing already there is followed or
/// overwritten).
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| Error::io(path, &e))?;
    file.write_all(bytes).map_err(|e| Error::io(path, &e))
}

fn json<T: Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value).map_err(|e| Error::Invalid(e.to_string()))
}

impl Greenroom {
    /// Collects the stored docs sites of `sources` for an export: the rendered site (from
    /// the site cache, or built again from the repository), the entities that show it
    /// (among those exported) and its assets.
    pub(crate) fn collect_docs(
        &self,
        sources: &[i64],
        exported: &CatalogContent,
        on_progress: &(dyn Fn(SnapshotProgress) + Sync),
    ) -> Result<CollectedDocs, Error> {
        let mut shown: HashSet<String> = HashSet::new();
        for repo in &exported.repos {
            for file in &repo.files {
                for entity in &file.entities {
                    if let Ok(e) =
                        serde_json::from_str::<greenroom_catalog::Entity>(entity.entity.get())
                    {
                        shown.insert(e.entity_ref().key());
                    }
                }
            }
        }
        let mut records: Vec<(DocSiteRecord, SourceKind)> = Vec::new();
        for id in sources {
            let Some(source) = self.catalog.source(*id)? else {
                continue;
            };
            for record in self.catalog.doc_sites(*id)? {
                records.push((record, source.kind));
            }
        }
        let mut collected = CollectedDocs {
            content: DocsContent::default(),
            assets: Vec::new(),
            warnings: Vec::new(),
        };
        let mut sites: Vec<(SnapshotSite, Vec<Blob>)> = Vec::new();
        let total = records.len();
        for (i, (record, kind)) in records.into_iter().enumerate() {
            on_progress(SnapshotProgress::Docs { done: i, total });
            let entities: Vec<String> = self
                .catalog
                .doc_site_entities(record.id)?
                .into_iter()
                .filter(|e| shown.contains(e))
                .collect();
            if entities.is_empty() {
                continue;
            }
            let loaded = match kind {
                SourceKind::Snapshot => load_snapshot_site(Path::new(&record.repo)),
                _ => self.load_local_site(&record),
            };
            let (mut site, repo) = match loaded {
                Ok(found) => found,
                Err(why) => {
                    collected.warnings.push(format!(
                        "docs of {} ({}) not included: {why}",
                        record.name, record.repo
                    ));
                    continue;
                }
            };
            site.reused_pages = 0;
            let files = WorkingTree::new(&record.repo).ok();
            let mut blobs = Vec::new();
            let wanted: BTreeSet<&str> =
                site.assets.iter().map(|a| a.source_path.as_str()).collect();
            for path in wanted {
                match files.as_ref().map(|f| f.read(path, MAX_ASSET_BYTES)) {
                    Some(Ok(bytes)) => blobs.push((path.to_owned(), bytes)),
                    _ => collected.warnings.push(format!(
                        "docs of {}: the file {path} could not be read and is left out",
                        record.name
                    )),
                }
            }
            let raw = serde_json::value::to_raw_value(&site)
                .map_err(|e| Error::Invalid(e.to_string()))?;
            sites.push((
                SnapshotSite {
                    repo,
                    dir: record.dir.clone(),
                    name: site.name.clone(),
                    content_hash: record.content_hash.clone(),
                    entities,
                    pages: site.pages.len(),
                    site: raw,
                    files: Vec::new(),
                },
                blobs,
            ));
        }
        on_progress(SnapshotProgress::Docs { done: total, total });
        sites.sort_by(|a, b| (&a.0.repo, &a.0.dir).cmp(&(&b.0.repo, &b.0.dir)));
        for (mut site, blobs) in sites {
            for (path, bytes) in blobs {
                site.files.push(SnapshotBlob {
                    path,
                    offset: collected.assets.len() as u64,
                    size: bytes.len() as u64,
                });
                collected.assets.extend_from_slice(&bytes);
            }
            collected.content.sites.push(site);
        }
        Ok(collected)
    }

    /// A local site as built by the last docs index (from the cache, or built again).
    fn load_local_site(&self, record: &DocSiteRecord) -> Result<(Site, String), String> {
        let cache = SiteCache::new(self.dir.join("docs-cache"));
        if let Some(site) = cache.get_site(&record.content_hash) {
            return Ok((site, record.repo.clone()));
        }
        let files = WorkingTree::new(&record.repo).map_err(|e| e.to_string())?;
        let location = locate_in_folder(&files, &record.dir)
            .ok_or_else(|| "its mkdocs.yml or docs/ folder is gone".to_owned())?;
        let options = BuildOptions {
            default_site_name: Some(record.name.clone()),
            ..BuildOptions::default()
        };
        let site = build_site(&files, &location, &options, Some(&cache), &|_| {})
            .map_err(|e| e.to_string())?;
        Ok((site, record.repo.clone()))
    }

    /// The docs of an entity defined by a snapshot: its stored site, else word that the
    /// docs are in a repository that is not on this machine.
    pub(crate) fn snapshot_entity_docs(&self, entity: &EntityRecord) -> Result<EntityDocs, Error> {
        let key = entity.key.as_str();
        let mut found = self
            .catalog
            .doc_site_for(key)?
            .filter(|site| site.source_id == entity.source_id);
        if found.is_none() {
            // The entity may show a site another source's docs took over in the index.
            for site in self.catalog.doc_sites(entity.source_id)? {
                let meta = Path::new(&site.repo).parent().map(|d| d.join("meta.json"));
                let shows = meta
                    .and_then(|m| std::fs::read(m).ok())
                    .and_then(|bytes| serde_json::from_slice::<SiteMeta>(&bytes).ok())
                    .is_some_and(|m| m.entities.iter().any(|e| e == key));
                if shows {
                    found = Some(site);
                    break;
                }
            }
        }
        if let Some(record) = found {
            let (site, _) = load_snapshot_site(Path::new(&record.repo)).map_err(Error::Invalid)?;
            return Ok(EntityDocs::Site {
                site: Box::new(site),
                repo: PathBuf::from(&record.repo),
                record,
            });
        }
        let annotations = &entity.entity.metadata.annotations;
        if annotations.contains_key(greenroom_techdocs::TECHDOCS_REF)
            || annotations.contains_key(greenroom_techdocs::TECHDOCS_ENTITY)
        {
            let url = entity
                .location
                .as_ref()
                .and_then(|l| l.remote_url.clone().or_else(|| Some(l.repo.clone())))
                .unwrap_or_default();
            return Ok(EntityDocs::NotAvailableOffline { url });
        }
        Ok(EntityDocs::None)
    }

    /// The docs folder of a snapshot source, if it has docs.
    pub fn snapshot_docs_folder(&self, source_id: i64) -> Result<Option<PathBuf>, Error> {
        let Some(source) = self.catalog.source(source_id)? else {
            return Ok(None);
        };
        let settings: SnapshotSettings =
            serde_json::from_value(source.settings).unwrap_or_default();
        Ok(self.snapshot_docs_dir(&settings))
    }
}

/// Reads a stored snapshot site from its `files` folder's parent; returns it with the
/// repository it was built from.
fn load_snapshot_site(files: &Path) -> Result<(Site, String), String> {
    let dir = files.parent().ok_or("the docs folder is missing")?;
    let read = |name: &str| {
        std::fs::read(dir.join(name)).map_err(|e| format!("{}: {e}", dir.join(name).display()))
    };
    let site: Site = serde_json::from_slice(&read("site.json")?).map_err(|e| e.to_string())?;
    let meta: SiteMeta = serde_json::from_slice(&read("meta.json")?).map_err(|e| e.to_string())?;
    Ok((site, meta.repo))
}
