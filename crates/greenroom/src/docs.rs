//! TechDocs of the catalog's entities: found as TechDocs finds them, built offline with
//! `greenroom-techdocs` (unchanged pages come from a cache in the data folder), and every
//! page and section indexed for search.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use greenroom_catalog::EntityRef;
use greenroom_catalog::descriptor::parent_dir;
use greenroom_catalog::store::EntityRecord;
use greenroom_catalog::store::{DocSection, DocSiteRecord, EntityQuery, NewDocSite, SourceKind};
use greenroom_techdocs::{
    BuildOptions, DocsFiles, DocsLocation, DocsRequest, DocsSite, Site, SiteCache, WorkingTree,
    build_site, locate_docs, locate_in_folder,
};
use serde::{Deserialize, Serialize};

use crate::remote::FetchedRepos;
use crate::remote_docs::{GitDocs, materialise_assets};
use crate::{Error, Greenroom, IndexReport, Progress};

/// The entity kinds that take a repository's docs when no annotation says which entity
/// the docs belong to.
const MAIN_KINDS: [&str; 5] = ["Component", "System", "Domain", "API", "Resource"];

/// What an entity's docs are.
pub enum EntityDocs {
    /// A built site, read from `repo`.
    Site {
        /// The site.
        site: Box<Site>,
        /// Its record in the catalog.
        record: DocSiteRecord,
        /// The folder holding the site's files at their repository paths: the repository
        /// itself for a folder source (for assets and "edit this page"), a copy of the
        /// assets for remote repositories and snapshots.
        repo: PathBuf,
    },
    /// The docs are in another repository, which is not on this machine.
    NotAvailableOffline {
        /// Where they are.
        url: String,
    },
    /// The entity has no docs.
    None,
}

/// What indexing docs is doing.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum DocsProgress {
    /// The sites to build are known.
    Started {
        /// How many.
        sites: usize,
    },
    /// One more site is built.
    Built {
        /// Sites done.
        done: usize,
        /// Sites in all.
        total: usize,
        /// The one just built.
        name: String,
    },
}

/// What indexing docs did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocsReport {
    /// Sites found.
    pub sites: usize,
    /// Sites whose content changed and whose pages were indexed again.
    pub reindexed: usize,
    /// Pages in all.
    pub pages: usize,
    /// Sites that could not be built, with why.
    pub failures: Vec<String>,
}

/// One site to build: where, and which entities show it.
struct Planned {
    source_id: i64,
    repo: PathBuf,
    /// The repository's files, opened once for all of its sites.
    files: Rc<dyn DocsFiles>,
    location: DocsLocation,
    entities: Vec<String>,
    name: String,
}

/// Opens the repositories of one source for the docs renderer: a folder source's working
/// trees, or a remote source's last fetched trees (its repository list read once).
enum RepoOpener {
    Folder,
    Remote(FetchedRepos),
}

impl RepoOpener {
    /// The files of `repo` (a folder, or a remote repository's key).
    fn open(&self, repo: &str) -> Result<Rc<dyn DocsFiles>, Error> {
        match self {
            RepoOpener::Remote(fetched) => Ok(Rc::new(GitDocs(fetched.tree(repo)?))),
            RepoOpener::Folder => {
                let path = Path::new(repo);
                Ok(Rc::new(
                    WorkingTree::new(path).map_err(|e| Error::io(path, &e))?,
                ))
            }
        }
    }
}

impl Greenroom {
    fn site_cache(&self) -> SiteCache {
        SiteCache::new(self.dir.join("docs-cache"))
    }

    /// How to open the repositories of `source` (by its id).
    fn repo_opener(&self, source_id: i64) -> Result<RepoOpener, Error> {
        let record = self
            .catalog
            .source(source_id)?
            .ok_or_else(|| Error::Invalid(format!("there is no source {source_id}")))?;
        Ok(match record.kind {
            SourceKind::Remote => RepoOpener::Remote(self.fetched_repos(&record)?),
            _ => RepoOpener::Folder,
        })
    }

    /// The docs of an entity, built now (unchanged pages come from the cache) and kept in
    /// the search index.
    pub fn entity_docs(&mut self, key: &str) -> Result<EntityDocs, Error> {
        let mut key = key.to_lowercase();
        for _ in 0..4 {
            let Some(record) = self.catalog.entity(&key)? else {
                return Err(Error::NotFound {
                    text: key,
                    hint: String::new(),
                });
            };
            if record.source_kind == SourceKind::Snapshot {
                return self.snapshot_entity_docs(&record);
            }
            let kind = record.source_kind;
            let Some(location) = record
                .location
                .filter(|_| matches!(kind, SourceKind::Folder | SourceKind::Remote))
            else {
                return Ok(EntityDocs::None);
            };
            let repo = PathBuf::from(&location.repo);
            let files = self.repo_opener(record.source_id)?.open(&location.repo)?;
            let request = DocsRequest {
                descriptor_dir: parent_dir(&location.file).to_owned(),
                annotations: record.entity.metadata.annotations.clone(),
                repo_urls: location.remote_url.clone().into_iter().collect(),
            };
            match locate_docs(files.as_ref(), &request)
                .map_err(|e| Error::Invalid(e.to_string()))?
            {
                DocsSite::OtherEntity(other) => {
                    key = EntityRef::parse(
                        &other,
                        Some("Component"),
                        &record.entity.metadata.namespace,
                    )
                    .map_err(|e| {
                        Error::Invalid(format!("{key}: backstage.io/techdocs-entity: {e}"))
                    })?
                    .key();
                }
                DocsSite::NotAvailableOffline { url } => {
                    return Ok(EntityDocs::NotAvailableOffline { url });
                }
                DocsSite::None => return Ok(EntityDocs::None),
                DocsSite::Local(docs) => {
                    let planned = Planned {
                        source_id: record.source_id,
                        repo: repo.clone(),
                        files: Rc::clone(&files),
                        location: docs,
                        entities: vec![key.clone()],
                        name: record.entity.metadata.name.clone(),
                    };
                    let (site, record) = self.build_and_store(&planned)?;
                    let repo = match kind {
                        SourceKind::Remote => materialise_assets(
                            &self.dir.join("docs-remote"),
                            &location.repo,
                            &site,
                            files.as_ref(),
                        )?,
                        _ => repo,
                    };
                    return Ok(EntityDocs::Site {
                        site: Box::new(site),
                        record,
                        repo,
                    });
                }
            }
        }
        Err(Error::Invalid(format!(
            "{key}: backstage.io/techdocs-entity annotations lead in a circle"
        )))
    }

    /// Builds the docs of every entity of folder and remote sources (one source, or all) and indexes
    /// their pages and sections for search. Sites whose content did not change keep their
    /// index rows.
    pub fn index_docs(
        &mut self,
        source: Option<&str>,
        on_progress: &(dyn Fn(DocsProgress) + Sync),
    ) -> Result<DocsReport, Error> {
        let sources = match source {
            Some(text) => vec![self.catalog.find_source(text)?],
            None => self.catalog.sources()?,
        };
        let mut report = DocsReport::default();
        for source in sources
            .into_iter()
            .filter(|s| matches!(s.kind, SourceKind::Folder | SourceKind::Remote))
        {
            let planned = self.plan_docs(source.id)?;
            on_progress(DocsProgress::Started {
                sites: planned.len(),
            });
            let mut kept = Vec::new();
            for (i, site) in planned.iter().enumerate() {
                kept.push((site.repo.display().to_string(), site.location.dir.clone()));
                let before = self
                    .catalog
                    .doc_site(&kept[i].0, &kept[i].1)?
                    .map(|r| r.content_hash);
                let built = self.build_and_store(site);
                match built {
                    Ok((_, record)) => {
                        report.sites += 1;
                        report.pages += record.pages as usize;
                        if before.as_deref() != Some(record.content_hash.as_str()) {
                            report.reindexed += 1;
                        }
                    }
                    Err(e) => report.failures.push(format!(
                        "{}: {e}",
                        site.repo.join(&site.location.dir).display()
                    )),
                }
                on_progress(DocsProgress::Built {
                    done: i + 1,
                    total: planned.len(),
                    name: site.name.clone(),
                });
            }
            self.catalog.remove_doc_sites_except(source.id, &kept)?;
        }
        Ok(report)
    }

    /// Indexes sources (one, or all) as [`Greenroom::index`] does, then builds and indexes
    /// their docs as [`Greenroom::index_docs`] does, reporting both through one sink.
    pub fn index_with_docs(
        &mut self,
        source: Option<&str>,
        on_progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<(Vec<IndexReport>, DocsReport), Error> {
        let reports = self.index(source, on_progress)?;
        let docs = self.index_docs(source, &|progress| {
            on_progress(Progress::Docs { progress });
        })?;
        Ok((reports, docs))
    }

    /// The sites of a source's repositories: entities that say where their docs are, and
    /// the main entity of a repository whose root has `mkdocs.yml` or `docs/`.
    fn plan_docs(&self, source_id: i64) -> Result<Vec<Planned>, Error> {
        let mut records = Vec::new();
        for summary in self
            .catalog
            .list(&EntityQuery {
                sources: vec![source_id],
                ..EntityQuery::default()
            })?
            .items
        {
            records.extend(self.catalog.entity(&summary.key)?);
        }
        let mut by_repo: BTreeMap<String, Vec<&EntityRecord>> = BTreeMap::new();
        for record in &records {
            if let Some(location) = &record.location {
                by_repo
                    .entry(location.repo.clone())
                    .or_default()
                    .push(record);
            }
        }
        let opener = self.repo_opener(source_id)?;
        let mut planned: Vec<Planned> = Vec::new();
        for (repo, mut records) in by_repo {
            let Ok(files) = opener.open(&repo) else {
                continue;
            };
            let repo = PathBuf::from(repo);
            records.sort_by_key(|r| r.location.as_ref().map(|l| (l.file.clone(), l.document)));
            let mut claimed = false;
            for record in records.iter().copied() {
                let Some(location) = &record.location else {
                    continue;
                };
                let annotations = &record.entity.metadata.annotations;
                if !annotations.contains_key(greenroom_techdocs::TECHDOCS_REF) {
                    continue;
                }
                let request = DocsRequest {
                    descriptor_dir: parent_dir(&location.file).to_owned(),
                    annotations: annotations.clone(),
                    repo_urls: location.remote_url.clone().into_iter().collect(),
                };
                if let Ok(DocsSite::Local(docs)) = locate_docs(files.as_ref(), &request) {
                    add_planned(&mut planned, record, &repo, &files, docs);
                    claimed = true;
                }
            }
            if !claimed
                && let Some(main) = records.iter().find(|r| {
                    MAIN_KINDS.contains(&r.entity.kind.as_str())
                        && r.location
                            .as_ref()
                            .is_some_and(|l| !l.file.contains('/') && l.document == 0)
                })
                && let Some(docs) = locate_in_folder(files.as_ref(), "")
            {
                add_planned(&mut planned, main, &repo, &files, docs);
            }
        }
        // Entities that borrow another entity's docs show the same site.
        for record in &records {
            let Some(other) = record
                .entity
                .annotation(greenroom_techdocs::TECHDOCS_ENTITY)
            else {
                continue;
            };
            let Ok(other) =
                EntityRef::parse(other, Some("Component"), &record.entity.metadata.namespace)
            else {
                continue;
            };
            let other = other.key();
            if let Some(site) = planned.iter_mut().find(|p| p.entities.contains(&other)) {
                site.entities.push(record.key.clone());
            }
        }
        Ok(planned)
    }

    fn build_and_store(&mut self, planned: &Planned) -> Result<(Site, DocSiteRecord), Error> {
        let files = planned.files.as_ref();
        let options = BuildOptions {
            default_site_name: Some(planned.name.clone()),
            ..BuildOptions::default()
        };
        let cache = self.site_cache();
        let site = build_site(files, &planned.location, &options, Some(&cache), &|_| {})
            .map_err(|e| Error::Invalid(e.to_string()))?;
        let repo = planned.repo.display().to_string();
        let stored = self.catalog.doc_site(&repo, &planned.location.dir)?;
        let changed = stored
            .as_ref()
            .is_none_or(|s| s.content_hash != site.content_hash);
        let sections: Vec<DocSection> = if changed { sections(&site) } else { Vec::new() };
        let new = NewDocSite {
            source_id: planned.source_id,
            repo: repo.clone(),
            dir: planned.location.dir.clone(),
            name: site.name.clone(),
            content_hash: site.content_hash.clone(),
            pages: site.pages.len() as i64,
            warnings: site.warnings.len() as i64,
        };
        self.catalog.put_doc_site(
            &new,
            &planned.entities,
            changed.then_some(sections.as_slice()),
        )?;
        let record = self
            .catalog
            .doc_site(&repo, &planned.location.dir)?
            .ok_or_else(|| Error::Invalid(format!("the docs of {repo} could not be stored")))?;
        Ok((site, record))
    }
}

fn add_planned(
    planned: &mut Vec<Planned>,
    record: &EntityRecord,
    repo: &Path,
    files: &Rc<dyn DocsFiles>,
    docs: DocsLocation,
) {
    if let Some(existing) = planned
        .iter_mut()
        .find(|p| p.repo == repo && p.location.dir == docs.dir)
    {
        existing.entities.push(record.key.clone());
    } else {
        planned.push(Planned {
            source_id: record.source_id,
            repo: repo.to_owned(),
            files: Rc::clone(files),
            location: docs,
            entities: vec![record.key.clone()],
            name: record.entity.metadata.name.clone(),
        });
    }
}

/// A site's search records, each with its page's title.
pub(crate) fn sections(site: &Site) -> Vec<DocSection> {
    site.search
        .iter()
        .map(|record| {
            let page_title = site
                .pages
                .iter()
                .find(|p| p.url == record.page_url)
                .map_or_else(|| record.title.clone(), |p| p.title.clone());
            DocSection {
                page_url: record.page_url.clone(),
                anchor: record.anchor.clone(),
                title: record.title.clone(),
                page_title,
                text: record.text.clone(),
            }
        })
        .collect()
}
