-- 007_format_versions: a change of crosswalk moves the datestamps.
--
-- A record's datestamp is the time of its last creation, modification or
-- deletion "for the purpose of selective harvesting" (spec 2.7.1): when a
-- release changes what a format's crosswalk writes (server/metadata.h,
-- metadata_format.version), every record available in that format
-- changed, though no value did, and harvesters that harvest incrementally
-- must get it again. This table remembers the version of each format the
-- datestamps were last moved for; `oai-admin render`, which an upgrade
-- that raises a version requires anyway (docs/operations.md), moves the
-- datestamps of the records available in a format whose version went up,
-- then records the new version, in one transaction.
--
-- The rows below are the versions of the release that adds this table:
-- what the repository disseminates already. A format without a row (a new
-- one) gets its row on the next `oai-admin render` without moving
-- anything: a harvester of a new format starts with a full harvest.

CREATE TABLE format_versions (
    prefix  text PRIMARY KEY,
    version integer NOT NULL CHECK (version > 0),
    changed timestamptz NOT NULL DEFAULT now()
);

INSERT INTO format_versions (prefix, version)
VALUES ('oai_dc', 1), ('dcterms', 2), ('mods', 2), ('marc21', 2);

GRANT INSERT, UPDATE ON format_versions TO oai_writer;

-- The release that adds this table also stopped listing, in a header, a
-- setSpec that another of the record's setSpecs implies (spec 2.6: not a
-- beside a:b). The headers of such records changed: they move too.
UPDATE records r SET datestamp = date_trunc('second', now())
 WHERE EXISTS (SELECT 1 FROM record_sets a JOIN record_sets b
                 ON b.record_id = a.record_id AND starts_with(b.spec, a.spec || ':')
                WHERE a.record_id = r.id);

-- The order of the Dublin Core elements (dc_elements.position) is the
-- order every format writes a record's values in: changing it changes
-- every record's dissemination, so it moves every datestamp (deleted
-- records, a header only, keep theirs) and removes the stored renderings,
-- which `oai-admin render` writes again (until then the server renders in
-- the new order itself). Only the owner (a migration) can change it:
-- oai_writer has SELECT alone on dc_elements.
CREATE FUNCTION dc_elements_reordered() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM record_renderings;
    UPDATE records SET datestamp = date_trunc('second', now()) WHERE NOT deleted;
    RETURN NULL;
END $$;

CREATE TRIGGER dc_elements_reordered AFTER UPDATE OF position ON dc_elements
    FOR EACH STATEMENT EXECUTE FUNCTION dc_elements_reordered();
