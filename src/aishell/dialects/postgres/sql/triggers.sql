-- User triggers (not internal, not clones on partitions of a parent's trigger).
SELECT t.oid,
       t.tgrelid AS relid,
       t.tgname AS name,
       t.tgtype AS type,
       t.tgenabled::text AS enabled,
       t.tgconstraint <> 0 AS is_constraint,
       pg_catalog.pg_get_triggerdef(t.oid) AS definition,
       pn.nspname AS function_schema,
       p.proname AS function_name,
       d.description AS comment
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = t.oid AND d.classoid = 'pg_catalog.pg_trigger'::pg_catalog.regclass AND d.objsubid = 0
WHERE c.relnamespace = ANY (%(nsp)s::oid[])
  AND NOT t.tgisinternal
  AND t.tgparentid = 0
ORDER BY t.tgrelid, t.tgname
