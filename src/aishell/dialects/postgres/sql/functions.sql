-- Functions, procedures, window functions and aggregates (with their pg_aggregate row).
SELECT p.oid,
       n.nspname AS schema,
       p.proname AS name,
       p.prokind::text AS kind,
       pg_catalog.pg_get_function_identity_arguments(p.oid) AS identity_args,
       pg_catalog.pg_get_function_arguments(p.oid) AS arguments,
       pg_catalog.pg_get_function_result(p.oid) AS returns,
       l.lanname AS language,
       p.provolatile::text AS volatility,
       p.proparallel::text AS parallel,
       CASE WHEN p.prokind <> 'a' THEN pg_catalog.pg_get_functiondef(p.oid) END AS definition,
       pg_catalog.pg_get_userbyid(p.proowner) AS owner,
       d.description AS comment,
       p.proacl::text[] AS acl,
       ARRAY(SELECT DISTINCT CASE WHEN dep.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                  THEN rn.nspname || '.' || rc.relname
                                  ELSE fn.nspname || '.' || f.proname || '('
                                       || pg_catalog.pg_get_function_identity_arguments(f.oid) || ')'
                             END
             FROM pg_catalog.pg_depend dep
             LEFT JOIN pg_catalog.pg_class rc
               ON dep.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND rc.oid = dep.refobjid
             LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
             LEFT JOIN pg_catalog.pg_proc f
               ON dep.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND f.oid = dep.refobjid
             LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = f.pronamespace
             WHERE dep.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
               AND dep.objid = p.oid
               AND dep.deptype = 'n'
               AND dep.refobjid <> p.oid
               AND (rn.nspname IS NOT NULL OR fn.nspname IS NOT NULL)
               AND COALESCE(rn.nspname, fn.nspname) NOT IN ('pg_catalog', 'information_schema')) AS depends_on,
       a.aggkind::text AS agg_kind,
       a.aggnumdirectargs AS agg_direct_args,
       a.aggtransfn::text AS agg_sfunc,
       pg_catalog.format_type(a.aggtranstype, NULL) AS agg_stype,
       a.aggtransspace AS agg_sspace,
       a.aggfinalfn::text AS agg_finalfunc,
       a.aggfinalextra AS agg_finalfunc_extra,
       a.aggfinalmodify::text AS agg_finalfunc_modify,
       a.aggcombinefn::text AS agg_combinefunc,
       a.aggserialfn::text AS agg_serialfunc,
       a.aggdeserialfn::text AS agg_deserialfunc,
       a.agginitval AS agg_initcond,
       a.aggmtransfn::text AS agg_msfunc,
       a.aggminvtransfn::text AS agg_minvfunc,
       CASE WHEN a.aggmtranstype <> 0 THEN pg_catalog.format_type(a.aggmtranstype, NULL) END AS agg_mstype,
       a.aggmtransspace AS agg_msspace,
       a.aggmfinalfn::text AS agg_mfinalfunc,
       a.aggmfinalextra AS agg_mfinalfunc_extra,
       a.aggmfinalmodify::text AS agg_mfinalfunc_modify,
       a.aggminitval AS agg_minitcond,
       CASE WHEN a.aggsortop <> 0 THEN
            (SELECT CASE WHEN opn.nspname = 'pg_catalog' THEN o.oprname
                         ELSE 'OPERATOR(' || pg_catalog.quote_ident(opn.nspname) || '.' || o.oprname || ')' END
             FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace opn ON opn.oid = o.oprnamespace
             WHERE o.oid = a.aggsortop)
       END AS agg_sortop
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
LEFT JOIN pg_catalog.pg_aggregate a ON a.aggfnoid = p.oid
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = p.oid AND d.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objsubid = 0
WHERE p.pronamespace = ANY (%(nsp)s::oid[])
  -- not extension-owned, nor made by PostgreSQL with another object (a range type's constructors)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                    AND e.objid = p.oid AND e.deptype IN ('e', 'i'))
ORDER BY n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)
