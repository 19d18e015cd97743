-- Foreign-data wrappers ('w'), servers ('s') and user mappings ('u'), database-wide (only on a run
-- without --schema), not extension-owned. User mappings come from pg_user_mappings, which shows
-- their options only to whom may see them.
SELECT 'w' AS kind, w.fdwname AS name,
       CASE WHEN w.fdwhandler <> 0 THEN w.fdwhandler::pg_catalog.regproc::text END AS handler,
       CASE WHEN w.fdwvalidator <> 0 THEN w.fdwvalidator::pg_catalog.regproc::text END AS validator,
       w.fdwoptions AS options, NULL::name AS wrapper, NULL::text AS type, NULL::text AS version,
       NULL::name AS usename,
       pg_catalog.pg_get_userbyid(w.fdwowner) AS owner, d.description AS comment, w.fdwacl::text[] AS acl
FROM pg_catalog.pg_foreign_data_wrapper w
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = w.oid AND d.classoid = 'pg_catalog.pg_foreign_data_wrapper'::pg_catalog.regclass
          AND d.objsubid = 0
WHERE %(schemas)s::text[] IS NULL
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_foreign_data_wrapper'::pg_catalog.regclass
                    AND e.objid = w.oid AND e.deptype = 'e')
UNION ALL
SELECT 's', s.srvname, NULL, NULL, s.srvoptions, w.fdwname, s.srvtype, s.srvversion, NULL,
       pg_catalog.pg_get_userbyid(s.srvowner), d.description, s.srvacl::text[]
FROM pg_catalog.pg_foreign_server s
JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = s.oid AND d.classoid = 'pg_catalog.pg_foreign_server'::pg_catalog.regclass
          AND d.objsubid = 0
WHERE %(schemas)s::text[] IS NULL
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_foreign_server'::pg_catalog.regclass
                    AND e.objid = s.oid AND e.deptype = 'e')
UNION ALL
SELECT 'u', NULL, NULL, NULL, m.umoptions, m.srvname, NULL, NULL, m.usename, NULL, NULL, NULL
FROM pg_catalog.pg_user_mappings m
WHERE %(schemas)s::text[] IS NULL
ORDER BY 1, 2, 6, 9
