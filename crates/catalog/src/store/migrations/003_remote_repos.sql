-- Sync state of each repository of a remote source: the last fetch that worked (commit and
-- time) and why the last attempt failed, if it did. Kept apart from `repos`, which lists only
-- repositories whose descriptors were read at least once; a repository that never fetched
-- (wrong address, no credentials) has a row here only.
CREATE TABLE remote_repos (
    source_id    INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    -- The repository's key within the source, as in repos.path (the URL, `#branch` if named).
    path         TEXT    NOT NULL,
    url          TEXT    NOT NULL,
    branch       TEXT,
    -- The commit of the last fetch that worked, and when it was made (ms since the epoch).
    commit_id    TEXT,
    synced_at    INTEGER,
    attempted_at INTEGER NOT NULL,
    -- Why the last attempt failed: a kind the app branches on (e.g. needs-credentials), the
    -- host concerned, and a message for people.
    error_kind   TEXT,
    error_host   TEXT,
    error        TEXT,
    PRIMARY KEY (source_id, path)
) WITHOUT ROWID;
