-- ALTER DEFAULT PRIVILEGES entries: for every schema (no --schema) or for a selected schema.
SELECT pg_catalog.pg_get_userbyid(a.defaclrole) AS role,
       n.nspname AS schema,
       a.defaclobjtype::text AS object_type,
       a.defaclacl::text[] AS acl
FROM pg_catalog.pg_default_acl a
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = a.defaclnamespace
WHERE (a.defaclnamespace = 0 AND %(schemas)s::text[] IS NULL) OR a.defaclnamespace = ANY (%(nsp)s::oid[])
ORDER BY 1, 2 NULLS FIRST, 3
