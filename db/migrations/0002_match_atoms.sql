-- errkb database layout, migration level 2: the literal prefilter of every record
-- regex (schema/regex_atoms.hpp), computed at ingest by errkb::db::Writer, so that
-- `errkb match` runs only the regexes whose literals occur in its input.

-- One row per record: whether its regex has a prefilter, and every literal atom
-- of it (a JSON array of lowercase strings) that `match` uses to rank its hits.
CREATE TABLE match_regex (
  rid      INTEGER PRIMARY KEY REFERENCES records (rid) ON DELETE CASCADE,
  filtered INTEGER NOT NULL CHECK (filtered IN (0, 1)),
  atoms    TEXT NOT NULL
) STRICT;
-- Unfiltered regexes run on every input: `match` reads them all, every time.
CREATE INDEX match_regex_unfiltered ON match_regex (rid) WHERE filtered = 0;

-- The keys of a filtered regex: literals such that every text it matches contains
-- one of them (folded by schema::fold_case). `atom_key` is schema::atom_key(atom):
-- one trigram of the atom packed into an integer; `match` looks up the trigrams
-- of its input, then checks that the whole atom occurs.
CREATE TABLE match_atoms (
  atom_key INTEGER NOT NULL,
  rid      INTEGER NOT NULL REFERENCES records (rid) ON DELETE CASCADE,
  atom     TEXT NOT NULL,
  PRIMARY KEY (atom_key, rid, atom)
) STRICT, WITHOUT ROWID;
-- For the cascade when a record is deleted or replaced.
CREATE INDEX match_atoms_rid ON match_atoms (rid);

-- Records stored before this level have no prefilter yet: they run on every input
-- until stored again. Forgetting the content hashes of files and records makes
-- the next ingest store every record again.
INSERT INTO match_regex (rid, filtered, atoms) SELECT rid, 0, '[]' FROM records;
UPDATE records SET content_hash = 0;
UPDATE files SET sha256 = '';
