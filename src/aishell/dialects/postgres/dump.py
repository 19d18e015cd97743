"""``pg_dump --schema-only`` of a database, normalised for comparison: the judge of the round trip.

The only normalisation is what cannot match between two databases by construction: PostgreSQL 18's
pg_dump brackets its output with ``\\restrict KEY`` / ``\\unrestrict KEY`` lines carrying a random key
(a guard against malicious restore input), different on every run. Nothing else is touched.
"""

from __future__ import annotations

import re
from pathlib import Path

from aishell.dialects.postgres.client import CONNINFO, run_client
from aishell.dialects.postgres.connect import mask_url
from aishell.errors import SandboxError

_RESTRICT = re.compile(r"^\\(un)?restrict \S+$", re.MULTILINE)


_BINARIES: dict[tuple[str, str], Path] = {}


def client_binary(server, name: str) -> Path:
    """``server.bin(name)``, remembered per server (finding it asks the server for its version)."""
    key = (str(getattr(server, "admin_conninfo", id(server))), name)
    if key not in _BINARIES:
        _BINARIES[key] = server.bin(name)
    return _BINARIES[key]


def dump_schema(server, conninfo: str, *, timeout: float = 300) -> str:
    """The server's own pg_dump (matching major version) of ``conninfo``, schema only, as text."""
    pg_dump = client_binary(server, "pg_dump")
    proc = run_client([pg_dump, "--schema-only", "--no-password", "-d", CONNINFO], conninfo,
                      capture_output=True, timeout=timeout)
    if proc.returncode != 0:
        raise SandboxError(f"pg_dump failed: {mask_url(proc.stderr.decode(errors='replace').strip().splitlines()[0])}")
    return proc.stdout.decode()


def normalise_dump(text: str) -> str:
    """Drop the lines that differ between any two dumps (the random \\restrict key), nothing else."""
    return _RESTRICT.sub(r"\\\1restrict KEY", text)
