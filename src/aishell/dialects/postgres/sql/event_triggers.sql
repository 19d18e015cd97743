-- Event triggers (database-wide: only on a run without --schema), not extension-owned.
SELECT e.evtname AS name,
       e.evtevent AS event,
       e.evtfoid::pg_catalog.regproc::text AS function,
       e.evttags AS tags,
       e.evtenabled::text AS enabled,
       pg_catalog.pg_get_userbyid(e.evtowner) AS owner,
       d.description AS comment
FROM pg_catalog.pg_event_trigger e
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = e.oid AND d.classoid = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass AND d.objsubid = 0
WHERE %(schemas)s::text[] IS NULL
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend x
                  WHERE x.classid = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass
                    AND x.objid = e.oid AND x.deptype = 'e')
ORDER BY e.evtname
