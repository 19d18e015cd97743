"""``pg_dump --schema-only`` of a database, normalised for comparison: the judge of the round trip.

The only normalisation is what cannot match between two databases by construction: PostgreSQL 18's
pg_dump brackets its output with ``\\restrict KEY`` / ``\\unrestrict KEY`` lines carrying a random key
(a guard against malicious restore input), different on every run. Nothing else is touched.
"""

from __future__ import annotations

import re
import subprocess

from aishell.errors import SandboxError

_RESTRICT = re.compile(r"^\\(un)?restrict \S+$", re.MULTILINE)


def dump_schema(server, conninfo: str, *, timeout: float = 300) -> str:
    """The server's own pg_dump (matching major version) of ``conninfo``, schema only, as text."""
    pg_dump = server.bin("pg_dump")
    proc = subprocess.run(
        [str(pg_dump), "--schema-only", "--no-password", "-d", conninfo],
        capture_output=True, timeout=timeout, check=False,
    )
    if proc.returncode != 0:
        raise SandboxError(f"pg_dump failed: {proc.stderr.decode(errors='replace').strip().splitlines()[0]}")
    return proc.stdout.decode()


def normalise_dump(text: str) -> str:
    """Drop the lines that differ between any two dumps (the random \\restrict key), nothing else."""
    return _RESTRICT.sub(r"\\\1restrict KEY", text)
