"""Evidence probes: read-only queries on a live database's statistics, data and workload.

Probes never decide anything; rules read what probes measured. Every probe runs through
:class:`~aishell.analyze.probes.session.ProbeSession`: a READ ONLY transaction per probe with its own
``statement_timeout``, so a slow or forbidden probe is reported as skipped, never as a wrong number.
"""
