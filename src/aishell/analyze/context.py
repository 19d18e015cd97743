"""What a rule sees: the schema model, and for a live database the probes that measure it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from aishell.model import ForeignKey, Index, Schema, Table

if TYPE_CHECKING:
    from aishell.analyze.probes.data import DataProbes
    from aishell.analyze.probes.session import ProbeSession
    from aishell.analyze.probes.stats import Stats
    from aishell.analyze.workload import Workload


class RuleSkipped(Exception):
    """A rule cannot run here; the message says why (shown in the report)."""


# Thresholds every rule reads from; documented in docs/analyze.md, overridable from the API.
DEFAULT_THRESHOLDS: dict[str, float] = {
    "critical_fk_rows": 10_000,  # missing-fk-index is critical at this many referencing rows
    "few_nulls_fraction": 0.05,  # data-quality: NOT NULL suggested when NULLs are at most 5%
    "violation_fraction": 0.05,  # data-quality: CHECK suggested when violations are at most 5%
    "min_rows_for_data_rules": 20,  # below this many rows data rules say nothing
    "bloat_min_percent": 20,  # table-bloat / index-bloat
    "bloat_min_bytes": 1_048_576,
    "pgstattuple_max_bytes": 256 * 1024 * 1024,  # above this, pgstattuple_approx (estimated)
    "enum_max_distinct": 10,  # inefficient-type: low-cardinality text
    "enum_min_rows": 100,
    "text_type_min_share": 0.95,  # inefficient-type: share of text values that must convert to a type
    "sequence_warning": 0.75,  # sequence-overflow: fraction of the range used
    "sequence_critical": 0.90,
    "seq_scan_min_rows": 1_000,  # seq-scan-heavy-table
    "seq_scan_min_scans": 100,
    "partition_min_rows": 10_000_000,  # partitioning-opportunity
    "partition_min_bytes": 10 * 1024**3,
    "matview_min_mean_ms": 50.0,  # materialized-view-opportunity
    "matview_min_calls": 100,
    "workload_min_calls": 10,
    "index_min_cost_ratio": 1.1,  # workload indexes: the planner's cost must drop at least this much  # workload rules ignore statements run fewer times
    "fd_sample_rows": 20000,  # normalization: rows read per table for dependencies
    "fd_min_support": 20,  # repeated left-hand values needed to believe a dependency
    "fd_max_columns": 16,
    "list_min_share": 0.2,  # normalization: share of a column's values that are delimited lists
    "mvd_min_groups": 5,  # normalization: cross-product groups (2+ of each) needed to call a 4NF breach
    "over_normalization_join_share": 0.9,
    "fk_min_match": 0.9,  # missing-foreign-key: share of values that must match a key to call it one
    "copy_agreement": 0.95,  # denormalized-column: share of rows that must agree to call it a copy
    "unused_index_min_hours": 168,  # unused-index: counters younger than this judge nothing
    "unused_index_min_rows": 1000,  # unused-index: smaller tables are rightly scanned, not judged
}


@dataclass
class AnalyzeOptions:
    rules: list[str] = field(default_factory=list)
    check_indexes: bool = False
    check_normalization: bool = False
    deep: bool = False
    with_query_patterns: bool = False
    timeout_ms: int = 5000
    sample_threshold: int = 2_000_000
    # Only tables of these schemas are analysed (None: every non-system schema).
    schemas: list[str] | None = None
    thresholds: dict[str, float] = field(default_factory=dict)
    # Scan counters read by an earlier analysis (Report.counters): counter rules then judge the scans
    # since that reading (fix passes the counters read before it applied anything).
    baseline: dict[str, Any] | None = None
    # The workload from a server log or a file of queries instead of pg_stat_statements (either one
    # turns the workload rules on, as with_query_patterns does).
    query_log: str | None = None
    queries_file: str | None = None
    # Check workload index proposals with EXPLAIN on a scratch copy (a sample of the tables on the
    # scratch server) when hypopg is missing, as --deep does; fix asks for it.
    verify_on_copy: bool = False

    def __post_init__(self) -> None:
        if self.query_log or self.queries_file:
            self.with_query_patterns = True

    def threshold(self, name: str) -> float:
        return self.thresholds.get(name, DEFAULT_THRESHOLDS[name])


class AnalysisContext:
    def __init__(
        self,
        schema: Schema,
        options: AnalyzeOptions,
        *,
        session: ProbeSession | None = None,
        source_kind: str = "url",
    ):
        self.schema = schema
        self.options = options
        self.session = session
        self.source_kind = source_kind
        self.notes: list[str] = []
        self.normalization_result: dict[str, Any] | None = None
        self.cleanups: list = []
        # rule id -> how many objects it left unjudged for lack of evidence (short statistics window,
        # small or empty tables); the health score says what it rests on.
        self.insufficient: dict[str, int] = {}
        self.selected_rules: set[str] = set()  # the rules this analysis runs (rules defer to each other)

    # -- what we have ---------------------------------------------------------------------------
    @property
    def live(self) -> bool:
        return self.session is not None

    @cached_property
    def stats(self) -> Stats:
        from aishell.analyze.probes.stats import read_stats

        if self.session is None:
            raise RuleSkipped("needs a live database (statistics)")
        return read_stats(self.session)

    @cached_property
    def data(self) -> DataProbes:
        from aishell.analyze.probes.data import DataProbes

        if self.session is None:
            raise RuleSkipped("needs a live database (data)")
        threshold = 10**15 if self.options.deep else self.options.sample_threshold
        # Scans of whole tables get six probe timeouts (30 s by default), ten with --deep.
        factor = 10 if self.options.deep else 6
        return DataProbes(
            self.session,
            self.stats.rows,
            sample_threshold=threshold,
            timeout_ms=self.options.timeout_ms * factor,
        )

    @cached_property
    def workload(self) -> Workload:
        from aishell.analyze.workload import read_workload

        if self.session is None:
            raise RuleSkipped("needs a live database (pg_stat_statements)")
        return read_workload(self)

    def t(self, name: str) -> float:
        return self.options.threshold(name)

    # -- model helpers ----------------------------------------------------------------------------
    @cached_property
    def tables(self) -> list[Table]:
        """Tables in scope: ordinary and partitioned parents (partitions are covered by their parent)."""
        keep = self.options.schemas
        return [
            t
            for t in self.schema.tables
            if not t.partition_of and not t.attrs.get("foreign") and (keep is None or t.schema in keep)
        ]

    @cached_property
    def physical_tables(self) -> list[Table]:
        """Tables with storage of their own in scope: ordinary tables and partitions (for bloat)."""
        keep = self.options.schemas
        return [
            t
            for t in self.schema.tables
            if not t.partition_by and not t.attrs.get("foreign") and (keep is None or t.schema in keep)
        ]

    @cached_property
    def by_name(self) -> dict[str, Table]:
        return {t.qualified_name: t for t in self.schema.tables}

    def ref_table(self, fk: ForeignKey) -> Table | None:
        return self.by_name.get(f"{fk.ref_schema}.{fk.ref_table}")

    def rows(self, table: Table) -> int | None:
        """Row estimate from the planner when live, else None."""
        if not self.live:
            return None
        return self.stats.rows(table.qualified_name)

    def row_count(self, table: Table) -> tuple[int, str] | None:
        """Rows of ``table`` as (value, kind): a profile count when data rules ran, else the estimate."""
        if not self.live:
            return None
        est = self.stats.rows(table.qualified_name)
        return (est, "estimated") if est is not None else None

    def referenced_by(self, table: Table) -> list[tuple[Table, ForeignKey]]:
        return [
            (t, fk)
            for t in self.schema.tables
            for fk in t.foreign_keys
            if f"{fk.ref_schema}.{fk.ref_table}" == table.qualified_name
        ]

    def is_junction(self, table: Table) -> bool:
        """Two or more single-column FKs to different tables, and little else besides."""
        fk_cols = [fk.columns[0] for fk in table.foreign_keys if len(fk.columns) == 1]
        refs = {f"{fk.ref_schema}.{fk.ref_table}" for fk in table.foreign_keys}
        others = [c for c in table.columns if c.name not in fk_cols and c.name not in table.primary_key]
        return len(fk_cols) >= 2 and len(refs) >= 2 and len(others) <= 3


def index_key_columns(ix: Index) -> list[str]:
    """Key parts of an index; expression parts are returned as their text in parentheses."""
    out = []
    for i, c in enumerate(ix.columns):
        expr = ix.expressions[i] if i < len(ix.expressions) else False
        out.append(f"({c})" if expr and not c.startswith("(") else c)
    return out


def attrs_get(obj: Any, key: str, default: Any = None) -> Any:
    return getattr(obj, "attrs", {}).get(key, default)
