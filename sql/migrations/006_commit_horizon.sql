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
