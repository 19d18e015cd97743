-- Subscriptions of this database (only on a run without --schema). The connection string is read
-- only by a superuser (PostgreSQL hides it from others); inspect strips its secrets before keeping it.
SELECT s.subname AS name,
       s.subenabled AS enabled,
--@if superuser
       s.subconninfo AS connection,
--@else
       NULL::text AS connection,
--@endif
       s.subslotname::text AS slot_name,
       s.subsynccommit AS synchronous_commit,
       s.subpublications AS publications,
       s.subbinary AS binary,
       s.substream::text AS streaming,
--@if v >= 180000
       'p' AS streaming_default,
--@else
       'f' AS streaming_default,
--@endif
--@if v >= 150000
       s.subtwophasestate::text AS two_phase,
       s.subdisableonerr AS disable_on_error,
--@else
       NULL::text AS two_phase, false AS disable_on_error,
--@endif
--@if v >= 160000
       s.suborigin AS origin,
       s.subpasswordrequired AS password_required,
       s.subrunasowner AS run_as_owner,
--@else
       NULL::text AS origin, true AS password_required, false AS run_as_owner,
--@endif
--@if v >= 170000
       s.subfailover AS failover,
--@else
       false AS failover,
--@endif
       pg_catalog.pg_get_userbyid(s.subowner) AS owner,
       d.description AS comment
FROM pg_catalog.pg_subscription s
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = s.oid AND d.classoid = 'pg_catalog.pg_subscription'::pg_catalog.regclass AND d.objsubid = 0
WHERE %(schemas)s::text[] IS NULL
  AND s.subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
ORDER BY s.subname
