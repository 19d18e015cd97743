-- Collations in the selected schemas (not extension-owned): provider, locales, determinism, ICU rules.
SELECT n.nspname AS schema,
       c.collname AS name,
       c.collprovider::text AS provider,
       c.collisdeterministic AS deterministic,
       c.collcollate AS lc_collate,
       c.collctype AS lc_ctype,
--@if v >= 170000
       c.colllocale AS locale,
--@else
--@if v >= 150000
       c.colliculocale AS locale,
--@else
       NULL::text AS locale,
--@endif
--@endif
--@if v >= 160000
       c.collicurules AS rules,
--@else
       NULL::text AS rules,
--@endif
       pg_catalog.pg_get_userbyid(c.collowner) AS owner,
       d.description AS comment
FROM pg_catalog.pg_collation c
JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_collation'::pg_catalog.regclass AND d.objsubid = 0
WHERE c.collnamespace = ANY (%(nsp)s::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_collation'::pg_catalog.regclass
                    AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY n.nspname, c.collname
