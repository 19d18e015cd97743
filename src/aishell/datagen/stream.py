"""Generating rows in a second process while the first one streams them into PostgreSQL.

``Producer`` forks a process (the plans, generators and pools are inherited, nothing is pickled) that
walks the tables in load order and hands over COPY-ready buffers of ``BATCH_ROWS`` rows. Each buffer is
written once into one of ``SLOTS`` slots of a shared anonymous mapping (made before the fork) and only
its slot number goes through the bounded queue; the loader passes a view of the slot to COPY and frees
the slot when it asks for the next message. A buffer larger than a slot goes through the queue itself.
(Through a ``multiprocessing`` queue alone each buffer was pickled, written to a pipe in 64 KB pieces,
read back, unpickled and sliced by psycopg: measured on 200 MB, 0.3 s of the loader's CPU and 0.2-0.35 s
of the generator's, against 0.003 s and 0.08 s through the slots.) So memory stays flat whatever
``--data-size`` is: at most ``SLOTS`` slots and ``QUEUE_DEPTH`` messages, and the producer keeps only
what children reference (nothing for numbered keys).

The parent talks back on a pipe for the two things only the database knows: keys of a parent it had to
read back (a table whose rows were filtered by a CHECK in the database, or whose key the database
fills), and, for such filtered ("staged") tables, whether more rows are needed. Where ``fork`` is not
available the same producer runs in the parent, one batch at a time.
"""

from __future__ import annotations

import mmap
import os
import signal
import traceback
from typing import Any

import numpy as np

from aishell.datagen.rows import KeySpace, batch_values, encode_batch, key_values

BATCH_ROWS = 20000
QUEUE_DEPTH = 12
SLOTS = 6
SLOT_BYTES = 8 << 20  # a batch of 20,000 rows of up to ~400 bytes
STAGED_FACTOR = 2


def _messages(plans: list, ctx: Any, retain: dict[str, set]) -> Any:
    """("data", i, rows, bytes) and ("end", i, rows) per table i, in order. ("ask", ...) messages wait
    for the parent's answer, sent into this generator."""
    kept: dict[tuple[str, tuple], KeySpace] = {}
    for i, p in enumerate(plans):
        if p.skip or p.count <= 0 or not p.copy_cols:
            continue
        for src in p.fks + [m for kind, m in p.combo if kind == "fk"]:
            key = (src.parent, tuple(src.fk.ref_columns))
            if src.keys is None and key in kept:
                src.keys = kept[key]
            if src.keys is None and src.parent in getattr(p, "_db_parents", set()) and not src.self_ref:
                src.keys = yield ("ask", "keys", src.parent, key[1])
                kept[key] = src.keys
        rng = np.random.default_rng([ctx.seed, i, 7])
        cache: dict = {}
        want = p.count * (STAGED_FACTOR if p.staged else 1)
        offset = 0
        own = {cols: KeySpace(len(cols)) for cols in retain.get(p.name, ())}
        lay = p.part_layout or {}
        ends = [] if p.staged or lay.get("rows") is None else [int(x) for x in lay["rows"][1:-1]]
        while True:
            done = 0
            while done < want:
                n = min(BATCH_ROWS, want - done)
                nxt = [e for e in ends if e > offset + done]
                if nxt:  # a batch ends where a partition's rows end
                    n = min(n, nxt[0] - offset - done)
                for src in p.fks:
                    if src.self_ref:
                        src.keys = _so_far(p, src, offset + done, own)
                vals, nulls = batch_values(p, offset + done, n, rng)
                for cols, ks in own.items():
                    ks.extend(key_values(p, vals, nulls, cols))
                data = encode_batch(p, vals, nulls, n, cache)
                done += n
                yield ("data", i, n, data)
                for j, e in enumerate(ends):
                    if e == offset + done:
                        yield ("part", i, j)  # the j-th drawn partition has all its rows
            offset += done
            if not p.staged:
                break
            answer = yield ("ask", "staged", i)
            if not answer:
                break
            want = answer * STAGED_FACTOR
        for cols, ks in own.items():
            kept[(p.name, cols)] = ks
        yield ("end", i, offset)
    yield ("done",)


def _so_far(p: Any, src: Any, rows_before: int, own: dict) -> KeySpace:
    ref = tuple(src.fk.ref_columns)
    if len(ref) == 1 and ref[0] in p.seq_cols:
        return KeySpace.of_range(p.seq_first.get(ref[0], 1), rows_before)
    ks = own.get(ref)
    if ks is None:
        ks = own[ref] = KeySpace(len(ref))
    return ks


class Producer:
    """Buffers of every planned table, made in a child process when the platform can fork."""

    def __init__(self, plans: list, ctx: Any, retain: dict[str, set]):
        self.plans, self.ctx, self.retain = plans, ctx, retain
        self.proc = None
        self._inline: Any = None
        self._answer: Any = None
        self._held: int | None = None  # the slot the loader was last given

    def start(self) -> None:
        import multiprocessing as mp

        if "fork" not in mp.get_all_start_methods() or os.environ.get("AISHELL_DATAGEN_INLINE"):
            self._inline = _messages(self.plans, self.ctx, self.retain)
            return
        ctx = mp.get_context("fork")
        self.queue = ctx.Queue(maxsize=QUEUE_DEPTH)
        self.ctl_parent, ctl_child = ctx.Pipe()
        self.free_parent, free_child = ctx.Pipe()
        self.shm = mmap.mmap(-1, SLOTS * SLOT_BYTES)  # anonymous and shared: the child writes, we read
        self.view = memoryview(self.shm)
        self.proc = ctx.Process(target=_child, args=(self.plans, self.ctx, self.retain, self.queue, ctl_child,
                                                     free_child, self.shm), daemon=True)
        self.proc.start()
        ctl_child.close()
        free_child.close()

    def get(self) -> tuple:
        if self._inline is not None:
            answer, self._answer = self._answer, None
            return self._inline.send(answer)
        if self._held is not None:  # the loader is done with the buffer it was given last
            slot, self._held = self._held, None
            try:
                self.free_parent.send(slot)
            except OSError:  # the producer has made its last buffer and is gone
                pass
        while True:
            try:
                msg = self.queue.get(timeout=1.0)
            except Exception:  # queue.Empty: make sure the producer is still alive
                if self.proc is not None and not self.proc.is_alive():
                    raise RuntimeError(f"the row generator stopped (exit code {self.proc.exitcode})") from None
                continue
            if msg[0] == "slot":
                _, i, n, slot, size = msg
                self._held = slot
                return ("data", i, n, self.view[slot * SLOT_BYTES:slot * SLOT_BYTES + size])
            return msg

    def reply(self, answer: Any) -> None:
        if self._inline is not None:
            self._answer = answer
            return
        self.ctl_parent.send(answer)

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.is_alive():
                self.proc.terminate()
            self.proc.join(5)
            self.queue.close()
            self.queue.cancel_join_thread()


def _child(plans: list, ctx: Any, retain: dict, queue: Any, ctl: Any, free: Any, shm: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops this process

    try:
        gen = _messages(plans, ctx, retain)
        answer = None
        slots = list(range(SLOTS))
        while True:
            try:
                msg = gen.send(answer)
            except StopIteration:
                break
            if msg[0] == "data" and len(msg[3]) <= SLOT_BYTES:
                if not slots:  # every slot is queued or being sent: wait for the loader to free one
                    slots.append(free.recv())
                while free.poll():
                    slots.append(free.recv())
                slot = slots.pop()
                data = msg[3]
                shm[slot * SLOT_BYTES:slot * SLOT_BYTES + len(data)] = data
                msg = ("slot", msg[1], msg[2], slot, len(data))
            queue.put(msg)
            answer = ctl.recv() if msg[0] == "ask" else None
    except BaseException:
        queue.put(("error", traceback.format_exc(limit=6)))
    finally:
        queue.close()
        queue.join_thread()
        os._exit(0)  # no finalizers: the parent's database connection must not be touched
