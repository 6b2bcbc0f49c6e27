-- 003_roles: group roles for the two kinds of database users, so that no
-- login used day to day owns the schema or can change it.
--
--   oai_reader  what the OAI-PMH server needs: read every table. The server
--               also makes its own sessions read-only (server/db.c), so a
--               misconfigured conninfo naming a more powerful user still
--               cannot write.
--   oai_writer  what the cataloguing tools need: read everything; insert and
--               update sets, records and their values; remove a value, a set
--               membership or a set description (a correction, which the
--               triggers of 001 make visible to harvesters by moving the
--               record's datestamp). Never DELETE or TRUNCATE records (the
--               triggers refuse it anyway: deleted = true is the tombstone),
--               never change dc_elements or schema_migrations.
--
-- Both are NOLOGIN groups. Operators create the login users as members:
--
--   CREATE ROLE nec_oai LOGIN PASSWORD '...' IN ROLE oai_reader;
--   CREATE ROLE nec_cataloguer LOGIN PASSWORD '...' IN ROLE oai_writer;
--
-- and point the server at its user: conninfo "host=... dbname=oai user=nec_oai".
-- CONNECT on the database is the operators' too: PUBLIC has it by default;
-- where it was revoked, GRANT CONNECT ON DATABASE oai TO oai_reader, oai_writer.
--
-- Roles belong to the cluster, not to one database: a second database in the
-- same cluster (staging next to production) finds them there already, so
-- they are created only when missing, and a concurrent migration of another
-- database that creates them first is not an error. Creating them needs the
-- CREATEROLE privilege; a role without it can migrate once a superuser has
-- created the two roles. The grants are per database.
--
-- Run migrations as the schema owner: the default privileges below apply to
-- the tables and sequences that role creates in later migrations (readable by
-- both groups; a later migration grants writing explicitly where it is due).

-- (The comments are set only by the creator: commenting on an existing role
-- needs CREATEROLE too.)
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'oai_reader') THEN
        CREATE ROLE oai_reader NOLOGIN;
        COMMENT ON ROLE oai_reader IS 'NEC E-Library OAI-PMH: read-only (the OAI server)';
    END IF;
EXCEPTION
    -- Created meanwhile by a migration of another database of the cluster.
    WHEN duplicate_object OR unique_violation THEN
        NULL;
END $$;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'oai_writer') THEN
        CREATE ROLE oai_writer NOLOGIN;
        COMMENT ON ROLE oai_writer IS 'NEC E-Library OAI-PMH: cataloguing (never deletes records)';
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN
        NULL;
END $$;

-- The reader: everything, read-only, now and in later migrations.
GRANT USAGE ON SCHEMA public TO oai_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO oai_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO oai_reader;

-- The writer.
GRANT USAGE ON SCHEMA public TO oai_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO oai_writer;
GRANT INSERT, UPDATE ON sets, set_descriptions, records, record_values, record_sets TO oai_writer;
GRANT DELETE ON set_descriptions, record_values, record_sets TO oai_writer;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO oai_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO oai_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SEQUENCES TO oai_writer;
