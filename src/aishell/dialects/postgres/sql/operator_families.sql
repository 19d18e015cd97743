-- Operator families ('f') and classes ('c') in the selected schemas, with their members: a class's are
-- the operators and functions that depend on it, a family's the loose ones that depend on no class.
WITH members AS (
    SELECT ao.amopfamily AS family,
           (SELECT dep.refobjid FROM pg_catalog.pg_depend dep
            WHERE dep.classid = 'pg_catalog.pg_amop'::pg_catalog.regclass AND dep.objid = ao.oid
              AND dep.refclassid = 'pg_catalog.pg_opclass'::pg_catalog.regclass LIMIT 1) AS opclass,
           'o' AS what, ao.amopstrategy AS num,
           'OPERATOR ' || ao.amopstrategy || ' ' || ao.amopopr::pg_catalog.regoperator::text
           || CASE WHEN ao.amoppurpose = 'o' THEN ' FOR ORDER BY '
                   || (SELECT CASE WHEN sn.nspname = 'pg_catalog' THEN pg_catalog.quote_ident(sf.opfname)
                                   ELSE pg_catalog.quote_ident(sn.nspname) || '.' || pg_catalog.quote_ident(sf.opfname) END
                       FROM pg_catalog.pg_opfamily sf JOIN pg_catalog.pg_namespace sn ON sn.oid = sf.opfnamespace
                       WHERE sf.oid = ao.amopsortfamily)
                   ELSE '' END AS text
    FROM pg_catalog.pg_amop ao
    UNION ALL
    SELECT ap.amprocfamily,
           (SELECT dep.refobjid FROM pg_catalog.pg_depend dep
            WHERE dep.classid = 'pg_catalog.pg_amproc'::pg_catalog.regclass AND dep.objid = ap.oid
              AND dep.refclassid = 'pg_catalog.pg_opclass'::pg_catalog.regclass LIMIT 1),
           'f', ap.amprocnum,
           'FUNCTION ' || ap.amprocnum || ' (' || pg_catalog.format_type(ap.amproclefttype, NULL) || ', '
           || pg_catalog.format_type(ap.amprocrighttype, NULL) || ') ' || ap.amproc::pg_catalog.regprocedure::text
    FROM pg_catalog.pg_amproc ap
)
SELECT 'f' AS kind, f.oid, n.nspname AS schema, f.opfname AS name, am.amname AS method,
       NULL::text AS type, false AS is_default, NULL::text AS family, NULL::text AS storage,
       ARRAY(SELECT m.text FROM members m WHERE m.family = f.oid AND m.opclass IS NULL AND m.what = 'o'
             ORDER BY m.num, m.text) AS operators,
       ARRAY(SELECT m.text FROM members m WHERE m.family = f.oid AND m.opclass IS NULL AND m.what = 'f'
             ORDER BY m.num, m.text) AS functions,
       pg_catalog.pg_get_userbyid(f.opfowner) AS owner, d.description AS comment
FROM pg_catalog.pg_opfamily f
JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace
JOIN pg_catalog.pg_am am ON am.oid = f.opfmethod
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = f.oid AND d.classoid = 'pg_catalog.pg_opfamily'::pg_catalog.regclass AND d.objsubid = 0
WHERE f.opfnamespace = ANY (%(nsp)s::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_opfamily'::pg_catalog.regclass
                    AND e.objid = f.oid AND e.deptype = 'e')
UNION ALL
SELECT 'c', c.oid, n.nspname, c.opcname, am.amname, pg_catalog.format_type(c.opcintype, NULL), c.opcdefault,
       CASE WHEN fn.nspname = 'pg_catalog' THEN pg_catalog.quote_ident(f.opfname)
            ELSE pg_catalog.quote_ident(fn.nspname) || '.' || pg_catalog.quote_ident(f.opfname) END,
       CASE WHEN c.opckeytype <> 0 THEN pg_catalog.format_type(c.opckeytype, NULL) END,
       ARRAY(SELECT m.text FROM members m WHERE m.opclass = c.oid AND m.what = 'o' ORDER BY m.num, m.text),
       ARRAY(SELECT m.text FROM members m WHERE m.opclass = c.oid AND m.what = 'f' ORDER BY m.num, m.text),
       pg_catalog.pg_get_userbyid(c.opcowner), d.description
FROM pg_catalog.pg_opclass c
JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace
JOIN pg_catalog.pg_am am ON am.oid = c.opcmethod
JOIN pg_catalog.pg_opfamily f ON f.oid = c.opcfamily
JOIN pg_catalog.pg_namespace fn ON fn.oid = f.opfnamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_opclass'::pg_catalog.regclass AND d.objsubid = 0
WHERE c.opcnamespace = ANY (%(nsp)s::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_opclass'::pg_catalog.regclass
                    AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY 1 DESC, 3, 4, 5
