-- Operator classes that are not their type's default: only these are named on an index key.
SELECT oc.oid,
       CASE WHEN n.nspname = 'pg_catalog' THEN oc.opcname::text
            ELSE n.nspname || '.' || oc.opcname END AS name
FROM pg_catalog.pg_opclass oc
JOIN pg_catalog.pg_namespace n ON n.oid = oc.opcnamespace
WHERE NOT oc.opcdefault
