-- 004_statement_level_checks: the rules of 001 and 002 for values and set
-- memberships, enforced once per statement instead of once per row, so
-- that bulk writes are fast. (Added with the cataloguers' tool.)
--
-- Why: oai-admin imports a million records, about 15 million value and
-- membership rows, in one transaction. Measured on the reference 2-core
-- machine (docs/cataloguing.md), per-row work dominated: the foreign-key
-- checks of record_values (an SPI query and a row lock per row: ~11 us to
-- records, ~4 us to dc_elements), the plpgsql touch trigger per row
-- (~12 us), and one deferred UPDATE per record at COMMIT (~60 us): 1M
-- records took over 8 minutes. Per statement the same rules cost a few
-- set-based queries.
--
-- What stays exactly as it was:
--   * a value or membership can only point at an existing record (a
--     violation raises foreign_key_violation at the end of the statement,
--     as before), a value only at one of the 15 DCMES elements (now a
--     CHECK: check_violation). The
--     check at write time is the whole guarantee the foreign keys gave:
--     records are never deleted (DELETE and TRUNCATE are refused) and their
--     ids never change (identity GENERATED ALWAYS);
--   * any insert, update or delete of values or memberships moves the
--     record's datestamp to the current second (updates keep 001's row
--     triggers, which already skip unchanged rows);
--   * a record's datestamp is the second its change became visible (002):
--     at COMMIT the transaction's rows stamped with its start second move to
--     the commit second, now in one UPDATE instead of one per record.
-- record_sets.spec keeps its real foreign key: ON UPDATE CASCADE carries
-- memberships along when a set is renamed.

ALTER TABLE record_values DROP CONSTRAINT record_values_record_id_fkey;
ALTER TABLE record_values DROP CONSTRAINT record_values_element_fkey;
ALTER TABLE record_sets DROP CONSTRAINT record_sets_record_id_fkey;

-- The row-level insert/delete touch triggers of 001 are replaced below.
DROP TRIGGER record_values_touch ON record_values;
DROP TRIGGER record_sets_touch ON record_sets;

-- The element of a value: one of the 15 DCMES names, as dc_elements lists
-- them (a CHECK is evaluated inline, without a query per row).
ALTER TABLE record_values ADD CONSTRAINT record_values_element_check CHECK (element IN (
    'title', 'creator', 'subject', 'description', 'publisher', 'contributor', 'date', 'type',
    'format', 'identifier', 'source', 'language', 'relation', 'coverage', 'rights'));

-- After INSERT or UPDATE: the statement's new rows must reference existing
-- records; inserted rows move their records' datestamps. After DELETE: the
-- deleted rows' records are touched. The distinct record ids are computed
-- once (a million-row statement references far fewer records), and the
-- joins are then hash joins rather than an index probe per row.
CREATE FUNCTION child_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE records SET datestamp = date_trunc('second', now())
         WHERE id IN (SELECT DISTINCT record_id FROM old_rows)
           AND datestamp <> date_trunc('second', now());
        RETURN NULL;
    END IF;
    WITH ids AS MATERIALIZED (SELECT DISTINCT record_id FROM new_rows),
         touched AS (UPDATE records r SET datestamp = date_trunc('second', now())
                       FROM ids WHERE TG_OP = 'INSERT' AND r.id = ids.record_id
                        AND r.datestamp <> date_trunc('second', now()) RETURNING 1)
    -- (A data-modifying WITH always runs to completion, read or not.)
    SELECT i.record_id INTO bad FROM ids i LEFT JOIN records r ON r.id = i.record_id
     WHERE r.id IS NULL LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'insert or update on table "%" violates foreign key to "records"', TG_TABLE_NAME
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (record_id)=(%s) is not present in table "records".', bad);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER record_values_ins AFTER INSERT ON record_values
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION child_rows_changed();
CREATE TRIGGER record_values_upd AFTER UPDATE ON record_values
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION child_rows_changed();
CREATE TRIGGER record_values_del AFTER DELETE ON record_values
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION child_rows_changed();
CREATE TRIGGER record_sets_ins AFTER INSERT ON record_sets
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION child_rows_changed();
CREATE TRIGGER record_sets_upd AFTER UPDATE ON record_sets
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION child_rows_changed();
CREATE TRIGGER record_sets_del AFTER DELETE ON record_sets
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION child_rows_changed();

-- 002's commit-time stamp, set-based: the first firing at COMMIT moves
-- every row this transaction stamped with its start second (xmin = this
-- transaction) to the commit second; each firing then does 002's per-row
-- UPDATE, which finds nothing left unless the row was written in a
-- subtransaction (its xmin is the subtransaction's).
CREATE OR REPLACE FUNCTION records_stamp_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    commit_second timestamptz := date_trunc('second', clock_timestamp());
    me text := pg_current_xact_id()::text;
BEGIN
    IF commit_second > date_trunc('second', now()) THEN
        IF current_setting('oai.stamped_at_commit', true) IS DISTINCT FROM me THEN
            PERFORM set_config('oai.stamped_at_commit', me, true);
            UPDATE records SET datestamp = commit_second
             WHERE datestamp = date_trunc('second', now()) AND xmin = xid(pg_current_xact_id());
        END IF;
        UPDATE records SET datestamp = commit_second
         WHERE id = NEW.id AND datestamp = date_trunc('second', now());
    END IF;
    RETURN NULL;
END $$;
