//! The sync state of remote repositories: when each was last fetched, at which commit,
//! and why the last attempt failed, next to what it contributes to the catalog.

use std::collections::HashSet;

use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::{Catalog, StoreError, now_millis};

/// The outcome of one repository's fetch, to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteRepoUpdate {
    /// The repository's key within the source (as in [`super::RepoIndex::path`]).
    pub path: String,
    /// Its URL.
    pub url: String,
    /// The branch followed.
    pub branch: Option<String>,
    /// The commit fetched, when the fetch worked.
    pub commit: Option<String>,
    /// Why it failed: kind, host, message.
    pub error: Option<(String, Option<String>, String)>,
}

/// One repository of a remote source as the Sources page shows it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteRepoRecord {
    /// The source.
    pub source_id: i64,
    /// The repository's key within the source.
    pub path: String,
    /// Its URL.
    pub url: String,
    /// The branch followed.
    pub branch: Option<String>,
    /// The commit of the last fetch that worked.
    pub commit: Option<String>,
    /// When the last fetch that worked happened (ms since the epoch).
    pub synced_at: Option<i64>,
    /// When the last attempt happened.
    pub attempted_at: i64,
    /// Why the last attempt failed (`needs-credentials`, `not-found`, `unreachable`, ...).
    pub error_kind: Option<String>,
    /// The host the failure concerns (what to ask credentials for).
    pub error_host: Option<String>,
    /// The failure, for people.
    pub error: Option<String>,
    /// The commit the catalog's entities were read from.
    pub indexed_commit: Option<String>,
    /// Entities it defines that the catalog shows.
    pub entity_count: i64,
    /// Errors in its descriptors.
    pub problem_errors: i64,
    /// Warnings in its descriptors.
    pub problem_warnings: i64,
}

impl Catalog {
    /// Records the outcome of a sync of a remote source. A failed fetch keeps the last
    /// good commit and time. With `complete`, repositories not in `updates` are forgotten
    /// (they left the source).
    pub fn record_remote_sync(
        &mut self,
        source_id: i64,
        updates: &[RemoteRepoUpdate],
        complete: bool,
    ) -> Result<(), StoreError> {
        let now = now_millis();
        let tx = self.conn.transaction()?;
        {
            let mut ok = tx.prepare_cached(
                "INSERT INTO remote_repos (source_id, path, url, branch, commit_id, synced_at, attempted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
                 ON CONFLICT (source_id, path) DO UPDATE SET url = ?3, branch = ?4, commit_id = ?5, synced_at = ?6,
                     attempted_at = ?6, error_kind = NULL, error_host = NULL, error = NULL",
            )?;
            let mut failed = tx.prepare_cached(
                "INSERT INTO remote_repos (source_id, path, url, branch, attempted_at, error_kind, error_host, error)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (source_id, path) DO UPDATE SET url = ?3, branch = coalesce(?4, branch),
                     attempted_at = ?5, error_kind = ?6, error_host = ?7, error = ?8",
            )?;
            for update in updates {
                match (&update.commit, &update.error) {
                    (_, Some((kind, host, message))) => failed.execute(params![
                        source_id,
                        update.path,
                        update.url,
                        update.branch,
                        now,
                        kind,
                        host,
                        message
                    ])?,
                    (commit, None) => ok.execute(params![
                        source_id,
                        update.path,
                        update.url,
                        update.branch,
                        commit,
                        now
                    ])?,
                };
            }
            if complete {
                let keep: HashSet<&str> = updates.iter().map(|u| u.path.as_str()).collect();
                let stored: Vec<String> = {
                    let mut stmt =
                        tx.prepare_cached("SELECT path FROM remote_repos WHERE source_id = ?1")?;
                    stmt.query_map([source_id], |r| r.get(0))?
                        .collect::<rusqlite::Result<_>>()?
                };
                for path in stored.iter().filter(|p| !keep.contains(p.as_str())) {
                    tx.execute(
                        "DELETE FROM remote_repos WHERE source_id = ?1 AND path = ?2",
                        params![source_id, path],
                    )?;
                }
            }
            tx.execute(
                "INSERT INTO changes (op, ref, at) VALUES ('source', ?1, ?2)",
                params![source_id.to_string(), now],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The repositories of a remote source with their sync state, by key.
    pub fn remote_repos(&self, source_id: i64) -> Result<Vec<RemoteRepoRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT rr.source_id, rr.path, rr.url, rr.branch, rr.commit_id, rr.synced_at, rr.attempted_at,
                    rr.error_kind, rr.error_host, rr.error, r.head_commit,
                    (SELECT count(*) FROM entities e WHERE e.repo_id = r.id AND e.active = 1),
                    (SELECT count(*) FROM problems p WHERE p.repo_id = r.id AND p.severity = 'error'),
                    (SELECT count(*) FROM problems p WHERE p.repo_id = r.id AND p.severity = 'warning')
             FROM remote_repos rr
             LEFT JOIN repos r ON r.source_id = rr.source_id AND r.path = rr.path
             WHERE rr.source_id = ?1
             ORDER BY rr.path",
        )?;
        let rows = stmt
            .query_map([source_id], |r| {
                Ok(RemoteRepoRecord {
                    source_id: r.get(0)?,
                    path: r.get(1)?,
                    url: r.get(2)?,
                    branch: r.get(3)?,
                    commit: r.get(4)?,
                    synced_at: r.get(5)?,
                    attempted_at: r.get(6)?,
                    error_kind: r.get(7)?,
                    error_host: r.get(8)?,
                    error: r.get(9)?,
                    indexed_commit: r.get(10)?,
                    entity_count: r.get(11)?,
                    problem_errors: r.get(12)?,
                    problem_warnings: r.get(13)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{NewSource, SourceKind};

    fn update(path: &str, commit: Option<&str>, error: Option<&str>) -> RemoteRepoUpdate {
        RemoteRepoUpdate {
            path: path.into(),
            url: path.into(),
            branch: Some("main".into()),
            commit: commit.map(str::to_owned),
            error: error.map(|e| ("unreachable".to_owned(), Some("h".to_owned()), e.to_owned())),
        }
    }

    #[test]
    fn a_failed_fetch_keeps_the_last_good_commit_and_time() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut catalog = Catalog::open(&dir.path().join("c.db")).expect("open");
        let source = catalog
            .add_source(&NewSource {
                kind: SourceKind::Remote,
                target: "git://h/a".into(),
                name: "a".into(),
                settings: serde_json::json!({}),
                priority: 100,
            })
            .expect("source")
            .id;
        catalog
            .record_remote_sync(
                source,
                &[
                    update("a", Some("c1"), None),
                    update("b", None, Some("down")),
                ],
                true,
            )
            .expect("record");
        let first = catalog.remote_repos(source).expect("repos");
        assert_eq!(first.len(), 2);
        assert_eq!(first[0].commit.as_deref(), Some("c1"));
        let synced_at = first[0].synced_at.expect("synced");
        assert_eq!(first[1].error.as_deref(), Some("down"));
        assert_eq!(first[1].synced_at, None);

        catalog
            .record_remote_sync(source, &[update("a", None, Some("offline"))], true)
            .expect("record");
        let second = catalog.remote_repos(source).expect("repos");
        assert_eq!(second.len(), 1, "b left the source");
        assert_eq!(second[0].commit.as_deref(), Some("c1"));
        assert_eq!(second[0].synced_at, Some(synced_at));
        assert_eq!(second[0].error_kind.as_deref(), Some("unreachable"));
        assert_eq!(second[0].error_host.as_deref(), Some("h"));

        catalog.remove_source(source).expect("remove");
        assert!(catalog.remote_repos(source).expect("repos").is_empty());
    }
}
