-- Rewrite rules of tables and views other than a view's own _RETURN rule.
SELECT r.ev_class AS relid,
       r.rulename AS name,
       r.ev_type::text AS event,
       r.ev_enabled::text AS enabled,
       pg_catalog.pg_get_ruledef(r.oid) AS definition,
       d.description AS comment
FROM pg_catalog.pg_rewrite r
JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = r.oid AND d.classoid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objsubid = 0
WHERE c.relnamespace = ANY (%(nsp)s::oid[])
  AND r.rulename <> '_RETURN'
ORDER BY r.ev_class, r.rulename
