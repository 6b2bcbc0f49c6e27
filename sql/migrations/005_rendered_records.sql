-- 005_rendered_records: each record's metadata, rendered once per format
-- when it is written, so that a harvest streams stored XML instead of
-- aggregating and escaping some twenty values per record on every page
-- (docs/performance.md). Added with the performance work.
--
-- record_renderings holds, per record and metadataPrefix, the content of
-- the <metadata> element exactly as the server would write it, and the
-- version of the crosswalk that made it (metadata.c: each format has a
-- render version, raised whenever its output changes). xml is NULL when the
-- record cannot be disseminated in that format (metadata_format.requires):
-- a row then records that the question was answered.
--
-- It is a cache. The server uses a row only when its version is the one it
-- renders itself, and renders from record_values when there is no such row,
-- so a missing or outdated rendering costs time, never correctness. Who
-- writes it: oai-admin, in the same transaction as the values it renders
-- (import), or afterwards (`oai-admin render`: after this migration, after
-- an upgrade that raised a version, after writes made with plain SQL).
--
-- What keeps it true: any insert, update or delete of a record's values
-- removes that record's renderings in the same statement (the triggers
-- below), before the writer renders the new values. A writer that renders
-- holds a lock on the record row (oai-admin takes FOR SHARE before reading
-- the values; the datestamp triggers of 001/004 make every value write take
-- the row's update lock), so a concurrent change of the values either
-- happens before the values are read, or waits for the rendering to commit
-- and then removes it. Set memberships are not part of the metadata: the
-- server reads setSpecs from record_sets. Renderings do not depend on the
-- server's configuration (identifiers and base URL are in the header).
--
-- No foreign key to records (as for record_values in 004: records are never
-- deleted and their ids never change; a foreign key would cost a lookup per
-- row on a million-row import).

CREATE TABLE record_renderings (
    record_id   bigint  NOT NULL,
    prefix      text    NOT NULL,
    version     integer NOT NULL,
    xml         text,
    PRIMARY KEY (record_id, prefix)
);

COMMENT ON TABLE record_renderings IS
    'Cache: each record''s <metadata> content per metadataPrefix, rendered by oai-admin (see 005)';

CREATE FUNCTION record_values_unrender() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        DELETE FROM record_renderings
         WHERE record_id IN (SELECT DISTINCT record_id FROM old_rows);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        DELETE FROM record_renderings
         WHERE record_id IN (SELECT DISTINCT record_id FROM new_rows);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER record_values_unrender_ins AFTER INSERT ON record_values
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_values_unrender();
CREATE TRIGGER record_values_unrender_upd AFTER UPDATE ON record_values
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_values_unrender();
CREATE TRIGGER record_values_unrender_del AFTER DELETE ON record_values
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION record_values_unrender();

-- The reader may read it (the default privileges of 003 already grant
-- SELECT); the writer maintains it.
GRANT INSERT, UPDATE, DELETE ON record_renderings TO oai_writer;

-- The planner's estimate of distinct record_id values in record_values:
-- ANALYZE samples 30,000 rows and, on a table of ~22 M rows (1 M records),
-- estimates ~100,000 records instead of 1,000,000, i.e. 218 values per
-- record instead of ~22. A page of 200 records then looks ten times dearer
-- than it is, crosses jit_above_cost (every page JIT-compiled, ~25% of
-- PostgreSQL's CPU in a harvest) and flips the last page of a harvest to a
-- parallel sequential scan (docs/performance.md). A negative n_distinct is
-- a fraction of the rows and follows the table's growth: records carry ~20
-- values each (docs/cataloguing.md), i.e. -0.05.
ALTER TABLE record_values ALTER COLUMN record_id SET (n_distinct = -0.05);
