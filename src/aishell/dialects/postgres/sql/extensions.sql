-- Installed extensions, except the built-in plpgsql (pg_dump skips it too: its OID is below 16384).
SELECT e.extname AS name,
       n.nspname AS schema,
       e.extversion AS version,
       d.description AS comment,
       e.extrelocatable AS relocatable
FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = e.oid AND d.classoid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.objsubid = 0
WHERE e.oid >= 16384
  AND (%(schemas)s::text[] IS NULL OR n.nspname = ANY (%(schemas)s::text[]))
ORDER BY e.extname
