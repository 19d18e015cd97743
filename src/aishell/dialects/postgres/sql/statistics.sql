-- Extended statistics objects (CREATE STATISTICS), kept on their table's attrs.
SELECT s.oid,
       s.stxrelid AS relid,
       n.nspname AS schema,
       s.stxname AS name,
       pg_catalog.pg_get_statisticsobjdef(s.oid) AS definition,
       d.description AS comment
FROM pg_catalog.pg_statistic_ext s
JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace
JOIN pg_catalog.pg_class c ON c.oid = s.stxrelid
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = s.oid AND d.classoid = 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass AND d.objsubid = 0
WHERE c.relnamespace = ANY (%(nsp)s::oid[])
ORDER BY n.nspname, s.stxname
