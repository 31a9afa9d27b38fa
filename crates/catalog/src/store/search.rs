//! Full-text search over entities with SQLite FTS5: every word of the query must match the
//! start of a word of the entity (prefix matching); name and title weigh most.

use serde::{Deserialize, Serialize};

use super::{Catalog, StoreError};

/// Column weights for ranking: name, title, description, everything else.
const WEIGHTS: &str = "10.0, 6.0, 2.0, 1.0";

/// A search result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    /// Canonical ref.
    pub key: String,
    /// Kind.
    pub kind: String,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Relevance; lower is better (FTS5's bm25).
    pub score: f64,
}

/// Turns what a person typed into an FTS5 query: each word becomes a quoted prefix term,
/// so punctuation in the input cannot form query syntax. `None` when there is no word.
pub(crate) fn fts_query(text: &str) -> Option<String> {
    let terms: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{}\"*", w.to_lowercase()))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

impl Catalog {
    /// The best matches for `text`, best first. An exact name match comes first.
    pub fn search(&self, text: &str, limit: usize) -> Result<Vec<SearchHit>, StoreError> {
        let Some(query) = fts_query(text) else {
            return Ok(Vec::new());
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT e.ref, e.kind, e.namespace, e.name, e.title, e.description,
                    bm25(entity_search, {WEIGHTS}) - (e.name = ?2 COLLATE NOCASE) * 100.0 AS score
               FROM entity_search JOIN entities e ON e.id = entity_search.rowid
              WHERE entity_search MATCH ?1
              ORDER BY score LIMIT ?3"
        ))?;
        let rows = stmt.query_map(rusqlite::params![query, text.trim(), limit as i64], |r| {
            Ok(SearchHit {
                key: r.get(0)?,
                kind: r.get(1)?,
                namespace: r.get(2)?,
                name: r.get(3)?,
                title: r.get(4)?,
                description: r.get(5)?,
                score: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn user_text_cannot_inject_query_syntax() {
        assert_eq!(
            fts_query("payments api").as_deref(),
            Some("\"payments\"* \"api\"*")
        );
        assert_eq!(
            fts_query("pay-serv\" OR *").as_deref(),
            Some("\"pay\"* \"serv\"* \"or\"*")
        );
        assert_eq!(fts_query("  -- "), None);
    }
}
