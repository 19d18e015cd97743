"""Named points a test can stop a run at, to interrupt it there (kill tests).

A run passes ``pause("transaction")`` and friends at the boundaries of its phases. Nothing happens
unless ``AISHELL_TEST_PAUSE`` names that point (comma-separated names allowed) and
``AISHELL_TEST_PAUSE_FILE`` gives a path: then the process writes ``<point> <pid>`` to that file and
waits until the file is removed (so the test can signal it at a known place, or let it go on).
"""

from __future__ import annotations

import os
import time


def pause(point: str) -> None:
    names = os.environ.get("AISHELL_TEST_PAUSE")
    path = os.environ.get("AISHELL_TEST_PAUSE_FILE")
    if not names or not path or point not in {n.strip() for n in names.split(",")}:
        return
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(f"{point} {os.getpid()}\n")
    os.replace(tmp, path)
    while os.path.exists(path):
        time.sleep(0.02)
