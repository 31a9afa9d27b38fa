//! The change feed: what changed since a sequence number, so that a window can catch up
//! with writes made by another process (the CLI, a file watcher) without reloading all.

use rusqlite::{Transaction, params};
use serde::{Deserialize, Serialize};

use super::{Catalog, StoreError, now_millis};

/// A write that changes more refs than this records one `reset` instead of every ref.
const MAX_ROWS_PER_WRITE: usize = 1000;
/// How many rows the feed keeps; a reader further behind is told to reload.
const KEEP_ROWS: i64 = 20_000;

/// What changed after a sequence number.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeBatch {
    /// The newest sequence number; pass it to the next call.
    pub latest: i64,
    /// The reader is too far behind, or a large write happened: reload everything.
    pub reset: bool,
    /// Entities added, changed or removed (canonical refs).
    pub entities: Vec<String>,
    /// Sources whose state or problems changed.
    pub sources: Vec<i64>,
}

/// Records a write's change rows (`upsert` or `delete` with a ref, `source` with a source
/// id): each ref in order, then the sources, or one `reset` in place of the refs when there
/// are more than [`MAX_ROWS_PER_WRITE`].
pub(super) fn record(tx: &Transaction<'_>, rows: &[(&str, String)]) -> rusqlite::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let now = now_millis();
    let entity_rows = rows.iter().filter(|(op, _)| *op != "source").count();
    let mut insert = tx.prepare_cached("INSERT INTO changes (op, ref, at) VALUES (?1, ?2, ?3)")?;
    if entity_rows > MAX_ROWS_PER_WRITE {
        insert.execute(params!["reset", "", now])?;
    }
    let mut written: Vec<&(&str, String)> = rows
        .iter()
        .filter(|(op, _)| *op == "source" || entity_rows <= MAX_ROWS_PER_WRITE)
        .collect();
    // Sorted only here: a large write records none of its refs.
    written.sort_by_key(|(op, key)| match *op {
        "source" => (true, "", ""),
        _ => (false, *op, key.as_str()),
    });
    for (op, key) in written {
        insert.execute(params![op, key, now])?;
    }
    tx.execute(
        "DELETE FROM changes WHERE seq <= (SELECT max(seq) FROM changes) - ?1",
        [KEEP_ROWS],
    )?;
    Ok(())
}

impl Catalog {
    pub(super) fn record_change(&self, op: &str, key: &str) -> rusqlite::Result<()> {
        self.conn.execute(
            "INSERT INTO changes (op, ref, at) VALUES (?1, ?2, ?3)",
            params![op, key, now_millis()],
        )?;
        Ok(())
    }

    /// The newest sequence number of the feed (0 for a new catalog).
    pub fn latest_change(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT coalesce(max(seq), 0) FROM changes", [], |r| {
                r.get(0)
            })?)
    }

    /// What changed after `since`.
    pub fn changes_since(&self, since: i64) -> Result<ChangeBatch, StoreError> {
        let (oldest, latest): (i64, i64) = self.conn.query_row(
            "SELECT coalesce(min(seq), 0), coalesce(max(seq), 0) FROM changes",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let mut batch = ChangeBatch {
            latest,
            ..ChangeBatch::default()
        };
        if latest <= since {
            return Ok(batch);
        }
        if since + 1 < oldest {
            batch.reset = true;
            return Ok(batch);
        }
        let mut stmt = self
            .conn
            .prepare_cached("SELECT op, ref FROM changes WHERE seq > ?1 ORDER BY seq")?;
        let rows = stmt.query_map([since], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut seen = std::collections::HashSet::new();
        for row in rows {
            let (op, key) = row?;
            match op.as_str() {
                "reset" => batch.reset = true,
                "source" => {
                    if let Ok(id) = key.parse()
                        && !batch.sources.contains(&id)
                    {
                        batch.sources.push(id);
                    }
                }
                _ => {
                    if seen.insert(key.clone()) {
                        batch.entities.push(key);
                    }
                }
            }
        }
        if batch.reset {
            batch.entities.clear();
        }
        Ok(batch)
    }
}
