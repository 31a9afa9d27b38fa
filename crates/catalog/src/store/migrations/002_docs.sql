-- TechDocs sites built from the sources' repositories, their pages and sections, and the
-- entities that show each site.
CREATE TABLE doc_sites (
    id           INTEGER PRIMARY KEY,
    source_id    INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    repo         TEXT    NOT NULL,
    dir          TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    content_hash TEXT    NOT NULL,
    pages        INTEGER NOT NULL,
    warnings     INTEGER NOT NULL DEFAULT 0,
    built_at     INTEGER NOT NULL,
    UNIQUE (repo, dir)
);

CREATE TABLE doc_entities (
    entity_ref TEXT    PRIMARY KEY,
    site_id    INTEGER NOT NULL REFERENCES doc_sites(id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX doc_entities_site ON doc_entities(site_id);

-- One row per page and per heading, with a short excerpt to show in results.
CREATE TABLE doc_sections (
    id         INTEGER PRIMARY KEY,
    site_id    INTEGER NOT NULL REFERENCES doc_sites(id) ON DELETE CASCADE,
    page_url   TEXT    NOT NULL,
    anchor     TEXT,
    title      TEXT    NOT NULL,
    page_title TEXT    NOT NULL,
    excerpt    TEXT    NOT NULL
);
CREATE INDEX doc_sections_site ON doc_sections(site_id);

CREATE VIRTUAL TABLE doc_search USING fts5(
    title, text,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
