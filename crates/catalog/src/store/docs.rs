//! TechDocs in the catalog: which entities show which site, and every page and section in
//! a full-text index, so a search finds the heading to jump to.

use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use super::search::fts_query;
use super::{Catalog, StoreError, now_millis};

/// A site as stored.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocSiteRecord {
    /// Stable id.
    pub id: i64,
    /// The source whose repository holds it.
    pub source_id: i64,
    /// The repository (absolute folder or URL).
    pub repo: String,
    /// Repository-relative folder of its `mkdocs.yml`.
    pub dir: String,
    /// `site_name`.
    pub name: String,
    /// Hash of everything the site was built from.
    pub content_hash: String,
    /// Pages.
    pub pages: i64,
    /// Warnings of the last build (broken links and the like).
    pub warnings: i64,
    /// When it was built (ms since the epoch).
    pub built_at: i64,
}

/// A site to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDocSite {
    /// The source whose repository holds it.
    pub source_id: i64,
    /// The repository.
    pub repo: String,
    /// Repository-relative folder of its `mkdocs.yml`.
    pub dir: String,
    /// `site_name`.
    pub name: String,
    /// Hash of everything it was built from.
    pub content_hash: String,
    /// Pages.
    pub pages: i64,
    /// Warnings.
    pub warnings: i64,
}

/// A page or a section of a page, to index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocSection {
    /// URL of the page relative to the site root.
    pub page_url: String,
    /// Heading id; `None` for the page as a whole.
    pub anchor: Option<String>,
    /// The heading's (or page's) title.
    pub title: String,
    /// The page's title.
    pub page_title: String,
    /// Plain text of the section.
    pub text: String,
}

/// A docs search result.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocHit {
    /// The site.
    pub site_id: i64,
    /// Its name.
    pub site_name: String,
    /// An entity that shows the site (canonical ref), to open its Docs tab.
    pub entity: Option<String>,
    /// URL of the page relative to the site root.
    pub page_url: String,
    /// Heading id to jump to; `None` for the top of the page.
    pub anchor: Option<String>,
    /// Section (or page) title.
    pub title: String,
    /// Page title.
    pub page_title: String,
    /// The start of the section's text.
    pub excerpt: String,
    /// Relevance; lower is better.
    pub score: f64,
}

const SITE_COLUMNS: &str =
    "id, source_id, repo, dir, name, content_hash, pages, warnings, built_at";
const EXCERPT_CHARS: usize = 240;

fn site_row(r: &Row<'_>) -> rusqlite::Result<DocSiteRecord> {
    Ok(DocSiteRecord {
        id: r.get(0)?,
        source_id: r.get(1)?,
        repo: r.get(2)?,
        dir: r.get(3)?,
        name: r.get(4)?,
        content_hash: r.get(5)?,
        pages: r.get(6)?,
        warnings: r.get(7)?,
        built_at: r.get(8)?,
    })
}

impl Catalog {
    /// The site stored for a repository folder.
    pub fn doc_site(&self, repo: &str, dir: &str) -> Result<Option<DocSiteRecord>, StoreError> {
        let sql = format!("SELECT {SITE_COLUMNS} FROM doc_sites WHERE repo = ?1 AND dir = ?2");
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row(params![repo, dir], site_row)
            .optional()?)
    }

    /// The site an entity shows, if it has one.
    pub fn doc_site_for(&self, entity: &str) -> Result<Option<DocSiteRecord>, StoreError> {
        let sql = format!(
            "SELECT {SITE_COLUMNS} FROM doc_sites WHERE id = (SELECT site_id FROM doc_entities WHERE entity_ref = ?1)"
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([entity.to_lowercase()], site_row)
            .optional()?)
    }

    /// Every stored site of a source.
    pub fn doc_sites(&self, source_id: i64) -> Result<Vec<DocSiteRecord>, StoreError> {
        let sql =
            format!("SELECT {SITE_COLUMNS} FROM doc_sites WHERE source_id = ?1 ORDER BY repo, dir");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map([source_id], site_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Stores a site, the entities that show it and, when its content changed (or
    /// `sections` is given for a new site), its sections, in one transaction.
    pub fn put_doc_site(
        &mut self,
        site: &NewDocSite,
        entities: &[String],
        sections: Option<&[DocSection]>,
    ) -> Result<i64, StoreError> {
        let tx = self.conn.transaction()?;
        let existing: Option<(i64, String)> = tx
            .prepare_cached("SELECT id, content_hash FROM doc_sites WHERE repo = ?1 AND dir = ?2")?
            .query_row(params![site.repo, site.dir], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let id = match &existing {
            Some((id, _)) => {
                tx.prepare_cached(
                    "UPDATE doc_sites SET source_id = ?2, name = ?3, content_hash = ?4, pages = ?5, warnings = ?6,
                            built_at = ?7 WHERE id = ?1",
                )?
                .execute(params![
                    id,
                    site.source_id,
                    site.name,
                    site.content_hash,
                    site.pages,
                    site.warnings,
                    now_millis()
                ])?;
                *id
            }
            None => {
                tx.prepare_cached(
                    "INSERT INTO doc_sites (source_id, repo, dir, name, content_hash, pages, warnings, built_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?
                .execute(params![
                    site.source_id,
                    site.repo,
                    site.dir,
                    site.name,
                    site.content_hash,
                    site.pages,
                    site.warnings,
                    now_millis()
                ])?;
                tx.last_insert_rowid()
            }
        };
        tx.prepare_cached("DELETE FROM doc_entities WHERE site_id = ?1")?
            .execute([id])?;
        for entity in entities {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO doc_entities (entity_ref, site_id) VALUES (?1, ?2)",
            )?
            .execute(params![entity.to_lowercase(), id])?;
        }
        let unchanged = existing
            .as_ref()
            .is_some_and(|(_, hash)| *hash == site.content_hash);
        if let Some(sections) = sections.filter(|_| !unchanged) {
            let old: Vec<i64> = {
                let mut stmt =
                    tx.prepare_cached("SELECT id FROM doc_sections WHERE site_id = ?1")?;
                stmt.query_map([id], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?
            };
            for section in old {
                tx.prepare_cached("DELETE FROM doc_search WHERE rowid = ?1")?
                    .execute([section])?;
            }
            tx.prepare_cached("DELETE FROM doc_sections WHERE site_id = ?1")?
                .execute([id])?;
            for s in sections {
                let excerpt: String = s.text.chars().take(EXCERPT_CHARS).collect();
                tx.prepare_cached(
                    "INSERT INTO doc_sections (site_id, page_url, anchor, title, page_title, excerpt)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![id, s.page_url, s.anchor, s.title, s.page_title, excerpt])?;
                let section = tx.last_insert_rowid();
                tx.prepare_cached(
                    "INSERT INTO doc_search (rowid, title, text) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![section, s.title, s.text])?;
            }
        }
        tx.prepare_cached("INSERT INTO changes (op, ref, at) VALUES ('docs', ?1, ?2)")?
            .execute(params![id.to_string(), now_millis()])?;
        tx.commit()?;
        Ok(id)
    }

    /// Removes a source's sites other than `keep` (repository, folder) pairs.
    pub fn remove_doc_sites_except(
        &mut self,
        source_id: i64,
        keep: &[(String, String)],
    ) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let sites: Vec<(i64, String, String)> = {
            let mut stmt =
                tx.prepare_cached("SELECT id, repo, dir FROM doc_sites WHERE source_id = ?1")?;
            stmt.query_map([source_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        let mut removed = 0;
        for (id, repo, dir) in sites {
            if keep.iter().any(|(r, d)| *r == repo && *d == dir) {
                continue;
            }
            tx.prepare_cached("DELETE FROM doc_search WHERE rowid IN (SELECT id FROM doc_sections WHERE site_id = ?1)")?
                .execute([id])?;
            tx.prepare_cached("DELETE FROM doc_sites WHERE id = ?1")?
                .execute([id])?;
            removed += 1;
        }
        tx.commit()?;
        Ok(removed)
    }

    /// Docs pages and sections matching `text` (prefix matching), best first; titles weigh
    /// more than text. `site` limits the search to one site.
    pub fn search_docs(
        &self,
        text: &str,
        site: Option<i64>,
        limit: usize,
    ) -> Result<Vec<DocHit>, StoreError> {
        let Some(query) = fts_query(text) else {
            return Ok(Vec::new());
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.site_id, d.name, (SELECT min(entity_ref) FROM doc_entities WHERE site_id = s.site_id),
                    s.page_url, s.anchor, s.title, s.page_title, s.excerpt, bm25(doc_search, 5.0, 1.0) AS score
               FROM doc_search JOIN doc_sections s ON s.id = doc_search.rowid JOIN doc_sites d ON d.id = s.site_id
              WHERE doc_search MATCH ?1 AND (?2 IS NULL OR s.site_id = ?2)
              ORDER BY score LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![query, site, limit as i64], |r| {
            Ok(DocHit {
                site_id: r.get(0)?,
                site_name: r.get(1)?,
                entity: r.get(2)?,
                page_url: r.get(3)?,
                anchor: r.get(4)?,
                title: r.get(5)?,
                page_title: r.get(6)?,
                excerpt: r.get(7)?,
                score: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
