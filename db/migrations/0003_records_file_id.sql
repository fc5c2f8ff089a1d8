-- errkb database layout, migration level 3: records(file, id) as a covering index.
-- Every ingest starts by listing each stored file with the ids of its records; with
-- an index on `file` alone that read every record row (about 4 KiB each, with its
-- JSON), which made a no-op re-ingest of 2,500 records read 10 MB. Now the listing
-- never leaves the index.
CREATE INDEX records_file_id ON records (file, id);
DROP INDEX records_file;
