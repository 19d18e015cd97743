"""The schema model: plain typed data, JSON (de)serialisation and the FK dependency graph."""

from aishell.model.schema import (
    FORMAT_VERSION,
    CheckConstraint,
    Column,
    CompositeType,
    Domain,
    EnumType,
    ExclusionConstraint,
    Extension,
    ForeignKey,
    Function,
    Index,
    Namespace,
    Policy,
    Privilege,
    Schema,
    Sequence,
    Table,
    Trigger,
    UniqueConstraint,
    View,
)
from aishell.model.serialize import ModelFormatError, dumps, from_dict, loads, to_dict

__all__ = [
    "FORMAT_VERSION", "CheckConstraint", "Column", "CompositeType", "Domain", "EnumType",
    "ExclusionConstraint", "Extension", "ForeignKey", "Function", "Index", "ModelFormatError",
    "Namespace", "Policy", "Privilege", "Schema", "Sequence", "Table", "Trigger", "UniqueConstraint",
    "View", "dumps", "from_dict", "loads", "to_dict",
]
