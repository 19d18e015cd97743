-- Operators in the selected schemas; referenced operators and functions print schema-qualified
-- (bare in pg_catalog), as CREATE OPERATOR takes them.
SELECT n.nspname AS schema,
       o.oprname AS name,
       CASE WHEN o.oprleft <> 0 THEN pg_catalog.format_type(o.oprleft, NULL) END AS "left",
       CASE WHEN o.oprright <> 0 THEN pg_catalog.format_type(o.oprright, NULL) END AS "right",
       o.oprcode::pg_catalog.regproc::text AS function,
       (SELECT CASE WHEN cn.nspname = 'pg_catalog' THEN co.oprname::text ELSE pg_catalog.quote_ident(cn.nspname) || '.' || co.oprname END
        FROM pg_catalog.pg_operator co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.oprnamespace
        WHERE co.oid = o.oprcom) AS commutator,
       (SELECT CASE WHEN nn.nspname = 'pg_catalog' THEN no.oprname::text ELSE pg_catalog.quote_ident(nn.nspname) || '.' || no.oprname END
        FROM pg_catalog.pg_operator no JOIN pg_catalog.pg_namespace nn ON nn.oid = no.oprnamespace
        WHERE no.oid = o.oprnegate) AS negator,
       CASE WHEN o.oprrest <> 0 THEN o.oprrest::pg_catalog.regproc::text END AS restrict,
       CASE WHEN o.oprjoin <> 0 THEN o.oprjoin::pg_catalog.regproc::text END AS "join",
       o.oprcanhash AS hashes,
       o.oprcanmerge AS merges,
       pg_catalog.pg_get_userbyid(o.oprowner) AS owner,
       d.description AS comment
FROM pg_catalog.pg_operator o
JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = o.oid AND d.classoid = 'pg_catalog.pg_operator'::pg_catalog.regclass AND d.objsubid = 0
WHERE o.oprnamespace = ANY (%(nsp)s::oid[])
  AND o.oprcode <> 0
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_operator'::pg_catalog.regclass
                    AND e.objid = o.oid AND e.deptype = 'e')
ORDER BY n.nspname, o.oprname, 3, 4
