"""Helpers for tests that stop the real command line at a named phase and signal it there.

``start_paused(args, point)`` starts ``aishell ...`` with ``AISHELL_TEST_PAUSE=point`` (see
aishell/testpoints.py) and returns once the process has reached that point and waits; the test then
sends SIGINT or SIGKILL (``stop``), or lets it go on (``release``). ``state(conninfo)`` is what a test
compares to say "unchanged": columns, indexes with their validity, constraints with theirs, the rows of
every table, and the history table.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg


def start_paused(
    args: list[str], point: str, pause_file: Path, *, cwd: Path | None = None, timeout: float = 120
) -> subprocess.Popen:
    pause_file.unlink(missing_ok=True)
    env = dict(os.environ, AISHELL_TEST_PAUSE=point, AISHELL_TEST_PAUSE_FILE=str(pause_file))
    env.pop("AISHELL_DEBUG", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "aishell.cli.main", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A run started in the background by a non-interactive shell inherits SIGINT ignored, and Python
        # then keeps it ignored: the command must see Ctrl-C as a user's terminal sends it.
        preexec_fn=interruptible,
    )
    deadline = time.monotonic() + timeout
    while not pause_file.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(
                f"ended (rc {proc.returncode}) before reaching {point!r}:\n{out[-2000:]}\n{err[-2000:]}"
            )
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"never reached {point!r}")
        time.sleep(0.02)
    assert pause_file.read_text().split()[0] == point
    return proc


def interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def stop(proc: subprocess.Popen, sig: int) -> tuple[int, str, str]:
    proc.send_signal(sig)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        # Never leave it paused inside its transaction: the next test's reset would wait for its locks.
        proc.kill()
        proc.communicate()
        raise AssertionError(f"still running 60 s after signal {sig}") from None
    return proc.returncode, out, err


def release(proc: subprocess.Popen, pause_file: Path) -> tuple[int, str, str]:
    pause_file.unlink(missing_ok=True)
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


SIGNALS = {"SIGINT": signal.SIGINT, "SIGKILL": signal.SIGKILL}


def state(conninfo: str) -> dict:
    """The schema and every row of the public schema, to compare before and after."""
    with psycopg.connect(conninfo, autocommit=True) as c:
        cols = sorted(
            tuple(r)
            for r in c.execute(
                "SELECT table_name, column_name, data_type, character_maximum_length, is_nullable "
                "FROM information_schema.columns WHERE table_schema = 'public'"
            )
        )
        idx = sorted(
            tuple(r)
            for r in c.execute(
                "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
            )
        )
        cons = sorted(
            tuple(r)
            for r in c.execute(
                "SELECT conname, convalidated FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
            )
        )
        data = {}
        for (t,) in c.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        ).fetchall():
            data[t] = c.execute(
                f"SELECT count(*), md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) "
                f'FROM public."{t}" x'
            ).fetchone()
    return {"columns": cols, "indexes": idx, "constraints": cons, "data": data}


def wait_until(conninfo: str, sql: str, timeout: float = 60) -> None:
    """Poll ``sql`` (one boolean) until it is true."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(conninfo, autocommit=True) as c:
        while not c.execute(sql).fetchone()[0]:
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for: {sql}")
            time.sleep(0.05)
