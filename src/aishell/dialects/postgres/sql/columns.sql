-- Columns of every table, view, materialized view and composite type in the selected schemas.
SELECT a.attrelid AS relid,
       a.attnum,
       a.attname AS name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null,
       CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END AS default_value,
       a.attidentity::text AS identity,
       a.attgenerated::text AS generated_kind,
       CASE WHEN a.attgenerated <> '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END AS generated,
       CASE WHEN co.oid IS NULL THEN NULL
            WHEN cn.nspname = 'pg_catalog' THEN co.collname
            ELSE cn.nspname || '.' || co.collname END AS collation,
       d.description AS comment,
       a.attacl::text[] AS acl,
       a.attislocal AS is_local,
       a.attinhcount AS inhcount,
       a.attstattarget AS stattarget,
       a.attstorage::text AS storage,
       t.typstorage::text AS type_storage,
       a.attoptions AS options,
       a.attfdwoptions AS fdw_options
--@if v >= 140000
       , a.attcompression::text AS compression
--@endif
--@if v >= 180000
       , nn.conname AS not_null_name, nn.connoinherit AS not_null_no_inherit,
       nn.convalidated AS not_null_valid, nn.conislocal AS not_null_local
--@endif
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation AND a.attcollation <> t.typcollation
LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = a.attrelid AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
      AND d.objsubid = a.attnum
--@if v >= 180000
LEFT JOIN pg_catalog.pg_constraint nn
       ON nn.conrelid = a.attrelid AND nn.contype = 'n' AND nn.conkey[1] = a.attnum
--@endif
WHERE c.relnamespace = ANY (%(nsp)s::oid[])
  AND c.relkind IN ('r', 'p', 'f', 'v', 'm', 'c')
  AND a.attnum > 0
  AND NOT a.attisdropped
-- No ORDER BY: the rows are wide (pg_attrdef.adbin) and sorting them here spills to disk on large
-- schemas; the inspector orders them by (attrelid, attnum) itself.
