-- Primary key, unique, foreign key, check and exclusion constraints of tables and domains.
SELECT con.oid,
       con.conname AS name,
       con.contype::text AS kind,
       con.conrelid AS relid,
       con.contypid AS typid,
       con.conindid AS indid,
       con.conparentid AS parentid,
       con.condeferrable AS deferrable,
       con.condeferred AS deferred,
       con.convalidated AS validated,
       con.connoinherit AS no_inherit,
       con.conislocal AS is_local,
       con.coninhcount AS inhcount,
       pg_catalog.pg_get_constraintdef(con.oid) AS definition,
       con.conkey AS attnums,
       con.confrelid AS ref_relid,
       con.confkey AS ref_attnums,
       fn.nspname AS ref_schema,
       f.relname AS ref_table,
       -- Column names of a referenced table outside the inspected schemas (the others come from the
       -- columns query).
       CASE WHEN con.contype = 'f' AND NOT (f.relnamespace = ANY (%(nsp)s::oid[])) THEN
            ARRAY(SELECT a.attname
                  FROM pg_catalog.unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                  JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
                  ORDER BY k.ord)
       END AS ref_columns,
       con.confupdtype::text AS on_update,
       con.confdeltype::text AS on_delete,
       con.confmatchtype::text AS match,
       d.description AS comment
--@if v >= 180000
       , con.conperiod AS period
       , con.conenforced AS enforced
--@endif
FROM pg_catalog.pg_constraint con
LEFT JOIN pg_catalog.pg_class f ON f.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = f.relnamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = con.oid AND d.classoid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND d.objsubid = 0
WHERE con.connamespace = ANY (%(nsp)s::oid[])
  AND con.contype IN ('p', 'u', 'f', 'c', 'x')
-- No ORDER BY, and no pg_get_expr(conbin): the inspector sorts, and takes a check's expression from
-- its definition (the same deparsed text inside "CHECK (...)").
