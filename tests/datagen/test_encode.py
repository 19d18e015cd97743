"""Binary COPY encodings made column-wise with numpy come back from PostgreSQL as the values they stand for."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import numpy as np
import pytest

from tests.datagen.test_datagen import _fetch


def test_columns_round_trip_through_binary_copy(scratch_db):
    from aishell.datagen.encode import HEADER, TRAILER, Pick, encode_column, fixed_records, rows_buffer
    from aishell.dialects.postgres.connect import connect

    n = 5
    scaled = np.array([0, 1, -1, 123456, 99999999999], dtype=np.int64)  # numeric(14,2) as integers x 100
    ts = np.array([0, 1_000_000, -86_400_000_000, 852_076_800_123_000, 10**15], dtype=np.int64)
    days = np.array([0, 1, -1, 9862, 20000], dtype=np.int64)
    uuids = np.frombuffer(b"".join(uuid.UUID(int=i * 7919 + 1).bytes for i in range(n)), dtype=np.uint8).reshape(n, 16)
    nulls = np.array([False, True, False, False, False])
    cols = [
        encode_column(np.arange(1, n + 1, dtype=np.int64), "int8"),
        encode_column(np.array([-5, 0, 7, 32767, -32768]), "int2"),
        encode_column(scaled, "numeric", scale=2),
        encode_column(scaled, "numeric", nulls, scale=0),
        encode_column(ts, "timestamptz"),
        encode_column(days, "date"),
        encode_column(np.array([True, False, True, False, True]), "bool"),
        encode_column(np.array([0.5, -1.25, 3e10, 0.0, 1e-3]), "float8"),
        encode_column(uuids, "uuid"),
        encode_column(Pick(["café", "", "Elm Street & Oak Avenue"], np.array([0, 1, 2, 0, 2])), "text", cache={}),
        encode_column(Pick([{"a": 1}, {"b": [1, 2]}], np.array([0, 1, 0, 1, 0])), "jsonb", nulls, cache={}),
    ]
    # the same rows again, the leading fixed-width columns built as one record per row
    first = fixed_records([(np.arange(1, n + 1, dtype=np.int64) + 100, "int8", 0),
                           (np.array([-5, 0, 7, 32767, -32768]), "int2", 0), (scaled, "numeric", 2)], len(cols))
    with connect(scratch_db) as conn:
        conn.execute("CREATE TABLE t (id bigint, s smallint, m numeric(14, 2), w numeric, at timestamptz, d date, "
                     "b boolean, f double precision, u uuid, txt text, j jsonb)")
        with conn.cursor().copy("COPY t FROM STDIN (FORMAT BINARY)") as cp:
            cp.write(HEADER + rows_buffer(cols, n) + b"".join(map(b"".join, zip(first, *cols[3:]))) + TRAILER)
        conn.commit()
    assert _fetch(scratch_db, "SELECT count(*) FROM t a JOIN t b ON b.id = a.id + 100 "
                              "WHERE (a.s, a.m, a.at, a.u) IS NOT DISTINCT FROM (b.s, b.m, b.at, b.u)")[0][0] == n
    with connect(scratch_db) as conn:
        conn.execute("DELETE FROM t WHERE id > 100")
        conn.commit()
    rows = _fetch(scratch_db, "SELECT * FROM t ORDER BY id")
    epoch = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
    for i, r in enumerate(rows):
        assert r[1] == [-5, 0, 7, 32767, -32768][i]
        assert r[2] == Decimal(int(scaled[i])).scaleb(-2)
        assert r[3] == (None if nulls[i] else Decimal(int(scaled[i])))
        assert r[4] == epoch + dt.timedelta(microseconds=int(ts[i]))
        assert r[5] == dt.date(2000, 1, 1) + dt.timedelta(days=int(days[i]))
        assert r[6] == bool(i % 2 == 0)
        assert r[8] == uuid.UUID(int=i * 7919 + 1)
        assert r[9] == ["café", "", "Elm Street & Oak Avenue", "café", "Elm Street & Oak Avenue"][i]
        assert r[10] == (None if nulls[i] else [{"a": 1}, {"b": [1, 2]}][i % 2])
    # numerics are stored normalised whatever fixed layout they were sent in
    assert _fetch(scratch_db, "SELECT pg_column_size(m) FROM t WHERE id = 1")[0][0] <= 5


@pytest.mark.parametrize("size", [1, 2, 7, 5000])
def test_cdf_sampler_draws_what_searchsorted_draws(size):
    from aishell.datagen.values import cdf_sampler

    w = 1.0 / np.arange(1, size + 1) ** 0.6
    cdf = np.cumsum(w / w.sum())
    cdf[-1] = 1.0
    u = np.random.default_rng(size).random(50_000)
    u[:2] = [0.0, np.nextafter(1.0, 0.0)]
    u[2:2 + min(size - 1, 3)] = cdf[:min(size - 1, 3)]  # exactly on a boundary
    assert (cdf_sampler(cdf)(u) == np.searchsorted(cdf, u, side="right")).all()
