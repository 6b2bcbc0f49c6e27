-- 006_commit_horizon: a harvest that runs while a transaction commits does
-- not lose that transaction's records.
--
-- A record is stamped (002/004: at COMMIT, with the commit second) before
-- it becomes visible, at the end of the commit. A harvest that ran in
-- between did not see it, and its responseDate could be a later second
-- than the stamp; the harvester's next incremental harvest, from that
-- responseDate (Implementation Guidelines for harvesters, 3), then never
-- saw it either. A 1M-record import commits for ~20 s: every record of it
-- could be lost so (docs/conformance.md, "Incremental harvests and commits
-- in progress").
--
-- The fix is a horizon the server can read without waiting: at COMMIT,
-- before it stamps anything, a writer takes a shared advisory lock whose
-- second key is the current second, and keeps it until its records are
-- visible (PostgreSQL releases a transaction's locks after making it
-- visible). Every stamp it then writes is that second or later. The
-- server reads the smallest such second among the locks held (pg_locks,
-- which is not subject to MVCC) when it starts a list, and a list's first
-- page then stands for the data up to that second: its responseDate and
-- its until are moved back to it. The next incremental harvest starts
-- there and sees the records, whenever their commit ends. A writer that
-- takes its lock after the server looked stamps the second it took it in
-- or a later one, no earlier than the page's responseDate.
--
-- The lock: classid 1329678672 ('OAIP'), objid the second (Unix time
-- modulo 2^32, read back unsigned from pg_locks.objid), objsubid 2 (the
-- two-key form). The server (server/db.c, DB_SNAPSHOT) uses the same
-- constants. Writers hold it shared, so they never wait for each other,
-- and the server only reads pg_locks: nobody waits for it.

-- The advisory lock's second key for second t: its Unix time modulo 2^32
-- as a signed integer (pg_locks shows it as the unsigned oid again).
CREATE FUNCTION oai_commit_lock_key(t timestamptz) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT ((extract(epoch FROM t)::bigint + 2147483648) % 4294967296 - 2147483648)::integer
$$;

-- 004's commit-time stamp, with the horizon lock taken first, once per
-- transaction, and the commit second read after it.
CREATE OR REPLACE FUNCTION records_stamp_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    me text := pg_current_xact_id()::text;
    commit_second timestamptz;
BEGIN
    IF current_setting('oai.stamped_at_commit', true) IS DISTINCT FROM me THEN
        PERFORM pg_advisory_xact_lock_shared(1329678672,
                    oai_commit_lock_key(date_trunc('second', clock_timestamp())));
        PERFORM set_config('oai.stamped_at_commit', me, true);
        commit_second := date_trunc('second', clock_timestamp());
        IF commit_second > date_trunc('second', now()) THEN
            UPDATE records SET datestamp = commit_second
             WHERE datestamp = date_trunc('second', now()) AND xmin = xid(pg_current_xact_id());
        END IF;
    END IF;
    commit_second := date_trunc('second', clock_timestamp());
    IF commit_second > date_trunc('second', now()) THEN
        UPDATE records SET datestamp = commit_second
         WHERE id = NEW.id AND datestamp = date_trunc('second', now());
    END IF;
    RETURN NULL;
END $$;

-- A write that takes no lock. A change to a record's values or sets moves
-- the record's datestamp only when the record row does not carry this
-- transaction's start second already (001, 004: so that a bulk write
-- updates each record row once). But that second may be another
-- transaction's stamp: one that committed a change of the same record
-- within that second. The change was then not moved at all: no record row
-- updated, so no commit-time stamp and no horizon lock, and a long
-- transaction's change became visible under a stamp seconds or minutes old
-- (it also skipped the wait for a concurrent renderer, docs/data-model.md).
-- Now the row version must also be this transaction's own. (The top-level
-- xid is compared first: most rows a bulk write meets are its own, and the
-- function, which takes a snapshot, is then not called.)

-- Whether a row version the caller can see was written by this
-- transaction or one of its subtransactions, from its xmin. Only a
-- transaction still in progress can have written a visible row version
-- that is in progress, and its xids are its top-level xid or later ones.
-- pg_xact_status is asked only below the xmax of a snapshot taken now, so
-- it never meets an xid "in the future" (an error); at or above it the
-- xid was still running when that snapshot was taken: this transaction.
-- VOLATILE: each expression sees a fresh snapshot (a concurrent writer's
-- commit that made the row visible is then below its xmax).
CREATE FUNCTION oai_written_here(x xid) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    cur bigint := pg_current_xact_id()::text::bigint;
    raw bigint := x::text::bigint;
    ahead bigint := (raw - cur % 4294967296 + 4294967296) % 4294967296;
BEGIN
    IF raw < 3 OR ahead >= 2147483648 THEN
        RETURN false; -- a special xid, or one older than this transaction
    END IF;
    IF ahead = 0 OR cur + ahead >= pg_snapshot_xmax(pg_current_snapshot())::text::bigint THEN
        RETURN true;
    END IF;
    RETURN coalesce(pg_xact_status((cur + ahead)::text::xid8) = 'in progress', false);
END $$;

-- Whether a change must stamp its record row: the row carries another
-- second than this transaction's start, or a stamp of that second this
-- transaction did not write. One SQL expression, so PostgreSQL inlines it
-- where it is used: the plpgsql call comes only when the cheaper tests
-- leave the question open.
CREATE FUNCTION oai_touch_due(stamp timestamptz, row_xmin xid) RETURNS boolean
LANGUAGE sql VOLATILE AS $$
    SELECT stamp <> date_trunc('second', now())
           OR (row_xmin <> xid(pg_current_xact_id()) AND NOT oai_written_here(row_xmin))
$$;

-- 001's row trigger for updates of values and memberships.
CREATE OR REPLACE FUNCTION record_child_touch() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    rid bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        rid := OLD.record_id;
    ELSE
        rid := NEW.record_id;
    END IF;
    UPDATE records SET datestamp = date_trunc('second', now())
     WHERE id = rid
       AND oai_touch_due(datestamp, xmin);
    IF TG_OP = 'UPDATE' AND OLD.record_id <> NEW.record_id THEN
        UPDATE records SET datestamp = date_trunc('second', now())
         WHERE id = OLD.record_id
           AND oai_touch_due(datestamp, xmin);
    END IF;
    RETURN NULL;
END $$;

-- 004's statement trigger for inserts and deletes.
CREATE OR REPLACE FUNCTION child_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE records SET datestamp = date_trunc('second', now())
         WHERE id IN (SELECT DISTINCT record_id FROM old_rows)
           AND oai_touch_due(datestamp, xmin);
        RETURN NULL;
    END IF;
    WITH ids AS MATERIALIZED (SELECT DISTINCT record_id FROM new_rows),
         touched AS (UPDATE records r SET datestamp = date_trunc('second', now())
                       FROM ids WHERE TG_OP = 'INSERT' AND r.id = ids.record_id
                        AND oai_touch_due(r.datestamp, r.xmin) RETURNING 1)
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
