-- Row-level security policies.
SELECT pol.oid,
       pol.polrelid AS relid,
       pol.polname AS name,
       pol.polcmd::text AS command,
       pol.polpermissive AS permissive,
       ARRAY(SELECT CASE WHEN r.roleid = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(r.roleid) END
             FROM pg_catalog.unnest(pol.polroles) WITH ORDINALITY r(roleid, ord)
             ORDER BY r.ord) AS roles,
       pg_catalog.pg_get_expr(pol.polqual, pol.polrelid) AS using_expr,
       pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid) AS check_expr,
       d.description AS comment
FROM pg_catalog.pg_policy pol
JOIN pg_catalog.pg_class c ON c.oid = pol.polrelid
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = pol.oid AND d.classoid = 'pg_catalog.pg_policy'::pg_catalog.regclass AND d.objsubid = 0
WHERE c.relnamespace = ANY (%(nsp)s::oid[])
ORDER BY pol.polrelid, pol.polname
