-- Tables (ordinary, partitioned, foreign), views and materialized views in the selected schemas.
SELECT c.oid,
       n.nspname AS schema,
       c.relname AS name,
       c.relkind::text AS kind,
       c.relpersistence::text AS persistence,
       c.relispartition AS is_partition,
       c.relrowsecurity AS rls_enabled,
       c.relforcerowsecurity AS rls_forced,
       c.reloptions AS options,
       ts.spcname AS tablespace,
       am.amname AS access_method,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner,
       d.description AS comment,
       c.relacl::text[] AS acl,
       c.relispopulated AS populated,
       c.relreplident::text AS replica_identity,
       fs.srvname AS foreign_server,
       ft.ftoptions AS foreign_options,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_by,
       CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END AS view_definition,
       ARRAY(SELECT pn.nspname || '.' || p.relname
             FROM pg_catalog.pg_inherits i
             JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
             JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
             WHERE i.inhrelid = c.oid
             ORDER BY i.inhseqno) AS parents,
       CASE WHEN c.relkind IN ('v', 'm') THEN
            ARRAY(SELECT DISTINCT CASE WHEN dep.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                       THEN rn.nspname || '.' || rc.relname
                                       ELSE fn.nspname || '.' || f.proname || '('
                                            || pg_catalog.pg_get_function_identity_arguments(f.oid) || ')'
                                  END
                  FROM pg_catalog.pg_rewrite rw
                  JOIN pg_catalog.pg_depend dep
                    ON dep.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND dep.objid = rw.oid
                  LEFT JOIN pg_catalog.pg_class rc
                    ON dep.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND rc.oid = dep.refobjid
                  LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
                  LEFT JOIN pg_catalog.pg_proc f
                    ON dep.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND f.oid = dep.refobjid
                  LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = f.pronamespace
                  WHERE rw.ev_class = c.oid
                    AND dep.deptype = 'n'
                    AND dep.refobjid <> c.oid
                    AND (rn.nspname IS NOT NULL OR fn.nspname IS NOT NULL)
                    AND COALESCE(rn.nspname, fn.nspname) NOT IN ('pg_catalog', 'information_schema'))
       END AS depends_on
--@if stats
       -- Live figures without touching a data file: the planner's page and tuple counts and the
       -- cumulative statistics (pg_table_size and friends would lock and stat every file).
       , c.reltuples AS reltuples
       , (c.relpages::bigint + COALESCE(toast.relpages, 0)::bigint)
         * pg_catalog.current_setting('block_size')::bigint AS table_bytes
       , pg_catalog.pg_stat_get_numscans(c.oid) AS seq_scan
       , pg_catalog.pg_stat_get_dead_tuples(c.oid) AS n_dead_tup
       , pg_catalog.pg_stat_get_live_tuples(c.oid) AS n_live_tup
--@endif
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_tablespace ts ON ts.oid = c.reltablespace
LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
LEFT JOIN pg_catalog.pg_foreign_table ft ON ft.ftrelid = c.oid
LEFT JOIN pg_catalog.pg_foreign_server fs ON fs.oid = ft.ftserver
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = 0
--@if stats
LEFT JOIN pg_catalog.pg_class toast ON toast.oid = c.reltoastrelid
--@endif
WHERE c.relnamespace = ANY (%(nsp)s::oid[])
  AND c.relkind IN ('r', 'p', 'f', 'v', 'm')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY n.nspname, c.relname
