-- Sources the user added: folders of repositories, remote repositories, snapshots.
CREATE TABLE sources (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL,
    target      TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    settings    TEXT    NOT NULL DEFAULT '{}',
    -- When two sources define one entity, the higher priority wins; then the older source.
    priority    INTEGER NOT NULL DEFAULT 100,
    added_at    INTEGER NOT NULL,
    indexed_at  INTEGER,
    index_error TEXT
);

-- Repositories found in a source, with what the last index saw.
CREATE TABLE repos (
    id          INTEGER PRIMARY KEY,
    source_id   INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    path        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    head_commit TEXT,
    branch      TEXT,
    remote_url  TEXT,
    location    TEXT    NOT NULL,
    -- What the last index read (files and globs), to tell cheaply whether anything changed.
    watch       TEXT    NOT NULL DEFAULT '{}',
    fingerprint TEXT    NOT NULL,
    indexed_at  INTEGER NOT NULL,
    UNIQUE (source_id, path)
);

-- Descriptor files read from a repository; the hash covers files their placeholders read.
CREATE TABLE files (
    id           INTEGER PRIMARY KEY,
    repo_id      INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
    path         TEXT    NOT NULL,
    content_hash TEXT    NOT NULL,
    UNIQUE (repo_id, path)
);

-- Every entity definition read. Of the definitions of one ref, exactly one is active: the
-- one the catalog shows; the others are conflicts.
CREATE TABLE entities (
    id          INTEGER PRIMARY KEY,
    ref         TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    namespace   TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    title       TEXT,
    description TEXT,
    spec_type   TEXT,
    lifecycle   TEXT,
    owner_ref   TEXT,
    system_ref  TEXT,
    tags        TEXT    NOT NULL DEFAULT '',
    source_id   INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    repo_id     INTEGER REFERENCES repos(id) ON DELETE CASCADE,
    file_id     INTEGER REFERENCES files(id) ON DELETE CASCADE,
    document    INTEGER NOT NULL DEFAULT 0,
    line        INTEGER,
    active      INTEGER NOT NULL DEFAULT 0,
    hash        TEXT    NOT NULL,
    body        TEXT    NOT NULL
);
CREATE UNIQUE INDEX entities_one_active ON entities(ref) WHERE active = 1;
CREATE INDEX entities_ref ON entities(ref);
CREATE INDEX entities_file ON entities(file_id);
-- Names: prefix search and sorting. Other filters scan, which is fast at catalog sizes and
-- keeps indexing cheap.
CREATE INDEX entities_name ON entities(name COLLATE NOCASE) WHERE active = 1;

-- Tags of active entities, for filtering.
CREATE TABLE entity_tags (
    entity_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    tag       TEXT    NOT NULL,
    PRIMARY KEY (entity_id, tag)
) WITHOUT ROWID;

-- Relations declared by active entities, stored once in their declared direction; the
-- inverse is derived when read. A target that is not in the catalog is kept ("missing").
CREATE TABLE relations (
    entity_id  INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    type       TEXT    NOT NULL,
    target_ref TEXT    NOT NULL,
    PRIMARY KEY (entity_id, type, target_ref)
) WITHOUT ROWID;
CREATE INDEX relations_target ON relations(target_ref);

-- Relations with the declaring entity's ref as their source.
CREATE VIEW relation_edges AS
    SELECT e.ref AS source_ref, r.type AS type, r.target_ref AS target_ref
      FROM relations r JOIN entities e ON e.id = r.entity_id;

-- Problems found while indexing: per document, per file, per repository or per source.
CREATE TABLE problems (
    id         INTEGER PRIMARY KEY,
    source_id  INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    repo_id    INTEGER REFERENCES repos(id) ON DELETE CASCADE,
    file_id    INTEGER REFERENCES files(id) ON DELETE CASCADE,
    document   INTEGER,
    entity_ref TEXT,
    severity   TEXT    NOT NULL,
    code       TEXT    NOT NULL,
    field      TEXT,
    line       INTEGER,
    col        INTEGER,
    message    TEXT    NOT NULL
);
CREATE INDEX problems_source ON problems(source_id);
CREATE INDEX problems_file ON problems(file_id);
CREATE INDEX problems_entity ON problems(entity_ref);

-- Full-text search over active entities; name and title weigh most.
CREATE VIRTUAL TABLE entity_search USING fts5(
    name, title, description, body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

-- What changed, for windows and watchers that want to catch up.
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    op  TEXT    NOT NULL,
    ref TEXT    NOT NULL,
    at  INTEGER NOT NULL
);
