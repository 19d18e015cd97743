-- Text search configurations (with their token mappings), dictionaries, parsers and templates in the
-- selected schemas, one row each; ``kind`` says which. Functions and templates print qualified.
SELECT 'c' AS kind, n.nspname AS schema, c.cfgname AS name,
       pg_catalog.pg_get_userbyid(c.cfgowner) AS owner, d.description AS comment,
       (SELECT CASE WHEN pn.nspname = 'pg_catalog' THEN pg_catalog.quote_ident(p.prsname)
                    ELSE pg_catalog.quote_ident(pn.nspname) || '.' || pg_catalog.quote_ident(p.prsname) END
        FROM pg_catalog.pg_ts_parser p JOIN pg_catalog.pg_namespace pn ON pn.oid = p.prsnamespace
        WHERE p.oid = c.cfgparser) AS parser,
       ARRAY(SELECT t.alias FROM pg_catalog.ts_token_type(c.cfgparser) t
             WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_ts_config_map m
                           WHERE m.mapcfg = c.oid AND m.maptokentype = t.tokid)
             ORDER BY t.tokid) AS tokens,
       ARRAY(SELECT pg_catalog.array_to_string(ARRAY(
                        SELECT m.mapdict::pg_catalog.regdictionary::text FROM pg_catalog.pg_ts_config_map m
                        WHERE m.mapcfg = c.oid AND m.maptokentype = t.tokid ORDER BY m.mapseqno), ',')
             FROM pg_catalog.ts_token_type(c.cfgparser) t
             WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_ts_config_map m
                           WHERE m.mapcfg = c.oid AND m.maptokentype = t.tokid)
             ORDER BY t.tokid) AS dictionaries,
       NULL::text AS template, NULL::text AS options,
       NULL::text AS f1, NULL::text AS f2, NULL::text AS f3, NULL::text AS f4, NULL::text AS f5
FROM pg_catalog.pg_ts_config c
JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_ts_config'::pg_catalog.regclass AND d.objsubid = 0
WHERE c.cfgnamespace = ANY (%(nsp)s::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_ts_config'::pg_catalog.regclass
                    AND e.objid = c.oid AND e.deptype = 'e')
UNION ALL
SELECT 'd', n.nspname, t.dictname, pg_catalog.pg_get_userbyid(t.dictowner), d.description, NULL, NULL, NULL,
       (SELECT CASE WHEN tn.nspname = 'pg_catalog' THEN pg_catalog.quote_ident(tp.tmplname)
                    ELSE pg_catalog.quote_ident(tn.nspname) || '.' || pg_catalog.quote_ident(tp.tmplname) END
        FROM pg_catalog.pg_ts_template tp JOIN pg_catalog.pg_namespace tn ON tn.oid = tp.tmplnamespace
        WHERE tp.oid = t.dicttemplate),
       t.dictinitoption, NULL, NULL, NULL, NULL, NULL
FROM pg_catalog.pg_ts_dict t
JOIN pg_catalog.pg_namespace n ON n.oid = t.dictnamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = t.oid AND d.classoid = 'pg_catalog.pg_ts_dict'::pg_catalog.regclass AND d.objsubid = 0
WHERE t.dictnamespace = ANY (%(nsp)s::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_ts_dict'::pg_catalog.regclass
                    AND e.objid = t.oid AND e.deptype = 'e')
UNION ALL
SELECT 'p', n.nspname, p.prsname, NULL, d.description, NULL, NULL, NULL, NULL, NULL,
       p.prsstart::text, p.prstoken::text, p.prsend::text, p.prslextype::text,
       CASE WHEN p.prsheadline <> 0 THEN p.prsheadline::text END
FROM pg_catalog.pg_ts_parser p
JOIN pg_catalog.pg_namespace n ON n.oid = p.prsnamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = p.oid AND d.classoid = 'pg_catalog.pg_ts_parser'::pg_catalog.regclass AND d.objsubid = 0
WHERE p.prsnamespace = ANY (%(nsp)s::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_ts_parser'::pg_catalog.regclass
                    AND e.objid = p.oid AND e.deptype = 'e')
UNION ALL
SELECT 't', n.nspname, t.tmplname, NULL, d.description, NULL, NULL, NULL, NULL, NULL,
       CASE WHEN t.tmplinit <> 0 THEN t.tmplinit::text END, t.tmpllexize::text, NULL, NULL, NULL
FROM pg_catalog.pg_ts_template t
JOIN pg_catalog.pg_namespace n ON n.oid = t.tmplnamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = t.oid AND d.classoid = 'pg_catalog.pg_ts_template'::pg_catalog.regclass AND d.objsubid = 0
WHERE t.tmplnamespace = ANY (%(nsp)s::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_ts_template'::pg_catalog.regclass
                    AND e.objid = t.oid AND e.deptype = 'e')
ORDER BY 1, 2, 3
