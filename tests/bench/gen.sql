-- gen.sql - synthetic NEC E-Library records for the benchmark (tests/bench/run).
--
-- BENCHMARK DATA ONLY. Never load this into a real repository.
--
--   psql -v step=STEP -v first=A -v last=B [-v triggers=off] -f tests/bench/gen.sql
--
-- Record number i (A <= i <= B) always gets the same content, whatever the
-- range it is loaded in, so a 1,000,000-record database is the
-- 100,000-record one plus records 100,001..1,000,000 (the driver loads the
-- difference). Every choice below is a hash of i, not random().
--
-- Steps (the driver runs them in this order; `children` in two parallel
-- sessions over the two halves of the range, one per core):
--   sets      the ~30-set hierarchy of the demo collection
--             (sql/demo/010_sets.sql: type:*, election:*, lang:*)
--   records   records A..B: id = i, local_id nec-bench-NNNNNNN, an explicit
--             datestamp, ~5% deleted (tombstones keep their values)
--   children  their Dublin Core values (~21 per record, bilingual: Khmer
--             and English titles, descriptions, subjects, publishers,
--             coverage) and 3 set memberships (one type:*, one election:*,
--             one lang:*)
--   finish    move the records identity past the largest id
--
-- Datestamps: records are stamped in import batches of 20 consecutive
-- numbers; a batch lands at a hashed second between 2008-01-01 and mid-2025
-- and its records within 4 seconds of it, so ~5 records share each
-- datestamp (ties, broken by id) and datestamp order is unrelated to id
-- order (the heap is visited in random order by the keyset scan, as after
-- years of edits; a pessimistic but honest layout).
--
-- triggers=off (the driver's default) sets session_replication_role =
-- replica for the session: the datestamp triggers and the foreign-key
-- checks do not fire. That is for this synthetic bulk load ONLY, so that
-- explicit datestamps stick and 20 M value rows load in minutes; the
-- driver separately measures and reports the load rate with triggers on.
-- Every CHECK constraint still applies.

\set ON_ERROR_STOP 1
SET client_encoding = 'UTF8';
SET client_min_messages = warning;
\if :{?triggers}
\else
\set triggers off
\endif
SELECT :'triggers' = 'off' AS bulk_no_triggers,
       :'step' = 'sets' AS step_sets,
       :'step' = 'records' AS step_records,
       :'step' = 'children' AS step_children,
       :'step' = 'finish' AS step_finish \gset
\if :bulk_no_triggers
SET session_replication_role = replica;
\endif
-- Commit synchronously (cheap with fsync off): VACUUM can only set the
-- hint bits, and so mark pages all-visible for index-only scans, once the
-- commit record is flushed; with asynchronous commit it may miss them.
SET synchronous_commit = on;

\if :step_sets
\ir ../../sql/demo/010_sets.sql
\endif

\if :step_records
INSERT INTO records (id, local_id, datestamp, deleted) OVERRIDING SYSTEM VALUE
SELECT i,
       'nec-bench-' || lpad(i::text, 7, '0'),
       timestamptz '2008-01-01 00:00:00+00'
         + make_interval(secs => ((hashint8extended(i / 20, 11) & 2147483647) % 552000000)
                                 + ((hashint8extended(i, 12) & 2147483647) % 4)),
       (hashint8extended(i, 13) & 2147483647) % 20 = 0
  FROM generate_series(:first::bigint, :last::bigint) AS i;
\endif

\if :step_children
-- One row of attributes per record (all hashes of i), then ~21 values each
-- from a LATERAL VALUES list, inserted in (record_id, element, seq) order.
CREATE TEMP TABLE bench_vocab AS
SELECT ARRAY['royal-decree', 'sub-decree', 'law', 'regulation', 'procedure', 'bulletin',
             'magazine', 'poster', 'leaflet'] AS type_spec,
       ARRAY['Royal decree', 'Sub-decree', 'Law', 'Regulation', 'Procedure', 'Bulletin',
             'Magazine', 'Poster', 'Leaflet'] AS type_en,
       ARRAY['ព្រះរាជក្រឹត្យ', 'អនុក្រឹត្យ', 'ច្បាប់', 'បទបញ្ជា', 'នីតិវិធី', 'ព្រឹត្តិបត្រ',
             'ទស្សនាវដ្ដី', 'ផ្ទាំងរូបភាព', 'ខិត្តប័ណ្ណ'] AS type_km,
       (SELECT array_agg(spec ORDER BY spec) FROM sets WHERE parent = 'election') AS election_spec,
       (SELECT array_agg(name ORDER BY spec) FROM sets WHERE parent = 'election') AS election_name,
       ARRAY['Voter registration', 'Polling', 'Vote counting', 'Election results', 'Candidates',
             'Political parties', 'Election campaign', 'Complaints and appeals',
             'Election observers', 'Voter education', 'National Assembly', 'Senate',
             'Commune councils', 'Election law'] AS topic_en,
       ARRAY['ការចុះឈ្មោះបោះឆ្នោត', 'ការបោះឆ្នោត', 'ការរាប់សន្លឹកឆ្នោត', 'លទ្ធផលបោះឆ្នោត',
             'បេក្ខជន', 'គណបក្សនយោបាយ', 'ការឃោសនាបោះឆ្នោត', 'បណ្ដឹងតវ៉ា',
             'អ្នកសង្កេតការណ៍', 'ការអប់រំអ្នកបោះឆ្នោត', 'រដ្ឋសភា', 'ព្រឹទ្ធសភា',
             'ក្រុមប្រឹក្សាឃុំ សង្កាត់', 'ច្បាប់បោះឆ្នោត'] AS topic_km,
       ARRAY['Cambodia', 'Phnom Penh', 'Siem Reap', 'Battambang', 'Kampong Cham', 'Kandal',
             'Takeo', 'Preah Sihanouk', 'Kampot', 'Prey Veng', 'Svay Rieng'] AS place_en,
       ARRAY['កម្ពុជា', 'ភ្នំពេញ', 'សៀមរាប', 'បាត់ដំបង', 'កំពង់ចាម', 'កណ្ដាល',
             'តាកែវ', 'ព្រះសីហនុ', 'កំពត', 'ព្រៃវែង', 'ស្វាយរៀង'] AS place_km;

CREATE TEMP VIEW bench_attrs AS
SELECT i, lid, t, e, l, s1, s2, p, has_contrib,
       v.type_spec[t] AS type_spec, v.type_en[t] AS type_en, v.type_km[t] AS type_km,
       v.election_spec[e] AS election_spec, v.election_name[e] AS election_name,
       substr(v.election_spec[e], 10, 4) AS year,
       translate(substr(v.election_spec[e], 10, 4), '0123456789', '០១២៣៤៥៦៧៨៩') AS year_km,
       translate(i::text, '0123456789', '០១២៣៤៥៦៧៨៩') AS num_km,
       v.topic_en[s1] AS topic1_en, v.topic_km[s1] AS topic1_km,
       v.topic_en[s2] AS topic2_en, v.topic_km[s2] AS topic2_km,
       v.place_en[p] AS place_en, v.place_km[p] AS place_km,
       CASE WHEN l < 50 THEN 'km' WHEN l < 85 THEN 'bilingual' ELSE 'en' END AS lang_set
  FROM (SELECT i,
               'nec-bench-' || lpad(i::text, 7, '0') AS lid,
               1 + (hashint8extended(i, 21) & 2147483647) % 9 AS t,
               1 + (hashint8extended(i, 22) & 2147483647) % 16 AS e,
               (hashint8extended(i, 23) & 2147483647) % 100 AS l,
               1 + (hashint8extended(i, 24) & 2147483647) % 14 AS s1,
               1 + ((hashint8extended(i, 24) & 2147483647) % 14
                    + 1 + (hashint8extended(i, 25) & 2147483647) % 13) % 14 AS s2,
               1 + (hashint8extended(i, 26) & 2147483647) % 11 AS p,
               (hashint8extended(i, 27) & 2147483647) % 4 = 0 AS has_contrib
          FROM generate_series(:first::bigint, :last::bigint) AS i) a,
       bench_vocab v;

INSERT INTO record_values (record_id, element, seq, value, lang)
SELECT a.i, x.element, x.seq, x.value, x.lang
  FROM bench_attrs a
 CROSS JOIN LATERAL (VALUES
    ('title', 1, a.type_km || 'ស្តីពី' || a.topic1_km || ' សម្រាប់ការបោះឆ្នោតឆ្នាំ' || a.year_km
                 || ' លេខ ' || a.num_km, 'km'),
    ('title', 2, a.type_en || ' on ' || lower(a.topic1_en) || ' for the ' || a.year
                 || ' election, No. ' || a.i, 'en'),
    ('creator', 1, 'គណៈកម្មាធិការជាតិរៀបចំការបោះឆ្នោត', 'km'),
    ('creator', 2, 'National Election Committee', 'en'),
    ('subject', 1, a.topic1_km, 'km'),
    ('subject', 2, a.topic1_en, 'en'),
    ('subject', 3, a.topic2_km, 'km'),
    ('subject', 4, a.topic2_en, 'en'),
    ('description', 1, 'ឯកសារនេះ ដែលចេញដោយគណៈកម្មាធិការជាតិរៀបចំការបោះឆ្នោត ពន្យល់អំពី'
                       || a.topic1_km || ' និង' || a.topic2_km || ' សម្រាប់ការបោះឆ្នោតឆ្នាំ'
                       || a.year_km || ' នៅ' || a.place_km
                       || '។ ឯកសារដើមត្រូវបានរក្សាទុកក្នុងបណ្ណាល័យអេឡិចត្រូនិក។', 'km'),
    ('description', 2, 'This ' || lower(a.type_en) || ', issued by the National Election '
                       || 'Committee, sets out ' || lower(a.topic1_en) || ' and '
                       || lower(a.topic2_en) || ' for the ' || a.election_name || ' in '
                       || a.place_en || '. The original is kept in the E-Library in its '
                       || 'original language, with this English summary.', 'en'),
    ('publisher', 1, 'គណៈកម្មាធិការជាតិរៀបចំការបោះឆ្នោត ភ្នំពេញ', 'km'),
    ('publisher', 2, 'National Election Committee, Phnom Penh', 'en'),
    ('contributor', 1, CASE WHEN a.has_contrib THEN 'ក្រសួងមហាផ្ទៃ' END, 'km'),
    ('contributor', 2, CASE WHEN a.has_contrib THEN 'Ministry of Interior' END, 'en'),
    ('date', 1, a.year || '-' || lpad((1 + a.i % 12)::text, 2, '0') || '-'
                || lpad((1 + a.i % 28)::text, 2, '0'), NULL),
    ('type', 1, 'Text', NULL),
    ('type', 2, a.type_en, 'en'),
    ('format', 1, 'application/pdf', NULL),
    ('identifier', 1, 'https://elibrary.nec.gov.kh/items/' || a.lid, NULL),
    ('language', 1, CASE a.lang_set WHEN 'en' THEN 'en' ELSE 'km' END, NULL),
    ('language', 2, CASE a.lang_set WHEN 'bilingual' THEN 'en' END, NULL),
    ('coverage', 1, a.place_km, 'km'),
    ('coverage', 2, a.place_en, 'en'),
    ('rights', 1, 'Official document of the Kingdom of Cambodia; free to reuse with attribution '
                  || 'to the National Election Committee.', 'en')
 ) AS x(element, seq, value, lang)
 WHERE x.value IS NOT NULL;

INSERT INTO record_sets (record_id, spec)
SELECT a.i, x.spec
  FROM bench_attrs a
 CROSS JOIN LATERAL (VALUES ('type:' || a.type_spec), (a.election_spec),
                            ('lang:' || a.lang_set)) AS x(spec)
 ORDER BY 1, 2;
\endif

\if :step_finish
SELECT setval(pg_get_serial_sequence('records', 'id'), (SELECT max(id) FROM records)) \gset
\endif
