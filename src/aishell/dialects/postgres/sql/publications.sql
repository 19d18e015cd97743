-- Publications (database-wide: only on a run without --schema) with their tables (column lists and
-- row filters on PostgreSQL 15+) and schemas.
SELECT p.pubname AS name,
       p.puballtables AS all_tables,
       p.pubinsert AS ins, p.pubupdate AS upd, p.pubdelete AS del, p.pubtruncate AS trunc,
       p.pubviaroot AS via_root,
--@if v >= 180000
       p.pubgencols::text AS gencols,
--@else
       NULL::text AS gencols,
--@endif
       ARRAY(SELECT pg_catalog.quote_ident(tn.nspname) || '.' || pg_catalog.quote_ident(t.relname)
             FROM pg_catalog.pg_publication_rel pr
             JOIN pg_catalog.pg_class t ON t.oid = pr.prrelid
             JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
             WHERE pr.prpubid = p.oid ORDER BY tn.nspname, t.relname) AS tables,
       ARRAY(SELECT tn.nspname || '.' || t.relname
             FROM pg_catalog.pg_publication_rel pr
             JOIN pg_catalog.pg_class t ON t.oid = pr.prrelid
             JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
             WHERE pr.prpubid = p.oid ORDER BY tn.nspname, t.relname) AS table_names,
--@if v >= 150000
       ARRAY(SELECT COALESCE(pg_catalog.pg_get_expr(pr.prqual, pr.prrelid), '')
             FROM pg_catalog.pg_publication_rel pr
             JOIN pg_catalog.pg_class t ON t.oid = pr.prrelid
             JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
             WHERE pr.prpubid = p.oid ORDER BY tn.nspname, t.relname) AS wheres,
       ARRAY(SELECT COALESCE((SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY k.n)
                              FROM pg_catalog.unnest(pr.prattrs::int2[]) WITH ORDINALITY k(attnum, n)
                              JOIN pg_catalog.pg_attribute a ON a.attrelid = pr.prrelid AND a.attnum = k.attnum), '')
             FROM pg_catalog.pg_publication_rel pr
             JOIN pg_catalog.pg_class t ON t.oid = pr.prrelid
             JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
             WHERE pr.prpubid = p.oid ORDER BY tn.nspname, t.relname) AS columns,
       ARRAY(SELECT s.nspname FROM pg_catalog.pg_publication_namespace pn
             JOIN pg_catalog.pg_namespace s ON s.oid = pn.pnnspid
             WHERE pn.pnpubid = p.oid ORDER BY s.nspname) AS schemas,
--@else
       NULL::text[] AS wheres, NULL::text[] AS columns, NULL::text[] AS schemas,
--@endif
       pg_catalog.pg_get_userbyid(p.pubowner) AS owner,
       d.description AS comment
FROM pg_catalog.pg_publication p
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = p.oid AND d.classoid = 'pg_catalog.pg_publication'::pg_catalog.regclass AND d.objsubid = 0
WHERE %(schemas)s::text[] IS NULL
ORDER BY p.pubname
