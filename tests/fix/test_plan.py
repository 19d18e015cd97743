"""The planner and the statement classifier, without a database."""

from __future__ import annotations

from aishell.analyze.findings import Finding, Fix
from aishell.fix.classify import classify
from aishell.fix.plan import build_plan


def test_classify_hazards():
    assert classify("ALTER TABLE public.orders DROP COLUMN user_email").destructive
    assert classify("ALTER TABLE t ALTER COLUMN a TYPE bigint;").destructive
    assert classify("VACUUM (FULL, ANALYZE) public.t;").destructive
    assert not classify("VACUUM (ANALYZE) public.t;").destructive
    cic = classify("CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON public.t (a);")
    assert cic.kind == "create-index" and not cic.transactional and not cic.destructive
    assert cic.inverse == "DROP INDEX CONCURRENTLY IF EXISTS public.i;"
    chk = classify("ALTER TABLE public.t ADD CONSTRAINT c CHECK (a >= 0) NOT VALID;")
    assert chk.kind == "add-check" and chk.precheck == ("check", "a >= 0") and chk.transactional
    assert classify("COMMENT ON TABLE public.t IS '...';").placeholder


def _f(rule, severity, table, sql, safe=True, columns=()):
    return Finding(rule, severity, table, f"{rule} on {table}", list(columns), fix=Fix(sql, safe=safe))


def test_order_dedupe_refuse_and_coverage():
    pk = ["CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS pt_pkey ON public.pt (a, b);",
          "ALTER TABLE public.pt ADD CONSTRAINT pt_pkey PRIMARY KEY USING INDEX pt_pkey;"]
    findings = [
        _f("missing-fk-index", "critical", "public.pt", ["CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON public.pt (a);"],
           columns=["a"]),
        _f("denormalized-column", "critical", "public.o", ["ALTER TABLE public.o DROP COLUMN x;"], safe=False),
        _f("data-quality", "warning", "public.o", ["ALTER TABLE public.o ADD CONSTRAINT c CHECK (t >= 0) NOT VALID;",
                                                   "ALTER TABLE public.o VALIDATE CONSTRAINT c;"]),
        _f("missing-primary-key", "critical", "public.pt", pk, columns=["a", "b"]),
        _f("redundant-index", "warning", "public.pt", ["ALTER TABLE public.o ADD CONSTRAINT c CHECK (t >= 0) NOT VALID;",
                                                       "ALTER TABLE public.o  VALIDATE CONSTRAINT c"]),
        _f("no-comment", "optimization", "public.o", ["COMMENT ON TABLE public.o IS '...';"]),
    ]
    plan = build_plan(findings, priorities=["critical", "warning"])
    rules = [s.rule for s in plan.steps]
    assert rules[:2] == ["missing-primary-key", "data-quality"]
    assert rules.index("missing-fk-index") > rules.index("data-quality")
    assert rules[-1] == "denormalized-column" and plan.steps[-1].status == "refused"
    merged = [s for s in plan.steps if s.status == "merged"]
    assert len(merged) == 1 and merged[0].merged_into == rules.index("data-quality") + 1
    fk = next(s for s in plan.steps if s.rule == "missing-fk-index")
    assert fk.covered_by == 1
    assert "no-comment" not in rules  # optimization not chosen
    allowed = build_plan(findings, priorities=["critical", "warning", "optimization"], allow=["denormalized-column"])
    assert next(s for s in allowed.steps if s.rule == "denormalized-column").status == "planned"
    assert next(s for s in allowed.steps if s.rule == "no-comment").status == "manual"


def test_blocking_forms_are_made_online():
    f = [_f("x-rule", "warning", "public.t", ["CREATE INDEX i ON public.t (a);",
                                              "ALTER TABLE public.t ADD CONSTRAINT c CHECK (a > 0);",
                                              "ALTER TABLE public.t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES public.p (id);"])]
    step = build_plan(f, priorities=["warning"]).steps[0]
    assert [s.sql for s in step.statements] == [
        "CREATE INDEX CONCURRENTLY i ON public.t (a);",
        "ALTER TABLE public.t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;",
        "ALTER TABLE public.t VALIDATE CONSTRAINT c;",
        "ALTER TABLE public.t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES public.p (id) NOT VALID;",
        "ALTER TABLE public.t VALIDATE CONSTRAINT f;",
    ]
    assert step.status == "planned" and not step.destructive
