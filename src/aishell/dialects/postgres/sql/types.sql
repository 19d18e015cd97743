-- Enums, domains, stand-alone composite types, range types and base types in the selected schemas
-- (not extension-owned; array and multirange types PostgreSQL derives are left out).
SELECT t.oid,
       n.nspname AS schema,
       t.typname AS name,
       t.typtype::text AS kind,
       pg_catalog.pg_get_userbyid(t.typowner) AS owner,
       d.description AS comment,
       t.typacl::text[] AS acl,
       CASE WHEN t.typtype = 'e' THEN
            ARRAY(SELECT e.enumlabel FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)
       END AS enum_values,
       CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END AS base_type,
       t.typdefault AS default_value,
       t.typnotnull AS not_null,
       CASE WHEN t.typtype = 'd' AND t.typcollation <> 0 AND t.typcollation <> bt.typcollation THEN
            CASE WHEN cn.nspname = 'pg_catalog' THEN co.collname ELSE cn.nspname || '.' || co.collname END
       END AS collation,
       t.typrelid AS relid,
       CASE WHEN t.typtype = 'r' THEN pg_catalog.format_type(r.rngsubtype, NULL) END AS range_subtype,
       CASE WHEN t.typtype = 'r' AND NOT ropc.opcdefault THEN
            CASE WHEN ropn.nspname = 'pg_catalog' THEN pg_catalog.quote_ident(ropc.opcname)
                 ELSE pg_catalog.quote_ident(ropn.nspname) || '.' || pg_catalog.quote_ident(ropc.opcname) END
       END AS range_opclass,
       CASE WHEN t.typtype = 'r' AND r.rngcollation <> 0 AND r.rngcollation <> rst.typcollation THEN
            CASE WHEN rcn.nspname = 'pg_catalog' THEN pg_catalog.quote_ident(rco.collname)
                 ELSE pg_catalog.quote_ident(rcn.nspname) || '.' || pg_catalog.quote_ident(rco.collname) END
       END AS range_collation,
       CASE WHEN t.typtype = 'r' AND r.rngcanonical <> 0 THEN r.rngcanonical::pg_catalog.regproc::text END AS range_canonical,
       CASE WHEN t.typtype = 'r' AND r.rngsubdiff <> 0 THEN r.rngsubdiff::pg_catalog.regproc::text END AS range_subdiff,
--@if v >= 140000
       CASE WHEN t.typtype = 'r' THEN r.rngmultitypid::pg_catalog.regtype::text END AS multirange,
--@else
       NULL::text AS multirange,
--@endif
       CASE WHEN t.typtype = 'b' THEN t.typinput::pg_catalog.regproc::text END AS input,
       CASE WHEN t.typtype = 'b' THEN t.typoutput::pg_catalog.regproc::text END AS output,
       CASE WHEN t.typtype = 'b' AND t.typreceive <> 0 THEN t.typreceive::pg_catalog.regproc::text END AS receive,
       CASE WHEN t.typtype = 'b' AND t.typsend <> 0 THEN t.typsend::pg_catalog.regproc::text END AS send,
       CASE WHEN t.typtype = 'b' AND t.typmodin <> 0 THEN t.typmodin::pg_catalog.regproc::text END AS typmod_in,
       CASE WHEN t.typtype = 'b' AND t.typmodout <> 0 THEN t.typmodout::pg_catalog.regproc::text END AS typmod_out,
       CASE WHEN t.typtype = 'b' AND t.typanalyze <> 0 THEN t.typanalyze::pg_catalog.regproc::text END AS analyze,
--@if v >= 140000
       CASE WHEN t.typtype = 'b' AND t.typsubscript <> 0 THEN t.typsubscript::pg_catalog.regproc::text END AS subscript,
--@else
       NULL::text AS subscript,
--@endif
       t.typlen AS internal_length,
       t.typbyval AS passed_by_value,
       t.typalign::text AS alignment,
       t.typstorage::text AS storage,
       t.typcategory::text AS category,
       t.typispreferred AS preferred,
       CASE WHEN t.typtype = 'b' AND t.typelem <> 0 THEN pg_catalog.format_type(t.typelem, NULL) END AS element,
       t.typdelim::text AS delimiter,
       t.typcollation <> 0 AS collatable
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
LEFT JOIN pg_catalog.pg_class tc ON tc.oid = t.typrelid
LEFT JOIN pg_catalog.pg_collation co ON co.oid = t.typcollation
LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
LEFT JOIN pg_catalog.pg_range r ON r.rngtypid = t.oid
LEFT JOIN pg_catalog.pg_type rst ON rst.oid = r.rngsubtype
LEFT JOIN pg_catalog.pg_opclass ropc ON ropc.oid = r.rngsubopc
LEFT JOIN pg_catalog.pg_namespace ropn ON ropn.oid = ropc.opcnamespace
LEFT JOIN pg_catalog.pg_collation rco ON rco.oid = r.rngcollation
LEFT JOIN pg_catalog.pg_namespace rcn ON rcn.oid = rco.collnamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = t.oid AND d.classoid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.objsubid = 0
WHERE t.typnamespace = ANY (%(nsp)s::oid[])
  AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND tc.relkind = 'c')
       OR (t.typtype = 'b' AND t.typisdefined
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type ar WHERE ar.typarray = t.oid)))
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
                    AND e.objid = t.oid AND e.deptype = 'e')
ORDER BY n.nspname, t.typname
