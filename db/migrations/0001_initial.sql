-- errkb database layout, migration level 1.
-- Run inside one transaction by errkb::db::Database; `meta` rows are written by the code.
--
-- Records have an integer surrogate key `rid` (records.rid); every child table
-- refers to it with ON DELETE CASCADE, so deleting a record (or its file) removes
-- everything derived from it, including its full-text rows (see the triggers).
-- The text id stays unique in records.id.

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value ANY NOT NULL
) STRICT, WITHOUT ROWID;

-- Ingested source files; sha256/size/mtime_ns let ingest skip unchanged files.
CREATE TABLE files (
  path     TEXT PRIMARY KEY,
  sha256   TEXT NOT NULL,
  size     INTEGER NOT NULL CHECK (size >= 0),
  mtime_ns INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE records (
  rid                   INTEGER PRIMARY KEY,
  id                    TEXT NOT NULL UNIQUE,
  -- NULL when the record was kept after its file was removed (ingest --no-prune).
  file                  TEXT REFERENCES files (path) ON DELETE CASCADE,
  line                  INTEGER NOT NULL DEFAULT 0,
  domain                TEXT NOT NULL,
  category              TEXT NOT NULL,
  subcategory           TEXT,
  signature             TEXT NOT NULL,
  regex                 TEXT NOT NULL,
  root_cause            TEXT NOT NULL,
  root_cause_type       TEXT,
  locale                TEXT NOT NULL,
  error_code            TEXT,
  official_doc_url      TEXT,
  verification_tier     TEXT NOT NULL
    CHECK (verification_tier IN ('ai_generated', 'community_verified', 'human_reviewed')),
  confidence            REAL NOT NULL CHECK (confidence BETWEEN 0 AND 1),
  fix_success_rate      REAL NOT NULL CHECK (fix_success_rate BETWEEN 0 AND 1),
  resolvable            TEXT NOT NULL CHECK (resolvable IN ('true', 'partial', 'false')),
  first_seen            TEXT NOT NULL,
  last_confirmed        TEXT NOT NULL,
  last_updated          TEXT,
  evidence_count        INTEGER,
  withdrawn_date        TEXT,
  withdrawn_reason      TEXT,
  withdrawn_replaced_by TEXT,
  -- Set when the record's file stopped validating: the last good version stays.
  stale                 INTEGER NOT NULL DEFAULT 0 CHECK (stale IN (0, 1)),
  stale_reason          TEXT,
  -- 64-bit FNV-1a of `json`; `json` is the record's canonical compact JSON (sorted keys).
  content_hash          INTEGER NOT NULL,
  json                  TEXT NOT NULL,
  CHECK ((stale = 1) = (stale_reason IS NOT NULL)),
  CHECK ((withdrawn_date IS NULL) = (withdrawn_reason IS NULL))
) STRICT;
CREATE INDEX records_file ON records (file);
CREATE INDEX records_domain_category ON records (domain, category);
CREATE INDEX records_stale ON records (stale) WHERE stale = 1;

CREATE TABLE versions (
  rid             INTEGER NOT NULL REFERENCES records (rid) ON DELETE CASCADE,
  position        INTEGER NOT NULL,
  version         TEXT NOT NULL,
  introduced      TEXT,
  deprecated      TEXT,
  removed         TEXT,
  behavior_change TEXT,
  status          TEXT
    CHECK (status IN ('active', 'deprecated', 'removed', 'fixed', 'unknown')),
  PRIMARY KEY (rid, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE dead_ends (
  rid                  INTEGER NOT NULL REFERENCES records (rid) ON DELETE CASCADE,
  position             INTEGER NOT NULL,
  action               TEXT NOT NULL,
  why_fails            TEXT NOT NULL,
  fail_rate            REAL NOT NULL CHECK (fail_rate BETWEEN 0 AND 1),
  condition            TEXT,
  common_misconception TEXT,
  tradeoff             TEXT,
  PRIMARY KEY (rid, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE dead_end_sources (
  rid      INTEGER NOT NULL,
  dead_end INTEGER NOT NULL,
  position INTEGER NOT NULL,
  source   TEXT NOT NULL,
  PRIMARY KEY (rid, dead_end, position),
  FOREIGN KEY (rid, dead_end) REFERENCES dead_ends (rid, position) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE workarounds (
  rid          INTEGER NOT NULL REFERENCES records (rid) ON DELETE CASCADE,
  position     INTEGER NOT NULL,
  action       TEXT NOT NULL,
  success_rate REAL NOT NULL CHECK (success_rate BETWEEN 0 AND 1),
  how          TEXT,
  condition    TEXT,
  tradeoff     TEXT,
  PRIMARY KEY (rid, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE workaround_sources (
  rid        INTEGER NOT NULL,
  workaround INTEGER NOT NULL,
  position   INTEGER NOT NULL,
  source     TEXT NOT NULL,
  PRIMARY KEY (rid, workaround, position),
  FOREIGN KEY (rid, workaround) REFERENCES workarounds (rid, position) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- transition_graph entries; target_id is not a foreign key: a target may be
-- ingested later (or never), `errkb validate` reports dangling ones.
CREATE TABLE graph_edges (
  rid           INTEGER NOT NULL REFERENCES records (rid) ON DELETE CASCADE,
  kind          TEXT NOT NULL
    CHECK (kind IN ('leads_to', 'preceded_by', 'frequently_confused_with')),
  position      INTEGER NOT NULL,
  target_id     TEXT NOT NULL,
  probability   REAL CHECK (probability BETWEEN 0 AND 1),
  condition     TEXT,
  typical_delay TEXT,
  distinction   TEXT,
  PRIMARY KEY (rid, kind, position)
) STRICT, WITHOUT ROWID;
CREATE INDEX graph_edges_target ON graph_edges (target_id);

CREATE TABLE tags (
  rid      INTEGER NOT NULL REFERENCES records (rid) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  tag      TEXT NOT NULL,
  PRIMARY KEY (rid, position)
) STRICT, WITHOUT ROWID;
CREATE INDEX tags_tag ON tags (tag);

CREATE TABLE aliases (
  rid      INTEGER NOT NULL REFERENCES records (rid) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  alias    TEXT NOT NULL,
  PRIMARY KEY (rid, position)
) STRICT, WITHOUT ROWID;

-- os_specific: a note string, or an object of scalar facts (kept as compact JSON).
CREATE TABLE os_notes (
  rid   INTEGER NOT NULL REFERENCES records (rid) ON DELETE CASCADE,
  os    TEXT NOT NULL,
  note  TEXT,
  facts TEXT,
  PRIMARY KEY (rid, os),
  CHECK ((note IS NULL) <> (facts IS NULL))
) STRICT, WITHOUT ROWID;

-- `<field>_<locale>` translations. Scalars: field = 'signature' | 'root_cause',
-- position 0. Arrays: one row per item (position = item index); an object item
-- gives one row per text field ('workarounds.action', 'dead_ends.why_fails', ...),
-- a string item one row with field = 'workarounds' | 'dead_ends'.
CREATE TABLE translations (
  rid      INTEGER NOT NULL REFERENCES records (rid) ON DELETE CASCADE,
  locale   TEXT NOT NULL,
  field    TEXT NOT NULL,
  position INTEGER NOT NULL,
  text     TEXT NOT NULL,
  PRIMARY KEY (rid, locale, field, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE ingest_runs (
  id          INTEGER PRIMARY KEY,
  started_at  TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  added       INTEGER NOT NULL,
  updated     INTEGER NOT NULL,
  unchanged   INTEGER NOT NULL,
  removed     INTEGER NOT NULL,
  rejected    INTEGER NOT NULL,
  stale       INTEGER NOT NULL,
  paths       TEXT NOT NULL -- JSON array of the paths given to the run
) STRICT;

-- Full-text search: one document per (record, locale). The base-locale row holds
-- the base text; a `<locale>` row holds only that locale's translated text.
-- dead_ends / workarounds: every text field of every item, one per line;
-- keywords: tags, aliases, domain, category, subcategory, error_code (base row only).
-- trigram_all: 1 when the document has text in a script written without spaces
-- between words (Han, kana, Hangul, Thai, ...): see search_trigram.
-- AUTOINCREMENT: rowids are never reused, so "rowid > search_indexed_upto" is
-- exactly the set of documents not indexed yet.
CREATE TABLE search_docs (
  rowid       INTEGER PRIMARY KEY AUTOINCREMENT,
  rid         INTEGER NOT NULL REFERENCES records (rid) ON DELETE CASCADE,
  locale      TEXT NOT NULL,
  signature   TEXT,
  root_cause  TEXT,
  dead_ends   TEXT,
  workarounds TEXT,
  keywords    TEXT,
  trigram_all INTEGER NOT NULL DEFAULT 0 CHECK (trigram_all IN (0, 1)),
  UNIQUE (rid, locale)
) STRICT;

-- (a) Word search over every column, ranked by e.g.
--     bm25(search_words, 10.0, 5.0, 2.0, 2.0, 1.0), with snippet()/highlight().
CREATE VIRTUAL TABLE search_words USING fts5 (
  signature, root_cause, dead_ends, workarounds, keywords,
  content = 'search_docs', content_rowid = 'rowid',
  tokenize = 'unicode61 remove_diacritics 2'
);

-- (b) Substring search (3+ characters; MATCH '"…"', LIKE '%…%'): CJK text and
-- identifiers. It indexes the signature and keywords of every document, and every
-- column of the documents with trigram_all = 1; elsewhere the other columns read
-- as NULL. Indexing all text would cost 8x the time of the word index (measured:
-- 2.8 G instructions for the 2,522 corpus records); identifiers inside root
-- causes and workarounds are still found as phrases by search_words
-- ("bnb_4bit_compute_dtype" is the phrase bnb 4bit compute dtype there).
CREATE VIEW search_trigram_docs (rowid, signature, root_cause, dead_ends, workarounds, keywords) AS
  SELECT rowid, signature, iif(trigram_all, root_cause, NULL), iif(trigram_all, dead_ends, NULL),
         iif(trigram_all, workarounds, NULL), keywords
  FROM search_docs;

CREATE VIRTUAL TABLE search_trigram USING fts5 (
  signature, root_cause, dead_ends, workarounds, keywords,
  content = 'search_trigram_docs', content_rowid = 'rowid',
  tokenize = 'trigram'
);

-- Pending terms are flushed to a new segment every `hashsize` bytes (default 1 MB);
-- 16 MB halves the cost of indexing the corpus and more at 100,000 records
-- (fewer, larger segments to merge), for at most that much memory while writing.
INSERT INTO search_words (search_words, rank) VALUES ('hashsize', 16777216);
INSERT INTO search_trigram (search_trigram, rank) VALUES ('hashsize', 16777216);

-- How the two external-content indexes follow search_docs. Writing them row by
-- row is slow on SQLite 3.40: FTS5 flushes its pending terms to a new segment at
-- every statement savepoint (any statement with triggers or cascades), i.e. once
-- per record. So errkb::db::Writer brings them up to date in bulk statements just
-- before COMMIT (errkb::db::internal::sync_search_index):
--   1. 'delete' every document queued in search_deleted (old values, as FTS5 needs),
--   2. index every document with rowid > meta.search_indexed_upto,
-- then empties the queue and advances search_indexed_upto. Every path that deletes
-- documents (cascades from records and files included) queues them through this
-- trigger, so nothing is ever left behind in the indexes.
INSERT INTO meta (key, value) VALUES ('search_indexed_upto', 0);

CREATE TABLE search_deleted (
  rowid       INTEGER PRIMARY KEY,
  signature   TEXT,
  root_cause  TEXT,
  dead_ends   TEXT,
  workarounds TEXT,
  keywords    TEXT,
  trigram_all INTEGER NOT NULL
) STRICT;

CREATE TRIGGER search_docs_delete AFTER DELETE ON search_docs
WHEN old.rowid <= (SELECT value FROM meta WHERE key = 'search_indexed_upto')
BEGIN
  INSERT INTO search_deleted (rowid, signature, root_cause, dead_ends, workarounds, keywords, trigram_all)
    VALUES (old.rowid, old.signature, old.root_cause, old.dead_ends, old.workarounds, old.keywords, old.trigram_all);
END;

-- A document changes by being replaced (delete + insert), never in place.
CREATE TRIGGER search_docs_update BEFORE UPDATE ON search_docs
BEGIN
  SELECT RAISE(ABORT, 'search_docs rows are replaced, never updated');
END;
