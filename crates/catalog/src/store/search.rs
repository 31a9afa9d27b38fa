//! Full-text search over entities with SQLite FTS5: every word of the query must match the
//! start of a word of the entity (prefix matching); name and title weigh most.

use serde::{Deserialize, Serialize};

use super::{Catalog, StoreError};

/// Column weights for ranking: name, title, description, everything else.
const WEIGHTS: &str = "10.0, 6.0, 2.0, 1.0";

/// A search result.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
pub(super) fn fts_query(text: &str) -> Option<String> {
    let terms: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{}\"*", w.to_lowercase()))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// Past this many matches, ranking every one (bm25 runs per match) costs more than a
/// palette can wait; such queries (one or two letters, very common words) list names
/// that start with the word first, then name and title matches, then the rest.
const RANK_LIMIT: i64 = 400;

/// Results gathered from several plans, each entity once, in order.
struct Tiers {
    hits: Vec<SearchHit>,
    seen: std::collections::HashSet<String>,
    limit: usize,
}

impl Tiers {
    fn new(limit: usize) -> Self {
        Tiers {
            hits: Vec::with_capacity(limit),
            seen: std::collections::HashSet::new(),
            limit,
        }
    }

    fn take(&mut self, found: Vec<SearchHit>) {
        for hit in found {
            if self.hits.len() < self.limit && self.seen.insert(hit.key.clone()) {
                self.hits.push(hit);
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.hits.is_empty()
    }

    fn is_full(&self) -> bool {
        self.hits.len() >= self.limit
    }

    /// The hits, scored by position when plans were mixed.
    fn finish(mut self) -> Vec<SearchHit> {
        for (i, hit) in self.hits.iter_mut().enumerate() {
            hit.score = i as f64;
        }
        self.hits
    }
}

const HIT_COLUMNS: &str = "e.ref, e.kind, e.namespace, e.name, e.title, e.description";

fn hit(r: &rusqlite::Row<'_>) -> rusqlite::Result<SearchHit> {
    Ok(SearchHit {
        key: r.get(0)?,
        kind: r.get(1)?,
        namespace: r.get(2)?,
        name: r.get(3)?,
        title: r.get(4)?,
        description: r.get(5)?,
        score: r.get(6)?,
    })
}

impl Catalog {
    /// The best matches for `text`, best first: an exact name first, then by relevance,
    /// with name and title weighing more than the description.
    ///
    /// What people type into a palette decides the plan: one letter lists the names that
    /// start with it; something shaped like a name (`orders-api`) that names start with
    /// lists those names; otherwise the full-text index answers, ranked by relevance when
    /// few enough entities match to rank them all quickly, names that start with the text
    /// first and then any matches when very many do.
    pub fn search(&self, text: &str, limit: usize) -> Result<Vec<SearchHit>, StoreError> {
        let Some(query) = fts_query(text) else {
            return Ok(Vec::new());
        };
        let limit = limit.max(1);
        let exact = text.trim();
        let words: Vec<&str> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        if let [word] = words.as_slice()
            && word.chars().count() == 1
        {
            // One letter: the names that start with it (word prefixes are indexed from two).
            return self.name_prefix(word, limit);
        }
        let mut hits = Tiers::new(limit);
        let name = exact.trim_matches(|c: char| !c.is_alphanumeric());
        if !name.contains(char::is_whitespace) {
            hits.take(self.name_prefix(name, limit)?);
            if words.len() > 1 && !hits.is_empty() {
                return Ok(hits.finish()); // `orders-api-2`: the names are the answer.
            }
        }
        if self.count_matches(&query)? <= RANK_LIMIT {
            hits.take(self.ranked(&query, exact, limit)?);
            return Ok(hits.finish());
        }
        // Too many to rank: after the names that start with the text, any matches will do
        // (a very common word ranks everything about the same).
        if !hits.is_full() {
            hits.take(self.unranked(&query, limit * 2)?);
        }
        Ok(hits.finish())
    }

    /// How many entities match, counting no further than just past the ranking limit.
    fn count_matches(&self, query: &str) -> Result<i64, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT count(*) FROM (SELECT 1 FROM entity_search WHERE entity_search MATCH ?1 LIMIT ?2)",
        )?;
        Ok(stmt.query_row(rusqlite::params![query, RANK_LIMIT + 1], |r| r.get(0))?)
    }

    fn ranked(&self, query: &str, exact: &str, limit: usize) -> Result<Vec<SearchHit>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {HIT_COLUMNS}, bm25(entity_search, {WEIGHTS}) - (e.name = ?2 COLLATE NOCASE) * 100.0 AS score
               FROM entity_search JOIN entities e ON e.id = entity_search.rowid
              WHERE entity_search MATCH ?1
              ORDER BY score LIMIT ?3"
        ))?;
        let rows = stmt.query_map(rusqlite::params![query, exact, limit as i64], hit)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn unranked(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {HIT_COLUMNS}, 0.0 FROM entity_search JOIN entities e ON e.id = entity_search.rowid
              WHERE entity_search MATCH ?1 LIMIT ?2"
        ))?;
        let rows = stmt.query_map(rusqlite::params![query, limit as i64], hit)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Entities whose name starts with `prefix`, in name order, from the name index.
    fn name_prefix(&self, prefix: &str, limit: usize) -> Result<Vec<SearchHit>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {HIT_COLUMNS}, 0.0 FROM entities e
              WHERE e.active = 1 AND e.name >= ?1 COLLATE NOCASE AND e.name < ?2 COLLATE NOCASE
              ORDER BY e.name COLLATE NOCASE LIMIT ?3"
        ))?;
        let upper = format!("{prefix}\u{10FFFF}");
        let rows = stmt.query_map(rusqlite::params![prefix, upper, limit as i64], hit)?;
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
