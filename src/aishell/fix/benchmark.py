"""``fix --benchmark``: before and after figures that separate the fix's gain from the noise.

A naive before/after run overstates: the "before" run starts on a cold cache and the "after" run
profits from everything that warmed up, or from a machine that got quieter, and queries the fix never
touched get "faster" too. So:

* the workload (``aishell.datagen.bench``: primary-key lookups, parent-to-children joins, recent rows,
  rolled-back inserts) is derived **once**, before anything changes, and the same scripts run in both
  phases;
* each phase starts with a **warm-up round** that is thrown away, then runs ``rounds`` short pgbench
  rounds (4 clients, seed 42); before and after cannot alternate on one database without undoing the
  change, so drift between the phases is measured instead, by a control set:
* every query is EXPLAINed before and after applying: those whose **plan changed** are the treatment,
  those whose plan did not are the **control set**; whatever speeds the control set up (cache, load) is
  not the fix's doing;
* the gain is the treatment's speed-up divided by the control set's (geometric means of per-query
  latency ratios), with a 95% **bootstrap interval** over the rounds (2,000 resamples, fixed seed);
  a gain is called only when the whole interval lies above 1.

Every figure is measured or computed from measurements; nothing is estimated.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

RESAMPLES = 2000
WARMUP_SECONDS = 1


@dataclass
class Phase:
    rounds: list[dict[str, Any]] = field(default_factory=list)  # pgbench results, warm-up excluded
    plans: dict[str, str] = field(default_factory=dict)  # query name -> plan shape


def plan_shape(conn: Any, query: Any) -> str:
    """What the plan of one derived query reads, and with which indexes (EXPLAIN, nothing runs)."""
    from aishell.datagen.bench import explain

    got = explain(conn, query)
    return f"{got.get('plan')} | {got.get('index')}"


class Benchmark:
    def __init__(self, conninfo: str, *, seconds: float, clients: int = 4, seed: int = 42):
        from aishell.datagen.bench import _dry_run, derive_workload
        from aishell.dialects.postgres.connect import connect
        from aishell.dialects.postgres.inspect import inspect
        from aishell.errors import UserError

        self.conninfo = conninfo
        self.clients = clients
        self.seed = seed
        self.rounds = max(2, min(10, int(seconds)))
        self.round_seconds = max(1.0, seconds / self.rounds)
        with connect(conninfo, autocommit=True) as conn:
            self.major = int(conn.info.server_version) // 10000
            schema = inspect(conninfo, include_stats=False)
            counts = {t.qualified_name: conn.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {_q(t)} LIMIT 10000000) s").fetchone()[0]
                for t in schema.tables if not t.partition_of}
            if not any(counts.values()):
                raise UserError("--benchmark: the database holds no rows to run a workload on")
            self.workload = derive_workload(conn, schema, counts)
            if not self.workload:
                raise UserError("--benchmark: no query to build from this schema (no table with a key and rows)")
            _dry_run(conn, self.workload)
        self.before = Phase()
        self.after = Phase()

    def run(self, phase: str) -> dict[str, Any]:
        """Plans, a discarded warm-up round, then the measured rounds of one phase."""
        from aishell.datagen.bench import _pgbench, _run_pgbench
        from aishell.dialects.postgres.connect import connect

        target = self.before if phase == "before" else self.after
        with connect(self.conninfo, autocommit=True) as conn:
            for q in self.workload:
                try:
                    target.plans[q.name] = plan_shape(conn, q)
                except Exception as exc:  # noqa: BLE001 - a plan we cannot read is not a control query
                    target.plans[q.name] = f"unreadable: {type(exc).__name__}"
        pgbench = _pgbench(self.major)
        _run_pgbench(pgbench, self.conninfo, self.workload, duration=WARMUP_SECONDS, clients=self.clients,
                     seed=self.seed)
        for i in range(self.rounds):
            target.rounds.append(_run_pgbench(pgbench, self.conninfo, self.workload, duration=self.round_seconds,
                                              clients=self.clients, seed=self.seed + i))
        return summary(target.rounds, self.clients)

    def report(self) -> dict[str, Any]:
        before, after = summary(self.before.rounds, self.clients), summary(self.after.rounds, self.clients)
        data = {"before": before, "after": after, "comparison": compare(self.before, self.after, self.workload)}
        data["comparison"]["rounds"] = {"per_phase": self.rounds, "seconds_each": self.round_seconds,
                                        "warm_up_seconds": WARMUP_SECONDS, "clients": self.clients}
        return data


def _q(t: Any) -> str:
    from aishell.dialects.postgres.quote import qualify

    return qualify(t.schema, t.name)


def summary(rounds: list[dict[str, Any]], clients: int) -> dict[str, Any]:
    """One phase as the old single run looked: TPS (median of the rounds), latencies over every round."""
    if not rounds:
        return {}
    tps = sorted(r["tps"] for r in rounds)
    queries = []
    for i, q in enumerate(rounds[0]["queries"]):
        per = [r["queries"][i] for r in rounds]
        n = sum(p["count"] for p in per)
        avg = sum(p["avg_ms"] * p["count"] for p in per) / n if n else 0.0
        queries.append({"name": q["name"], "kind": q["kind"], "sql": q["sql"], "count": n,
                        "avg_ms": round(avg, 3), "p95_ms": round(_median([p["p95_ms"] for p in per]), 3)})
    tx = sum(r["transactions"] for r in rounds)
    lat = sum(r["latency_ms"]["avg"] * r["transactions"] for r in rounds) / tx if tx else 0.0
    return {"tps": round(_median(tps), 3), "tps_rounds": [round(t, 3) for t in tps], "transactions": tx,
            "seconds": sum(r["seconds"] for r in rounds), "clients": clients,
            "latency_ms": {"avg": round(lat, 3), "p95": round(_median([r["latency_ms"]["p95"] for r in rounds]), 3)},
            "queries": queries}


def _median(v: list[float]) -> float:
    v = sorted(v)
    if not v:
        return 0.0
    mid = len(v) // 2
    return v[mid] if len(v) % 2 else (v[mid - 1] + v[mid]) / 2


def _geomean(v: list[float]) -> float | None:
    v = [x for x in v if x > 0]
    return math.exp(sum(math.log(x) for x in v) / len(v)) if v else None


def _means(rounds: list[dict[str, Any]], names: list[str]) -> dict[str, float]:
    """Mean latency per query over ``rounds`` (weighted by the round's count of it)."""
    out = {}
    for name in names:
        n = s = 0.0
        for r in rounds:
            q = next(x for x in r["queries"] if x["name"] == name)
            n += q["count"]
            s += q["avg_ms"] * q["count"]
        if n:
            out[name] = s / n
    return out


def _speedups(before: list[dict], after: list[dict], names: list[str]) -> dict[str, float]:
    b, a = _means(before, names), _means(after, names)
    return {n: b[n] / a[n] for n in names if n in b and n in a and a[n] > 0}


def compare(before: Phase, after: Phase, workload: list[Any]) -> dict[str, Any]:
    names = [q.name for q in workload]
    changed = [n for n in names if before.plans.get(n) != after.plans.get(n)
               or str(before.plans.get(n, "")).startswith("unreadable")]
    control = [n for n in names if n not in changed]

    def gain(b: list[dict], a: list[dict]) -> tuple[float | None, float | None, float | None, float | None]:
        sp = _speedups(b, a, names)
        t = _geomean([sp[n] for n in changed if n in sp])
        c = _geomean([sp[n] for n in control if n in sp])
        tps = _median([r["tps"] for r in a]) / _median([r["tps"] for r in b]) if b and a else None
        g = (t / c) if t and c else t
        return t, c, g, tps

    point = gain(before.rounds, after.rounds)
    rng = random.Random(42)
    samples: list[tuple] = []
    for _ in range(RESAMPLES):
        b = [rng.choice(before.rounds) for _ in before.rounds]
        a = [rng.choice(after.rounds) for _ in after.rounds]
        samples.append(gain(b, a))

    def interval(i: int) -> list[float] | None:
        vals = sorted(s[i] for s in samples if s[i] is not None)
        if not vals:
            return None
        return [round(vals[int(0.025 * (len(vals) - 1))], 3), round(vals[int(0.975 * (len(vals) - 1))], 3)]

    tps_b, tps_a = _median([r["tps"] for r in before.rounds]), _median([r["tps"] for r in after.rounds])
    per_b, per_a = _means(before.rounds, names), _means(after.rounds, names)
    gi = interval(2)
    if not changed:
        verdict = "no plan changed: nothing to credit to the fix"
    elif gi is None:
        verdict = "not measurable"
    elif gi[0] > 1:
        verdict = "gain beyond the noise"
    elif gi[1] < 1:
        verdict = "slower beyond the noise"
    else:
        verdict = "no gain beyond the noise"
    return {
        "kind": "measured",
        "method": "warm-up round discarded; rounds per phase; plan-changed queries against a control set "
        "of queries whose plan did not change; 95% bootstrap interval over rounds (2,000 resamples)",
        "tps": {"before": round(tps_b, 3), "after": round(tps_a, 3),
                "ratio": round(tps_a / tps_b, 3) if tps_b else None, "interval": interval(3)},
        "latency_avg_ms": {"before": summary(before.rounds, 0)["latency_ms"]["avg"],
                           "after": summary(after.rounds, 0)["latency_ms"]["avg"]},
        "latency_p95_ms": {"before": summary(before.rounds, 0)["latency_ms"]["p95"],
                           "after": summary(after.rounds, 0)["latency_ms"]["p95"]},
        "changed": {"queries": changed, "speedup": _r(point[0]), "interval": interval(0)},
        "control": {"queries": control, "speedup": _r(point[1]), "interval": interval(1)},
        "gain": {"ratio": _r(point[2]), "interval": gi, "verdict": verdict},
        "queries": [
            {"name": n, "plan_changed": n in changed, "avg_ms_before": round(per_b.get(n, 0.0), 3),
             "avg_ms_after": round(per_a.get(n, 0.0), 3),
             "ratio": round(per_b[n] / per_a[n], 3) if per_a.get(n) and n in per_b else None,
             "p95_ms_before": _p95(before.rounds, n), "p95_ms_after": _p95(after.rounds, n)}
            for n in names
        ],
    }


def _p95(rounds: list[dict], name: str) -> float:
    return round(_median([next(q["p95_ms"] for q in r["queries"] if q["name"] == name) for r in rounds]), 3)


def _r(x: float | None) -> float | None:
    return round(x, 3) if x is not None else None
