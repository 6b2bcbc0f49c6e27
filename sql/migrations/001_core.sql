-- 001_core: records, Dublin Core values, sets, and the triggers that keep
-- OAI-PMH datestamps honest.
--
-- Rules enforced here rather than in every writer:
--   * a record's datestamp moves to the current second whenever its
--     metadata, set membership or deleted flag changes (spec 2.7.1);
--   * records are never physically deleted: deleted = true is a persistent
--     tombstone, and DELETE is refused (Identify says deletedRecord=persistent);
--   * setSpecs, local identifiers and language tags have the syntax the
--     protocol needs, so the server never has to filter bad rows.

CREATE TABLE sets (
    spec        text PRIMARY KEY
                CHECK (spec ~ '^[A-Za-z0-9_.!~*''()-]+(:[A-Za-z0-9_.!~*''()-]+)*$'
                       AND length(spec) <= 256),
    -- The parent of "type:law" is "type"; it must exist, so ListSets always
    -- shows a complete hierarchy (spec 4.6.4). No ON UPDATE CASCADE: it is
    -- not allowed on a generated column, and not needed, since the column
    -- follows spec by itself. Rename a set together with its descendants in
    -- one statement (the check runs at the end of the statement), e.g.
    --   UPDATE sets SET spec = 'kind' || substr(spec, 5)
    --    WHERE spec = 'type' OR spec LIKE 'type:%';
    parent      text GENERATED ALWAYS AS (
                    CASE WHEN position(':' IN spec) > 0
                         THEN regexp_replace(spec, ':[^:]*$', '') END) STORED
                REFERENCES sets (spec),
    name        text NOT NULL CHECK (btrim(name) <> '')
);

-- setDescription content, rendered as oai_dc dc:description elements, one
-- per language.
CREATE TABLE set_descriptions (
    spec        text NOT NULL REFERENCES sets (spec) ON UPDATE CASCADE ON DELETE CASCADE,
    seq         integer NOT NULL,
    value       text NOT NULL,
    lang        text CHECK (lang ~ '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$'),
    PRIMARY KEY (spec, seq)
);

CREATE TABLE records (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The local part of oai:<repository-id>:<local_id>; the oai-identifier
    -- guidelines' character set, with '%' only as a %XX escape so the full
    -- identifier is always a valid URI (the schema's identifierType).
    local_id    text NOT NULL UNIQUE
                CHECK (local_id ~ '^([A-Za-z0-9_.!~*''();/?:@&=+$,-]|%[0-9A-Fa-f]{2})+$'
                       AND length(local_id) <= 256),
    datestamp   timestamptz NOT NULL DEFAULT date_trunc('second', now()),
    deleted     boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (datestamp = date_trunc('second', datestamp))
);

-- Every list request is a keyset scan on (datestamp, id): never OFFSET.
CREATE INDEX records_datestamp_id ON records (datestamp, id);

-- The 15 Dublin Core elements, in the order oai_dc writes them.
CREATE TABLE dc_elements (
    name        text PRIMARY KEY,
    position    smallint NOT NULL UNIQUE
);
INSERT INTO dc_elements (name, position) VALUES
    ('title', 1), ('creator', 2), ('subject', 3), ('description', 4), ('publisher', 5),
    ('contributor', 6), ('date', 7), ('type', 8), ('format', 9), ('identifier', 10),
    ('source', 11), ('language', 12), ('relation', 13), ('coverage', 14), ('rights', 15);

CREATE TABLE record_values (
    record_id   bigint NOT NULL REFERENCES records (id),
    element     text NOT NULL REFERENCES dc_elements (name),
    seq         integer NOT NULL,
    value       text NOT NULL,
    lang        text CHECK (lang ~ '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$'),
    PRIMARY KEY (record_id, element, seq)
);

CREATE TABLE record_sets (
    record_id   bigint NOT NULL REFERENCES records (id),
    spec        text NOT NULL REFERENCES sets (spec) ON UPDATE CASCADE,
    PRIMARY KEY (record_id, spec)
);
CREATE INDEX record_sets_spec ON record_sets (spec, record_id);

-- ---------------------------------------------------------------------------
-- Datestamps
-- ---------------------------------------------------------------------------

-- Any change to a record row other than its datestamp moves the datestamp.
CREATE FUNCTION records_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.local_id IS DISTINCT FROM OLD.local_id
       OR NEW.deleted IS DISTINCT FROM OLD.deleted THEN
        NEW.datestamp := date_trunc('second', now());
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER records_touch BEFORE UPDATE ON records
    FOR EACH ROW EXECUTE FUNCTION records_touch();

-- Tombstones are persistent: refuse physical deletion. (The TRUNCATE
-- trigger is statement-level, where OLD is NULL.)
CREATE FUNCTION records_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        RAISE EXCEPTION 'records are never deleted: TRUNCATE % is refused', TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END IF;
    RAISE EXCEPTION 'records are never deleted: set deleted = true on % instead', OLD.local_id
        USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER records_no_delete BEFORE DELETE ON records
    FOR EACH ROW EXECUTE FUNCTION records_no_delete();

CREATE TRIGGER records_no_truncate BEFORE TRUNCATE ON records
    FOR EACH STATEMENT EXECUTE FUNCTION records_no_delete();

-- A change to a record's values or sets moves the record's datestamp. The
-- UPDATE is skipped when the datestamp is already this transaction's
-- second, so a bulk write touches each record row once.
CREATE FUNCTION record_child_touch() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    rid bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        rid := OLD.record_id;
    ELSE
        rid := NEW.record_id;
    END IF;
    UPDATE records SET datestamp = date_trunc('second', now())
     WHERE id = rid AND datestamp <> date_trunc('second', now());
    IF TG_OP = 'UPDATE' AND OLD.record_id <> NEW.record_id THEN
        UPDATE records SET datestamp = date_trunc('second', now())
         WHERE id = OLD.record_id AND datestamp <> date_trunc('second', now());
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER record_values_touch AFTER INSERT OR DELETE ON record_values
    FOR EACH ROW EXECUTE FUNCTION record_child_touch();
CREATE TRIGGER record_values_touch_upd AFTER UPDATE ON record_values
    FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION record_child_touch();
CREATE TRIGGER record_sets_touch AFTER INSERT OR DELETE ON record_sets
    FOR EACH ROW EXECUTE FUNCTION record_child_touch();
CREATE TRIGGER record_sets_touch_upd AFTER UPDATE ON record_sets
    FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION record_child_touch();
