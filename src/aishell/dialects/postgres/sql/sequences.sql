-- Every sequence in the selected schemas, including identity sequences (deptype 'i'), which the
-- inspector folds into their column's identity options instead of listing them.
SELECT c.oid,
       n.nspname AS schema,
       c.relname AS name,
       pg_catalog.format_type(s.seqtypid, NULL) AS type,
       s.seqstart AS start,
       s.seqincrement AS increment,
       s.seqmin AS min_value,
       s.seqmax AS max_value,
       s.seqcache AS cache,
       s.seqcycle AS cycle,
       own.deptype AS owner_deptype,
       own.refobjid AS owner_relid,
       own.refobjsubid AS owner_attnum,
       own.table_schema AS owner_schema,
       own.table_name AS owner_table,
       own.column_name AS owner_column,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner,
       d.description AS comment,
       c.relacl::text[] AS acl,
       c.relpersistence::text AS persistence
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN LATERAL (
    SELECT dep.deptype::text AS deptype, dep.refobjid, dep.refobjsubid,
           tn.nspname AS table_schema, t.relname AS table_name, a.attname AS column_name
    FROM pg_catalog.pg_depend dep
    JOIN pg_catalog.pg_class t ON t.oid = dep.refobjid
    JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
    JOIN pg_catalog.pg_attribute a ON a.attrelid = dep.refobjid AND a.attnum = dep.refobjsubid
    WHERE dep.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
      AND dep.objid = c.oid
      AND dep.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
      AND dep.deptype IN ('a', 'i')
    LIMIT 1
) own ON true
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = 0
WHERE c.relnamespace = ANY (%(nsp)s::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY n.nspname, c.relname
