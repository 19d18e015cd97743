"""Typed change objects: what differs between two schemas, as data.

Every change names the object it touches and carries the model objects on both sides (``old`` is the
object in the schema being changed, ``new`` the desired one), so ``reverse()`` is exact: the reverse of
an ``AddTable`` is a ``DropTable`` of the same table, the reverse of an ``AlterColumn`` swaps its sides.
Changes never hold SQL; ``aishell.diff.render`` turns them into statements (alembic keeps its ops and
their rendering apart the same way, ``alembic/operations/ops.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass
class Change:
    """One difference. ``old``/``new`` are model objects (None on the side where it is absent);
    ``parent`` is the qualified name of the table or view a sub-object belongs to."""

    old: Any = None
    new: Any = None
    parent: str | None = None

    kind: ClassVar[str] = ""  # table, column, index, constraint, view, ...
    action: ClassVar[str] = ""  # create | drop | alter | rename
    _reverse: ClassVar[str] = ""

    @property
    def obj(self) -> Any:
        return self.new if self.new is not None else self.old

    @property
    def name(self) -> str:
        return object_name(self.obj)

    @property
    def symbol(self) -> str:
        return {"create": "+", "drop": "-"}.get(self.action, "~")

    def reverse(self) -> Change:
        cls = CHANGE_TYPES[self._reverse] if self._reverse else type(self)
        return cls(old=self.new, new=self.old, parent=self._reverse_parent())

    def _reverse_parent(self) -> str | None:
        return self.parent

    def describe(self) -> str:
        return f"{self.symbol} {self.kind} {self.name}"


def object_name(obj: Any) -> str:
    if obj is None:
        return ""
    cls = obj.__class__.__name__
    if isinstance(obj, dict) and "definition" in obj:  # a table's extended statistics object
        return f"{obj.get('schema') or ''}.{obj.get('name') or ''}".lstrip(".")
    if cls == "UserMapping":
        return f"{obj.user} on {obj.server}"
    if cls == "DefaultPrivilege":
        return f"{obj.object_type.lower()} of {obj.role}" + (f" in {obj.schema}" if obj.schema else "")
    if cls in ("OperatorFamily", "OperatorClass"):
        return f"{obj.schema}.{obj.name} ({obj.method})"
    if hasattr(obj, "signature"):
        return obj.signature
    if hasattr(obj, "qualified_name"):
        return obj.qualified_name
    schema = getattr(obj, "schema", None)
    name = getattr(obj, "name", None) or ""
    if schema and obj.__class__.__name__ in ("EnumType", "Domain", "CompositeType", "Sequence", "Collation",
                                             "RangeType", "BaseType", "TextSearchParser", "TextSearchTemplate",
                                             "TextSearchDictionary", "TextSearchConfig"):
        return f"{schema}.{name}"
    return name


CHANGE_TYPES: dict[str, type[Change]] = {}


def _register(name: str, kind: str, action: str, reverse: str = "", base: type = Change) -> type[Change]:
    # No fields of its own: the base dataclass's __init__, __repr__ (which names the subclass) and
    # __eq__ (which compares the class too) serve it; running @dataclass on each of ~100 kinds would
    # cost every command that diffs tens of milliseconds.
    cls = type(name, (base,), {"kind": kind, "action": action, "_reverse": reverse, "__doc__":
                              f"{action.capitalize()} a {kind}."})
    CHANGE_TYPES[name] = cls
    return cls


# Object kinds created and dropped whole; reverse() pairs them.
_KINDS = {
    "Schema": "schema", "Extension": "extension", "Enum": "enum", "Domain": "domain",
    "CompositeType": "type", "Sequence": "sequence", "Table": "table", "Column": "column",
    "Index": "index", "Constraint": "constraint", "ForeignKey": "foreign key", "View": "view",
    "Function": "function", "Trigger": "trigger", "Policy": "policy", "Grant": "privilege",
    # Format 2 kinds: created, dropped, and changed by dropping and creating (or their own ALTER).
    "Collation": "collation", "RangeType": "range type", "BaseType": "base type",
    "TextSearchParser": "text search parser", "TextSearchTemplate": "text search template",
    "TextSearchDictionary": "text search dictionary", "TextSearchConfig": "text search configuration",
    "Cast": "cast", "Operator": "operator", "OperatorFamily": "operator family",
    "OperatorClass": "operator class", "ForeignDataWrapper": "foreign-data wrapper",
    "ForeignServer": "server", "UserMapping": "user mapping", "Rule": "rule", "Publication": "publication",
    "Subscription": "subscription", "EventTrigger": "event trigger", "DefaultPrivilege": "default privileges",
    "Statistics": "extended statistics",
}

for _cls, _kind in _KINDS.items():
    add, drop = ("Grant", "Revoke") if _cls == "Grant" else (f"Add{_cls}", f"Drop{_cls}")
    _register(add, _kind, "create", drop)
    _register(drop, _kind, "drop", add)
    if _cls != "Grant":
        _register(f"Alter{_cls}", _kind, "alter")

AddSchema = CHANGE_TYPES["AddSchema"]
DropSchema = CHANGE_TYPES["DropSchema"]
AlterSchema = CHANGE_TYPES["AlterSchema"]
AddExtension = CHANGE_TYPES["AddExtension"]
DropExtension = CHANGE_TYPES["DropExtension"]
AlterExtension = CHANGE_TYPES["AlterExtension"]
AddEnum = CHANGE_TYPES["AddEnum"]
DropEnum = CHANGE_TYPES["DropEnum"]
AlterEnum = CHANGE_TYPES["AlterEnum"]
AddDomain = CHANGE_TYPES["AddDomain"]
DropDomain = CHANGE_TYPES["DropDomain"]
AlterDomain = CHANGE_TYPES["AlterDomain"]
AddCompositeType = CHANGE_TYPES["AddCompositeType"]
DropCompositeType = CHANGE_TYPES["DropCompositeType"]
AlterCompositeType = CHANGE_TYPES["AlterCompositeType"]
AddSequence = CHANGE_TYPES["AddSequence"]
DropSequence = CHANGE_TYPES["DropSequence"]
AlterSequence = CHANGE_TYPES["AlterSequence"]
AddTable = CHANGE_TYPES["AddTable"]
DropTable = CHANGE_TYPES["DropTable"]
AlterTable = CHANGE_TYPES["AlterTable"]
AddColumn = CHANGE_TYPES["AddColumn"]
DropColumn = CHANGE_TYPES["DropColumn"]
AlterColumn = CHANGE_TYPES["AlterColumn"]
AddIndex = CHANGE_TYPES["AddIndex"]
DropIndex = CHANGE_TYPES["DropIndex"]
AlterIndex = CHANGE_TYPES["AlterIndex"]
AddConstraint = CHANGE_TYPES["AddConstraint"]
DropConstraint = CHANGE_TYPES["DropConstraint"]
AlterConstraint = CHANGE_TYPES["AlterConstraint"]
AddForeignKey = CHANGE_TYPES["AddForeignKey"]
DropForeignKey = CHANGE_TYPES["DropForeignKey"]
AlterForeignKey = CHANGE_TYPES["AlterForeignKey"]
AddView = CHANGE_TYPES["AddView"]
DropView = CHANGE_TYPES["DropView"]
AlterView = CHANGE_TYPES["AlterView"]
AddFunction = CHANGE_TYPES["AddFunction"]
DropFunction = CHANGE_TYPES["DropFunction"]
AlterFunction = CHANGE_TYPES["AlterFunction"]
AddTrigger = CHANGE_TYPES["AddTrigger"]
DropTrigger = CHANGE_TYPES["DropTrigger"]
AlterTrigger = CHANGE_TYPES["AlterTrigger"]
AddPolicy = CHANGE_TYPES["AddPolicy"]
DropPolicy = CHANGE_TYPES["DropPolicy"]
AlterPolicy = CHANGE_TYPES["AlterPolicy"]
Grant = CHANGE_TYPES["Grant"]
Revoke = CHANGE_TYPES["Revoke"]
AddRule = CHANGE_TYPES["AddRule"]
AddBaseType = CHANGE_TYPES["AddBaseType"]
AddStatistics = CHANGE_TYPES["AddStatistics"]
DropStatistics = CHANGE_TYPES["DropStatistics"]
AlterStatistics = CHANGE_TYPES["AlterStatistics"]
AddTextSearchParser = CHANGE_TYPES["AddTextSearchParser"]
AddTextSearchTemplate = CHANGE_TYPES["AddTextSearchTemplate"]
DropRule = CHANGE_TYPES["DropRule"]
AlterRule = CHANGE_TYPES["AlterRule"]


@dataclass
class RenameTable(Change):
    """Rename a table (confirmed with ``--rename old:new``); ``old``/``new`` are the two Table objects."""

    kind: ClassVar[str] = "table"
    action: ClassVar[str] = "rename"

    def describe(self) -> str:
        return f"~ table {self.old.qualified_name} renamed to {self.new.name}"


@dataclass
class RenameColumn(Change):
    """Rename a column of ``parent``."""

    kind: ClassVar[str] = "column"
    action: ClassVar[str] = "rename"

    def describe(self) -> str:
        return f"~ column {self.parent}.{self.old.name} renamed to {self.new.name}"


@dataclass
class RenameIndex(Change):
    """Rename an index (same definition, new name)."""

    kind: ClassVar[str] = "index"
    action: ClassVar[str] = "rename"


@dataclass
class RenameConstraint(Change):
    """Rename a constraint (same definition, new name); ``old``/``new`` are (kind, object) pairs."""

    kind: ClassVar[str] = "constraint"
    action: ClassVar[str] = "rename"

    @property
    def name(self) -> str:
        return f"{self.old[1].name} -> {self.new[1].name}"


@dataclass
class ReplaceComment(Change):
    """A comment differs. ``old``/``new`` are the comment texts (None = no comment); ``target`` says
    what is commented, as ``(sql_object_kind, qualified_sql_name)``."""

    target: tuple[str, str] = ("", "")
    label: str = ""
    kind: ClassVar[str] = "comment"
    action: ClassVar[str] = "alter"

    @property
    def name(self) -> str:
        return self.label

    def reverse(self) -> Change:
        return ReplaceComment(old=self.new, new=self.old, parent=self.parent, target=self.target,
                              label=self.label)


for _name in ("RenameTable", "RenameColumn", "RenameIndex", "RenameConstraint", "ReplaceComment"):
    CHANGE_TYPES[_name] = globals()[_name]


@dataclass
class ProbableRename:
    """An object disappeared while one of the same shape appeared: maybe a rename, never guessed."""

    kind: str  # table | column
    old: str
    new: str

    def hint(self) -> str:
        return f"--rename {self.old}:{self.new}"


@dataclass
class GrantTarget:
    """What a Grant/Revoke applies to: the SQL object kind and its qualified SQL name."""

    object_kind: str  # TABLE, SEQUENCE, FUNCTION, SCHEMA, TYPE
    sql_name: str
    label: str
    privilege: Any = None  # the model Privilege

    @property
    def name(self) -> str:
        return self.label


@dataclass
class ChangeSet:
    """The differ's result: changes in no particular order, plus what it suspects but won't assume."""

    changes: list[Change] = field(default_factory=list)
    probable_renames: list[ProbableRename] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.changes)

    def reverse(self) -> ChangeSet:
        return ChangeSet([c.reverse() for c in self.changes], [])


@dataclass
class TableConstraint:
    """A table constraint in comparable form: ``definition`` is its text after ``CONSTRAINT name``
    (``PRIMARY KEY (id)``, ``CHECK ((price > 0))``, ``FOREIGN KEY (a) REFERENCES public.t(id)``),
    without ``NOT VALID``; ``valid`` says whether it is validated."""

    kind: str  # primary key | unique | check | exclusion | foreign key
    name: str
    definition: str
    valid: bool = True
    obj: Any = None
    comment: str | None = None

    @property
    def qualified_name(self) -> str:
        return self.name
