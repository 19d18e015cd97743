-- User-defined casts (not built in, not extension-owned); on a --schema run, those whose source or
-- target type or function lives in a selected schema.
SELECT c.castsource::pg_catalog.regtype::text AS source,
       c.casttarget::pg_catalog.regtype::text AS target,
       c.castmethod::text AS method,
       CASE WHEN c.castfunc <> 0 THEN c.castfunc::pg_catalog.regprocedure::text END AS function,
       c.castcontext::text AS context,
       d.description AS comment
FROM pg_catalog.pg_cast c
LEFT JOIN pg_catalog.pg_type s ON s.oid = c.castsource
LEFT JOIN pg_catalog.pg_type t ON t.oid = c.casttarget
LEFT JOIN pg_catalog.pg_proc f ON f.oid = c.castfunc
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_cast'::pg_catalog.regclass AND d.objsubid = 0
WHERE c.oid >= 16384
  AND (%(schemas)s::text[] IS NULL OR s.typnamespace = ANY (%(nsp)s::oid[])
       OR t.typnamespace = ANY (%(nsp)s::oid[]) OR f.pronamespace = ANY (%(nsp)s::oid[]))
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_cast'::pg_catalog.regclass
                    AND e.objid = c.oid AND e.deptype IN ('e', 'i'))
ORDER BY 1, 2
