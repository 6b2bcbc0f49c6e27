-- 002_commit_time_datestamps: a record's datestamp is the second its change
-- became visible, not the second its transaction began.
--
-- The touch triggers of 001 stamp date_trunc('second', now()), and now() is
-- the transaction's start. A long write transaction (a bulk import) would
-- commit records stamped minutes in the past; a harvester that ran
-- meanwhile and resumes from its last responseDate would never see them.
-- This deferred trigger runs at COMMIT and moves such stamps to the current
-- second. Rows stamped explicitly by a writer (any other value) are left
-- alone, and a transaction that ends within the second it began costs one
-- cheap comparison per changed record.

CREATE FUNCTION records_stamp_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    commit_second timestamptz := date_trunc('second', clock_timestamp());
BEGIN
    IF commit_second > date_trunc('second', now()) THEN
        UPDATE records SET datestamp = commit_second
         WHERE id = NEW.id AND datestamp = date_trunc('second', now());
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER records_stamp_at_commit
    AFTER INSERT OR UPDATE ON records
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW
    WHEN (NEW.datestamp = date_trunc('second', now()))
    EXECUTE FUNCTION records_stamp_at_commit();
