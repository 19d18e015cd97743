"""Plan stage 4 — rules: what the intent says the data must obey, as constraints PostgreSQL enforces.

| rule | in the model |
|---|---|
| ``unique`` (with ``scope``) | ``UNIQUE (scope..., columns...)``; with ``where``, a partial unique index |
| ``range``, ``compare``, ``check`` | ``CHECK`` |
| ``exclusive`` | ``CHECK (num_nonnulls(a, b) = 1)`` (``<= 1`` for at most one); the columns become nullable |
| ``no_overlap`` | ``EXCLUDE USING gist (per WITH =, tstzrange(start, end) WITH &&)`` with ``btree_gist`` |
| ``balanced`` | a deferred constraint trigger that sums the lines of each parent at commit (to zero, or to ``max``: "the percentages add up to 100") |
| ``append_only`` | no ``updated_at``/``deleted_at`` (tables stage) and a trigger refusing UPDATE and DELETE |
| ``immutable_when`` | a trigger refusing UPDATE and DELETE of rows whose column holds one of the values |
| ``max_count`` | a constraint trigger refusing a row that makes more than ``max`` rows with the same ``per`` (counting only the rows ``where`` holds, if given); with ``min``, a deferred one refusing a group of 1 to ``min``-1 rows at commit |

Names in a rule are attribute names or the names (or roles) of the entity's references. Expressions a
reader wrote (``check``, ``where``) are parsed with pglast and written back from the tree, accepting only
the table's own columns, constants, operators and a few functions; anything else is refused with a note
(sent back to a language model as a problem to fix).
"""

from __future__ import annotations

from typing import Any

from aishell.design.intent import Rule
from aishell.design.plan.base import _Ent, ident
from aishell.design.plan.types import literal
from aishell.design.words import plural, singular
from aishell.model import (
    CheckConstraint,
    ExclusionConstraint,
    Extension,
    Function,
    Index,
    Table,
    Trigger,
    UniqueConstraint,
)

_FUNCTIONS = {
    "num_nonnulls",
    "num_nulls",
    "coalesce",
    "length",
    "char_length",
    "lower",
    "upper",
    "btrim",
    "trim",
    "abs",
    "round",
    "floor",
    "ceil",
    "now",
    "date_trunc",
    "extract",
    "date_part",
    "greatest",
    "least",
    "array_length",
    "cardinality",
}
_CASTS = {
    "date",
    "int4",
    "int8",
    "int2",
    "numeric",
    "text",
    "varchar",
    "timestamptz",
    "timestamp",
    "interval",
    "bool",
    "float8",
}
_NODES = {
    "A_Expr",
    "BoolExpr",
    "NullTest",
    "BooleanTest",
    "ColumnRef",
    "A_Const",
    "String",
    "Integer",
    "Float",
    "Boolean",
    "TypeCast",
    "TypeName",
    "FuncCall",
    "CaseExpr",
    "CaseWhen",
    "CoalesceExpr",
    "MinMaxExpr",
    "SQLValueFunction",
    "A_ArrayExpr",
    "List",
}


def safe_expression(expr: str, columns: set[str]) -> tuple[str | None, str]:
    """(the expression rewritten from its parse tree, "") when it only uses ``columns``, constants,
    operators and a few functions; (None, why) otherwise."""
    from pglast import parse_sql
    from pglast.stream import RawStream
    from pglast.visitors import Visitor

    try:
        stmts = parse_sql(f"SELECT {expr}")
    except Exception as exc:  # noqa: BLE001 - pglast raises its own ParseError
        return None, f"not an SQL expression ({str(exc).splitlines()[0]})"
    if len(stmts) != 1:
        return None, "more than one statement"
    sel = stmts[0].stmt
    if type(sel).__name__ != "SelectStmt" or len(sel.targetList or ()) != 1 or sel.fromClause:
        return None, "not a single expression"
    node = sel.targetList[0].val
    problems: list[str] = []

    class Check(Visitor):
        def visit(self, ancestors: Any, n: Any) -> None:
            kind = type(n).__name__
            if kind not in _NODES:
                problems.append(f"{kind} is not allowed")
            elif kind == "ColumnRef":
                parts = [getattr(f, "sval", None) for f in n.fields]
                if len(parts) != 1 or parts[0] not in columns:
                    problems.append(f"{'.'.join(str(p) for p in parts)} is not a column of this table")
            elif kind == "FuncCall":
                name = n.funcname[-1].sval
                if name not in _FUNCTIONS:
                    problems.append(f"the function {name} is not allowed")
            elif kind == "TypeName":
                name = n.names[-1].sval
                if name not in _CASTS:
                    problems.append(f"a cast to {name} is not allowed")

    Check()(node)
    if problems:
        return None, problems[0]
    return RawStream()(node), ""


class RuleStage:
    def _rules(self) -> None:
        for n, rule in enumerate(self.req.rules):
            self._rule_index = n
            if rule.provenance == "assumed" and not self.opt.assumptions:
                continue
            e = self.ents.get(rule.entity)
            if e is None:
                self.problems.append(f"rule {rule.kind}: {rule.entity!r} is not an entity")
                continue
            t = self._t(e)
            handler = getattr(self, f"_rule_{rule.kind}", None)
            if handler is None:
                self.problems.append(f"rule {rule.kind} on {t.name}: not a rule kind aishell knows")
                continue
            handler(e, t, rule)

    # -- names ------------------------------------------------------------------------------------------
    def _rule_columns(self, t: Table, names: list[str], rule: Rule) -> list[str] | None:
        out: list[str] = []
        for name in names:
            cols = self._rule_column(t, name)
            if cols is None:
                self.problems.append(
                    f"rule {rule.kind} on {t.name}: {name!r} is neither a column of {t.name} nor one of "
                    f"its references"
                )
                return None
            out += [c for c in cols if c not in out]
        return out

    def _rule_column(self, t: Table, name: str) -> list[str] | None:
        """The column(s) a name in a rule stands for: an attribute, or a reference (by role or entity)."""
        name = name.strip().lower()
        if t.column(name) is not None:
            return [name]
        tenant = self._tenant()
        if tenant is not None and t.name != tenant.table and name in (tenant.name, plural(tenant.name)):
            col = f"{tenant.entity.name}_id"
            return [col] if t.column(col) is not None else []  # the tenant stage puts it first
        if t.column(f"{name}_id") is not None:
            return [f"{name}_id"]
        for fk in t.foreign_keys:
            role = fk.attrs.get("role")
            target = self.ents.get(_entity_of(self, fk.ref_table) or "")
            names = {role, fk.ref_table, singular(fk.ref_table)} | ({target.name} if target else set())
            if name in names or singular(name) in names or plural(name) in names:
                return [fk.columns[-1]]
        return None

    def _rule_attrs(self, rule: Rule, **extra: Any) -> dict[str, Any]:
        attrs = {"provenance": rule.provenance, "rule": rule.kind, "rule_id": self._rule_index, **extra}
        if rule.evidence:
            attrs["evidence"] = rule.evidence
        if rule.description:
            attrs["reason"] = rule.description
        return attrs

    def _rule_function(self, name: str, body: str, comment: str, rule: Rule) -> None:
        """The plpgsql function behind a rule no CHECK can say (its trigger names it)."""
        self.schema.functions.append(
            Function(
                name=name,
                returns="trigger",
                language="plpgsql",
                volatility="VOLATILE",
                definition=body,
                comment=comment,
                attrs=self._rule_attrs(rule),
            )
        )

    def _expression(self, t: Table, expr: str, rule: Rule) -> str | None:
        safe, why = safe_expression(expr, {c.name for c in t.columns})
        if safe is None:
            self.problems.append(f"rule {rule.kind} on {t.name}: the expression {expr!r} was not used: {why}")
        return safe

    def _add_check(self, t: Table, label: str, expr: str, rule: Rule) -> None:
        name = ident(t.name, label, "check")
        if any(c.name == name or c.expression == expr for c in t.checks):
            t.checks = [c for c in t.checks if c.name != name]
        t.checks.append(CheckConstraint(name=name, expression=expr, attrs=self._rule_attrs(rule)))

    # -- kinds ------------------------------------------------------------------------------------------
    def _rule_unique(self, e: _Ent, t: Table, rule: Rule) -> None:
        scope = self._rule_columns(t, rule.scope, rule)
        cols = self._rule_columns(t, rule.columns, rule)
        if scope is None or cols is None or not cols:
            return
        key = [*scope, *[c for c in cols if c not in scope]]
        reason = (
            "unique "
            + ", ".join(cols)
            + (f" per {', '.join(c.removesuffix('_id') for c in scope)}" if scope else "")
        )
        if rule.where:
            where = self._expression(t, rule.where, rule)
            if where is None:
                return
            t.indexes.append(
                Index(
                    name=ident("uq", t.name, *key),
                    columns=key,
                    unique=True,
                    where=where,
                    reason=rule.description or f"{reason} where {where}",
                    attrs=self._rule_attrs(rule),
                )
            )
            return
        if scope:
            # "code unique per company": a global UNIQUE (code) would say more than the text
            t.unique = [u for u in t.unique if not (set(u.columns) <= set(cols) and u.columns != key)]
        if any(u.columns == key for u in t.unique):
            for u in t.unique:
                if u.columns == key:
                    u.attrs.update(self._rule_attrs(rule, reason=reason))
            return
        t.unique.append(
            UniqueConstraint(
                name=ident(t.name, *key, "key"), columns=key, attrs=self._rule_attrs(rule, reason=reason)
            )
        )

    def _rule_range(self, e: _Ent, t: Table, rule: Rule) -> None:
        cols = self._rule_columns(t, [rule.column or (rule.columns[:1] or ["?"])[0]], rule)
        if not cols or (rule.min is None and rule.max is None):
            return
        family = _family(t.column(cols[0]).type.upper()) if t.column(cols[0]) is not None else "number"
        if family != "number":
            # bounds are numbers: on an enum, a text or a time they would not load ("size >= 1" on an
            # enum of paper sizes means the rule was bound to the wrong column), so it stays a note
            self.problems.append(
                f"rule range on {t.name}: {cols[0]} is not a number ({t.column(cols[0]).type}), "
                "so its bounds were not used"
            )
            return
        col = _q(cols[0])
        parts = []
        if rule.min is not None:
            parts.append(f"{col} >= {_num(rule.min)}")
        if rule.max is not None:
            parts.append(f"{col} <= {_num(rule.max)}")
        self._add_check(t, cols[0], " AND ".join(parts), rule)

    def _rule_compare(self, e: _Ent, t: Table, rule: Rule) -> None:
        if not (rule.left and rule.right and rule.op):
            self.problems.append(f"rule compare on {t.name}: needs left, op and right")
            return
        left = self._rule_columns(t, [rule.left], rule)
        right = self._rule_columns(t, [rule.right], rule)
        if not left or not right:
            return
        lt, rt = (t.column(c).type.upper() for c in (left[0], right[0]))
        if rule.op != "<>" and _family(lt) != _family(rt):
            lc, rc = t.column(left[0]), t.column(right[0])
            # "the amount must never exceed the ceiling", the ceiling a text by default: the words
            # compare them as numbers (or times), so the column guessed as text takes the other's type
            guess = rc if _family(rt) == "text" else lc if _family(lt) == "text" else None
            other = lc if guess is rc else rc
            if guess is None or _family(other.type.upper()) == "text":
                self.problems.append(
                    f"rule compare on {t.name}: {left[0]} ({lt}) and {right[0]} ({rt}) do not compare"
                )
                return
            guess.type = other.type
        self._add_check(t, f"{left[0]}_{right[0]}", f"{_q(left[0])} {rule.op} {_q(right[0])}", rule)

    def _rule_check(self, e: _Ent, t: Table, rule: Rule) -> None:
        if not rule.expression:
            self.problems.append(f"rule check on {t.name}: no expression")
            return
        expr = self._expression(t, rule.expression, rule)
        if expr is not None:
            label = "_".join(dict.fromkeys(c.name for c in t.columns if c.name in expr.replace('"', "")))[:40]
            self._add_check(t, label or "rule", expr, rule)

    def _rule_exclusive(self, e: _Ent, t: Table, rule: Rule) -> None:
        cols = self._rule_columns(t, rule.columns, rule)
        if not cols or len(cols) < 2:
            self.problems.append(f"rule exclusive on {t.name}: needs two columns or more")
            return
        for name in cols:
            c = t.column(name)
            if c is not None:
                # "either a debit or a credit": the other one is absent, not zero
                c.nullable, c.default = True, None
        op = "<= 1" if rule.mode == "at_most_one" else "= 1"
        self._add_check(
            t, "_".join(cols[:3]) + "_one_of", f"num_nonnulls({', '.join(_q(c) for c in cols)}) {op}", rule
        )

    def _rule_no_overlap(self, e: _Ent, t: Table, rule: Rule) -> None:
        start = (
            self._rule_columns(t, [rule.start or "starts_at"], rule)
            if rule.start or t.column("starts_at")
            else None
        )
        end = (
            self._rule_columns(t, [rule.end or "ends_at"], rule) if rule.end or t.column("ends_at") else None
        )
        per = self._rule_columns(t, rule.per, rule)
        if not start or not end or per is None:
            if not (rule.start and rule.end):
                self.problems.append(f"rule no_overlap on {t.name}: needs start and end columns")
            return
        if t.partition_by:
            self.problems.append(f"rule no_overlap on {t.name}: not enforced on a partitioned table")
            return
        types = {t.column(start[0]).type.upper(), t.column(end[0]).type.upper()}
        if types <= {"TIMESTAMPTZ"}:
            rng = "tstzrange"
        elif types <= {"DATE"}:
            rng = "daterange"
        elif types <= {"INTEGER", "SMALLINT"}:
            rng = "int4range"
        elif types <= {"BIGINT"}:
            rng = "int8range"
        elif all(x.startswith("NUMERIC") for x in types):
            rng = "numrange"
        else:
            self.problems.append(
                f"rule no_overlap on {t.name}: {start[0]} and {end[0]} are not times, dates or numbers"
            )
            return
        bounds = (
            "'[]'" if rng == "daterange" and rule.description and "inclusive" in rule.description else "'[)'"
        )
        items = [f"{_q(c)} WITH =" for c in per] + [f"{rng}({_q(start[0])}, {_q(end[0])}, {bounds}) WITH &&"]
        definition = f"EXCLUDE USING gist ({', '.join(items)})"
        if rule.where:
            where = self._expression(t, rule.where, rule)
            if where is None:
                return
            definition += f" WHERE ({where})"
        if per and not any(x.name == "btree_gist" for x in self.schema.extensions):
            self.schema.extensions.append(
                Extension("btree_gist", comment="equality on plain columns inside GiST exclusion constraints")
            )
        name = ident(t.name, *(c.removesuffix("_id") for c in per), "no_overlap")
        t.exclusions.append(
            ExclusionConstraint(
                name=name,
                definition=definition,
                columns=[*per, start[0], end[0]],
                attrs=self._rule_attrs(
                    rule,
                    reason=rule.description
                    or f"{t.name} of the same {', '.join(c.removesuffix('_id') for c in per) or 'table'} never overlap",
                ),
            )
        )
        if not any(f"{end[0]} > {start[0]}" in c.expression for c in t.checks):
            self._add_check(t, f"{start[0]}_{end[0]}", f"{_q(end[0])} > {_q(start[0])}", rule)

    def _rule_balanced(self, e: _Ent, t: Table, rule: Rule) -> None:
        if rule.amount and not rule.group_by and t.column(rule.amount) is None:
            # "the percentages of a lot add up to 100", the percentage on the lot's link rows: the
            # rows of the table that references the lot and holds the amount
            for other in self.schema.tables:
                fk = next((f for f in other.foreign_keys if f.ref_table == t.name), None)
                if other is not t and fk is not None and other.column(rule.amount) is not None:
                    t, group = other, [fk.columns[0]]
                    break
            else:
                self.problems.append(
                    f"rule balanced on {t.name}: no table referencing it holds {rule.amount!r}"
                )
                return
        else:
            group = self._rule_columns(t, [rule.group_by or ""], rule) if rule.group_by else None
        if not group:
            if not rule.group_by:
                self.problems.append(f"rule balanced on {t.name}: needs group_by (the parent that balances)")
            return
        if rule.amount:
            amount = self._rule_columns(t, [rule.amount], rule)
            if not amount:
                return
            total = f"coalesce(sum({_q(amount[0])}), 0)"
            what = f"the sum of {amount[0]}"
        else:
            debit = self._rule_columns(t, [rule.debit or "debit"], rule)
            credit = self._rule_columns(t, [rule.credit or "credit"], rule)
            if not debit or not credit:
                return
            total = f"coalesce(sum({_q(debit[0])}), 0) - coalesce(sum({_q(credit[0])}), 0)"
            what = f"{debit[0]} minus {credit[0]}"
        key = group[0]
        key_type = t.column(key).type
        fname = ident("check", t.name, "balanced")
        parent = key.removesuffix("_id")
        target = rule.max if rule.amount and rule.max is not None else None
        if target is not None:
            # "add up to 100": the rows of each parent total the number, once it has any rows
            total = f"CASE WHEN count(*) = 0 THEN 0 ELSE {total} - {_num(target)} END"
            what = f"the sum of {amount[0]} minus {_num(target)}"
        # what test data needs to honour the rule (datagen reads it from the design)
        shape: dict[str, Any] = {"per": [key]}
        if rule.amount:
            shape.update(amount=amount[0], total=target if target is not None else 0)
        else:
            shape.update(debit=debit[0], credit=credit[0])
        body = (
            f"CREATE OR REPLACE FUNCTION public.{fname}()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$\n"
            f"DECLARE\n    k {key_type.lower()};\n    diff numeric;\nBEGIN\n"
            "    FOR k IN\n"
            "        SELECT DISTINCT v.x FROM (VALUES\n"
            f"            (CASE WHEN TG_OP <> 'INSERT' THEN OLD.{_q(key)} END),\n"
            f"            (CASE WHEN TG_OP <> 'DELETE' THEN NEW.{_q(key)} END)) AS v(x)\n"
            "        WHERE v.x IS NOT NULL\n    LOOP\n"
            f"        SELECT {total} INTO diff FROM public.{_q(t.name)} WHERE {_q(key)} = k;\n"
            "        IF diff <> 0 THEN\n"
            f"            RAISE EXCEPTION '{parent} % does not balance: {what} is %', k, diff\n"
            "                USING ERRCODE = 'check_violation';\n"
            "        END IF;\n    END LOOP;\n    RETURN NULL;\nEND;\n$function$\n"
        )
        comment = (
            f"At commit, the {amount[0]} of every {parent} of {t.name} add up to {_num(target)}"
            if target is not None
            else f"At commit, every {parent} of {t.name} balances ({what} = 0)"
        )
        self._rule_function(fname, body, comment, rule)
        tname = ident("trg", t.name, "balanced")
        t.triggers.append(
            Trigger(
                name=tname,
                timing="AFTER",
                events=["INSERT", "UPDATE", "DELETE"],
                function=f"public.{fname}",
                constraint=True,
                definition=(
                    f"CREATE CONSTRAINT TRIGGER {tname} AFTER INSERT OR DELETE OR UPDATE ON public.{_q(t.name)} "
                    f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.{fname}()"
                ),
                comment=f"Each {parent} balances at commit (checked once its lines are all written)",
                attrs=self._rule_attrs(rule, **shape),
            )
        )

    def _rule_append_only(self, e: _Ent, t: Table, rule: Rule) -> None:
        # the tables stage left out updated_at/deleted_at; harden adds the trigger
        e.stated_append_only = True
        t.attrs.setdefault("design", {}).setdefault("rule_ids", []).append(self._rule_index)

    def _rule_max_count(self, e: _Ent, t: Table, rule: Rule) -> None:
        per = self._rule_columns(t, rule.per or rule.columns, rule)
        if not per or rule.max is None or rule.max < 1:
            if per is not None:
                self.problems.append(f"rule max_count on {t.name}: needs per and a max of 1 or more")
            return
        limit = int(rule.max)
        where = self._expression(t, rule.where, rule) if rule.where else None
        if rule.where and where is None:
            return
        ref = next((f for f in t.foreign_keys if f.columns == per), None)
        if rule.mode == "any_role" and ref is not None:
            # "a member can be in max 3 tandems", a tandem's member_a or member_b: either role counts
            roles = [f.columns[0] for f in t.foreign_keys if f.ref_table == ref.ref_table and len(f.columns) == 1]
            if len(roles) > 1:
                self._max_count_any_role(t, roles, limit, where, rule)
                return
        if rule.min is not None and 1 < rule.min <= limit:
            self._min_count(t, per, int(rule.min), where, rule)
        if limit == 1 and where is None:  # "at most one X per Y": a unique key says it and serves lookups too
            if not any(u.columns == per for u in t.unique):
                t.unique.append(
                    UniqueConstraint(
                        name=ident(t.name, *per, "key"),
                        columns=per,
                        attrs=self._rule_attrs(
                            rule,
                            reason=f"at most one {singular(t.name)} per "
                            + ", ".join(c.removesuffix("_id") for c in per),
                        ),
                    )
                )
            return
        what = ", ".join(c.removesuffix("_id") for c in per)
        fname = ident("check", t.name, "max", *(c.removesuffix("_id") for c in per))
        same = " AND ".join(f"{_q(c)} = NEW.{_q(c)}" for c in per) + (f" AND ({where})" if where else "")
        # "at most 3 active tandems": only the rows in that state count (said in the message, quoted)
        which = f"({where}) ".replace("'", "''").replace("%", "%%") if where else ""
        # the parent row is locked first, so two transactions adding the last rows one after the
        # other cannot both see room (each statement of the function reads what is committed)
        lock = ""
        fk = next((f for f in t.foreign_keys if f.columns == per[:1]), None)
        if fk is not None and len(fk.ref_columns) == 1:
            lock = (
                f"    PERFORM 1 FROM public.{_q(fk.ref_table)} WHERE {_q(fk.ref_columns[0])} = NEW.{_q(per[0])}"
                " FOR UPDATE;\n"
            )
        body = (
            f"CREATE OR REPLACE FUNCTION public.{fname}()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$\n"
            "DECLARE\n    n bigint;\nBEGIN\n"
            f"    IF {' OR '.join(f'NEW.{_q(c)} IS NULL' for c in per)} THEN\n        RETURN NULL;\n    END IF;\n"
            + lock
            + f"    SELECT count(*) INTO n FROM public.{_q(t.name)} WHERE {same};\n"
            f"    IF n > {limit} THEN\n"
            f"        RAISE EXCEPTION 'at most {limit} {which}{t.name} per {what} (% now)', n\n"
            "            USING ERRCODE = 'check_violation';\n"
            "    END IF;\n    RETURN NULL;\nEND;\n$function$\n"
        )
        self._rule_function(fname, body, f"Refuses more than {limit} {t.name} per {what}", rule)
        tname = ident("trg", t.name, "max", *(c.removesuffix("_id") for c in per))
        cols = ", ".join(_q(c) for c in per)
        t.triggers.append(
            Trigger(
                name=tname,
                timing="AFTER",
                events=["INSERT", "UPDATE"],
                function=f"public.{fname}",
                constraint=True,
                definition=(
                    f"CREATE CONSTRAINT TRIGGER {tname} AFTER INSERT OR UPDATE"
                    + ("" if where else f" OF {cols}")
                    + f" ON public.{_q(t.name)} "
                    f"FOR EACH ROW EXECUTE FUNCTION public.{fname}()"
                ),
                comment=f"At most {limit} {t.name} per {what}",
                attrs=self._rule_attrs(rule, per=per, max=limit, **({"where": where} if where else {})),
            )
        )

    def _max_count_any_role(self, t: Table, roles: list[str], limit: int, where: str | None, rule: Rule) -> None:
        target = roles[0].removesuffix("_id").rsplit("_", 1)[0]
        fname = ident("check", t.name, "max", target)
        cond = f" AND ({where})" if where else ""
        which = f"({where}) ".replace("'", "''").replace("%", "%%") if where else ""
        any_role = " OR ".join(f"{_q(c)} = v.x" for c in roles)
        news = ", ".join(f"(NEW.{_q(c)})" for c in roles)
        body = (
            f"CREATE OR REPLACE FUNCTION public.{fname}()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$\n"
            "DECLARE\n    n bigint;\n    who text;\nBEGIN\n"
            f"    SELECT v.x::text, (SELECT count(*) FROM public.{_q(t.name)} WHERE ({any_role}){cond})\n"
            f"      INTO who, n FROM (VALUES {news}) AS v(x)\n"
            "     WHERE v.x IS NOT NULL\n"
            f"     ORDER BY 2 DESC LIMIT 1;\n"
            f"    IF n > {limit} THEN\n"
            f"        RAISE EXCEPTION 'at most {limit} {which}{t.name} per {target} (% has %)', who, n\n"
            "            USING ERRCODE = 'check_violation';\n"
            "    END IF;\n    RETURN NULL;\nEND;\n$function$\n"
        )
        comment = f"Refuses more than {limit} {t.name} per {target}, in any of {', '.join(roles)}"
        self._rule_function(fname, body, comment, rule)
        tname = ident("trg", t.name, "max", target)
        t.triggers.append(
            Trigger(
                name=tname,
                timing="AFTER",
                events=["INSERT", "UPDATE"],
                function=f"public.{fname}",
                constraint=True,
                definition=(
                    f"CREATE CONSTRAINT TRIGGER {tname} AFTER INSERT OR UPDATE ON public.{_q(t.name)} "
                    f"FOR EACH ROW EXECUTE FUNCTION public.{fname}()"
                ),
                comment=f"At most {limit} {t.name} per {target} ({' or '.join(roles)})",
                attrs=self._rule_attrs(rule, per=roles, max=limit, any_role=True,
                                       **({"where": where} if where else {})),
            )
        )

    def _min_count(self, t: Table, per: list[str], least: int, where: str | None, rule: Rule) -> None:
        """ "teams of two", "each site has 2 to 12 chargers": at commit, a group that has rows has at least
        ``least`` of them (an empty group is one not filled yet)."""
        what = ", ".join(c.removesuffix("_id") for c in per)
        fname = ident("check", t.name, "min", *(c.removesuffix("_id") for c in per))
        cond = f" AND ({where})" if where else ""
        olds = " AND ".join(f"{_q(c)} = OLD.{_q(c)}" for c in per) + cond
        news = " AND ".join(f"{_q(c)} = NEW.{_q(c)}" for c in per) + cond
        body = (
            f"CREATE OR REPLACE FUNCTION public.{fname}()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$\n"
            "DECLARE\n    n bigint;\nBEGIN\n"
            "    IF TG_OP <> 'DELETE' THEN\n"
            f"        SELECT count(*) INTO n FROM public.{_q(t.name)} WHERE {news};\n"
            f"        IF n BETWEEN 1 AND {least - 1} THEN\n"
            f"            RAISE EXCEPTION 'at least {least} {t.name} per {what} (% now)', n\n"
            "                USING ERRCODE = 'check_violation';\n        END IF;\n    END IF;\n"
            "    IF TG_OP <> 'INSERT' THEN\n"
            f"        SELECT count(*) INTO n FROM public.{_q(t.name)} WHERE {olds};\n"
            f"        IF n BETWEEN 1 AND {least - 1} THEN\n"
            f"            RAISE EXCEPTION 'at least {least} {t.name} per {what} (% now)', n\n"
            "                USING ERRCODE = 'check_violation';\n        END IF;\n    END IF;\n"
            "    RETURN NULL;\nEND;\n$function$\n"
        )
        self._rule_function(
            fname, body, f"At commit, refuses a {what} with between 1 and {least - 1} {t.name}", rule
        )
        tname = ident("trg", t.name, "min", *(c.removesuffix("_id") for c in per))
        t.triggers.append(
            Trigger(
                name=tname,
                timing="AFTER",
                events=["INSERT", "UPDATE", "DELETE"],
                function=f"public.{fname}",
                constraint=True,
                definition=(
                    f"CREATE CONSTRAINT TRIGGER {tname} AFTER INSERT OR DELETE OR UPDATE ON public.{_q(t.name)} "
                    f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.{fname}()"
                ),
                comment=f"At least {least} {t.name} per {what} once it has any (checked at commit)",
                attrs=self._rule_attrs(rule, per=per, min=least, **({"where": where} if where else {})),
            )
        )

    def _rule_immutable_when(self, e: _Ent, t: Table, rule: Rule) -> None:
        cols = self._rule_columns(t, [rule.column or (rule.columns[:1] or ["status"])[0]], rule)
        if not cols or not rule.values:
            if cols and not rule.values:
                self.problems.append(f"rule immutable_when on {t.name}: needs values")
            return
        col = cols[0]
        c = t.column(col)
        enum = self.enums.get(c.type)
        if enum is not None and not set(rule.values) <= set(enum.values):
            self.problems.append(
                f"rule immutable_when on {t.name}: {', '.join(v for v in rule.values if v not in enum.values)} "
                f"is not a value of {col}"
            )
            return
        values = ", ".join(literal(v) for v in rule.values)
        fname = ident("forbid", t.name, "change_when", col)
        body = (
            f"CREATE OR REPLACE FUNCTION public.{fname}()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$\n"
            f"BEGIN\n    IF OLD.{_q(col)}::text IN ({values}) THEN\n"
            f"        RAISE EXCEPTION '% of a {singular(t.name)} with {col} % is not allowed', TG_OP, OLD.{_q(col)}\n"
            "            USING ERRCODE = 'restrict_violation';\n    END IF;\n"
            "    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;\nEND;\n$function$\n"
        )
        self._rule_function(
            fname, body, f"Refuses changes to {t.name} once {col} is {' or '.join(rule.values)}", rule
        )
        tname = ident("trg", t.name, "locked", col)
        t.triggers.append(
            Trigger(
                name=tname,
                timing="BEFORE",
                events=["UPDATE", "DELETE"],
                function=f"public.{fname}",
                definition=(
                    f"CREATE TRIGGER {tname} BEFORE DELETE OR UPDATE ON public.{_q(t.name)} "
                    f"FOR EACH ROW EXECUTE FUNCTION public.{fname}()"
                ),
                comment=f"{t.name} are locked once {col} is {' or '.join(rule.values)}",
                attrs=self._rule_attrs(rule),
            )
        )


def _q(name: str) -> str:
    from aishell.dialects.postgres.quote import quote_ident

    return quote_ident(name)


def _family(sql_type: str) -> str:
    """What a column type compares as: numbers, times, or text (anything else)."""
    base = sql_type.split("(")[0].strip().lower()
    if base in ("smallint", "integer", "int", "bigint", "numeric", "decimal", "real", "double precision", "money"):
        return "number"
    if base.startswith(("timestamp", "date", "time", "interval")):
        return "time"
    return "text" if base in ("text", "varchar", "character varying", "char", "character", "citext") else base


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _entity_of(planner: Any, table: str) -> str | None:
    return next((e.name for e in planner.ents.values() if e.table == table), None)
