"""Connecting to PostgreSQL: one place that turns driver failures into one-line user errors and
keeps passwords out of every message."""

from __future__ import annotations

import re
from typing import Any

from aishell.errors import ConnectError, UserError

_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^/@:\s]*:)(?P<pw>[^@/\s]*)(?P<tail>@)", re.I)
_KV_PASSWORD = re.compile(r"(?P<head>(?<![?&])\bpassword\s*=\s*)(?P<pw>'(?:[^'\\]|\\.)*'|\S+)", re.I)
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&]password=)(?P<pw>[^&\s]*)", re.I)


def mask_url(text: str) -> str:
    """Replace any password in a URL, conninfo string or message with ``***``."""
    if not text:
        return text
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}***{m['tail']}", text)
    text = _KV_PASSWORD.sub(lambda m: f"{m['head']}***", text)
    return _QUERY_PASSWORD.sub(lambda m: f"{m['head']}***", text)


def conninfo_with_dbname(conninfo: str, dbname: str) -> str:
    from psycopg.conninfo import make_conninfo

    return make_conninfo(conninfo, dbname=dbname)


def describe_target(conninfo: str) -> str:
    """A short, password-free description of where a conninfo points (for messages)."""
    try:
        from psycopg.conninfo import conninfo_to_dict
    except ImportError:  # the libpq reader runs without psycopg
        from aishell.dialects.postgres.libpq import conninfo_to_dict

    try:
        params = conninfo_to_dict(conninfo)
    except Exception:
        return mask_url(conninfo)
    host = params.get("host") or "local socket"
    if str(host).startswith("/"):
        host = f"socket {host}"
    port = params.get("port")
    db = params.get("dbname") or params.get("user") or "postgres"
    return f"database {db!r} on {host}{':' + str(port) if port else ''}"


def connect(conninfo: str, *, autocommit: bool = False, connect_timeout: int = 10, **kwargs: Any):
    """Open a psycopg connection, or raise ConnectError/UserError with one clean line."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    try:
        full = make_conninfo(conninfo, connect_timeout=str(connect_timeout), application_name="aishell")
    except psycopg.ProgrammingError as exc:
        raise UserError(f"invalid connection string: {mask_url(str(exc).splitlines()[0])}") from None
    try:
        return psycopg.connect(full, autocommit=autocommit, **kwargs)
    except psycopg.OperationalError as exc:
        raise ConnectError(_explain(conninfo, str(exc))) from None


def _explain(conninfo: str, raw: str) -> str:
    where = describe_target(conninfo)
    lines = [ln.strip() for ln in raw.strip().splitlines() if ln.strip()]
    detail = lines[-1] if lines else "connection failed"
    low = raw.lower()
    if "password authentication failed" in low:
        reason = "password authentication failed"
    elif "does not exist" in low and "database" in low:
        reason = detail.split("FATAL:")[-1].strip()
    elif "no password supplied" in low:
        reason = "the server asks for a password and none was given"
    elif "timeout" in low:
        reason = "timed out"
    elif "connection refused" in low or "no such file or directory" in low:
        reason = "connection refused (is the server running?)"
    else:
        reason = detail.replace("connection failed:", "").strip()
    return mask_url(f"cannot connect to {where}: {reason}")
