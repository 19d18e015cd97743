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
       ARRAY(SELECT CASE WHEN k.attnum = 0 THEN pg_catalog.pg_get_indexdef(i.indexrelid, k.ord::int, true)
                         ELSE a.attname::text END
             FROM pg_catalog.unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
             LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
             ORDER BY k.ord) AS keys,
       i.indkey::int2[] AS attnums,
       i.indoption::int2[] AS key_options,
       ARRAY(SELECT CASE WHEN oc.opcdefault THEN ''
                         WHEN ocn.nspname = 'pg_catalog' THEN oc.opcname::text
                         ELSE ocn.nspname || '.' || oc.opcname END
             FROM pg_catalog.unnest(i.indclass::oid[]) WITH ORDINALITY k(opc, ord)
             JOIN pg_catalog.pg_opclass oc ON oc.oid = k.opc
             JOIN pg_catalog.pg_namespace ocn ON ocn.oid = oc.opcnamespace
             ORDER BY k.ord) AS opclasses,
       ic.reloptions AS options,
       ts.spcname AS tablespace,
       d.description AS comment,
       con.conname AS constraint_name,
       (SELECT pn.nspname || '.' || p.relname
        FROM pg_catalog.pg_inherits ih
        JOIN pg_catalog.pg_class p ON p.oid = ih.inhparent
        JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
        WHERE ih.inhrelid = i.indexrelid) AS parent_index
--@if v >= 150000
       , i.indnullsnotdistinct AS nulls_not_distinct
--@endif
--@if stats
       , pg_catalog.pg_relation_size(i.indexrelid) AS bytes
       , st.idx_scan AS scans
--@endif
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
LEFT JOIN pg_catalog.pg_tablespace ts ON ts.oid = ic.reltablespace
LEFT JOIN pg_catalog.pg_constraint con
       ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = i.indexrelid AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = 0
--@if stats
LEFT JOIN pg_catalog.pg_stat_user_indexes st ON st.indexrelid = i.indexrelid
--@endif
WHERE t.relnamespace = ANY (%(nsp)s::oid[])
  AND t.relkind IN ('r', 'p', 'm')
ORDER BY i.indrelid, ic.relname
