-- Indexes of tables and materialized views, with per-key detail.
SELECT i.indexrelid AS oid,
       i.indrelid AS relid,
       ic.relname AS name,
       am.amname AS method,
       am.amname IN ('btree') AS ordered,
       i.indisunique AS is_unique,
       i.indisprimary AS is_primary,
       i.indisvalid AS is_valid,
       i.indisclustered AS is_clustered,
       i.indisreplident AS is_replica_identity,
       i.indnkeyatts AS nkeys,
       pg_catalog.pg_get_indexdef(i.indexrelid) AS definition,
       CASE WHEN i.indpred IS NOT NULL THEN pg_catalog.pg_get_expr(i.indpred, i.indrelid) END AS predicate,
       i.indkey::int2[] AS attnums,
       i.indoption::int2[] AS key_options,
       i.indclass::oid[] AS opclass_oids,
       -- Expression keys as PostgreSQL prints them; plain columns are named from the columns query.
       CASE WHEN 0 = ANY (i.indkey::int2[]) THEN
            ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k, true)
                  FROM pg_catalog.generate_series(1, i.indnkeyatts) k ORDER BY k)
       END AS key_texts,
       ic.reloptions AS options,
       ts.spcname AS tablespace,
       d.description AS comment,
       con.conname AS constraint_name,
       CASE WHEN ic.relispartition THEN
            (SELECT pn.nspname || '.' || p.relname
             FROM pg_catalog.pg_inherits ih
             JOIN pg_catalog.pg_class p ON p.oid = ih.inhparent
             JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
             WHERE ih.inhrelid = i.indexrelid)
       END AS parent_index
--@if v >= 150000
       , i.indnullsnotdistinct AS nulls_not_distinct
--@endif
--@if stats
       -- Sizes from the planner's page counts (as of the last VACUUM, ANALYZE or CREATE INDEX):
       -- pg_relation_size would lock and stat every index file.
       , ic.relpages::bigint * pg_catalog.current_setting('block_size')::bigint AS bytes
       , pg_catalog.pg_stat_get_numscans(i.indexrelid) AS scans
--@endif
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
LEFT JOIN pg_catalog.pg_tablespace ts ON ts.oid = ic.reltablespace
LEFT JOIN pg_catalog.pg_constraint con
       ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
-- Descriptions filtered first: joined directly, the planner picks a nested loop that compares every
-- index with every pg_class description (a third of this query's time on 10,000 indexes).
LEFT JOIN (SELECT objoid, description FROM pg_catalog.pg_description
           WHERE classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND objsubid = 0) d
       ON d.objoid = i.indexrelid
WHERE t.relnamespace = ANY (%(nsp)s::oid[])
  AND t.relkind IN ('r', 'p', 'm')
-- No ORDER BY: the inspector sorts each table's indexes by name.
