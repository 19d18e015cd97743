"""JSON (de)serialisation of the schema model.

The format is the dataclasses' fields, with defaults omitted on output so files stay short, and a
top-level ``format_version``. Loading is strict: an unknown key or a value of the wrong shape raises
``ModelFormatError`` naming the path to it (``tables[3].columns[0].nullable``), because a silently
ignored typo in a hand-edited model is worse than an error.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from typing import Any, get_type_hints

from aishell.model.schema import FORMAT_2_KEYS, FORMAT_VERSION, Schema

try:  # the C version when available, as json.dumps uses
    from _json import encode_basestring as _enc
except ImportError:  # pragma: no cover
    from json.encoder import py_encode_basestring as _enc


class ModelFormatError(ValueError):
    """The JSON does not describe a schema model of a format this version reads."""


def required_format_version(schema: Schema) -> int:
    """The lowest format that holds ``schema``: 2 when it has an object kind format 1 lacks, else 1,
    so that a model with none of them stays readable by a reader of format 1."""
    if any(getattr(schema, k, None) for k in FORMAT_2_KEYS):
        return 2
    if any(t.rules for t in schema.tables) or any(v.rules for v in schema.views):
        return 2
    return 1


def to_dict(obj: Any, *, keep_defaults: bool = False) -> Any:
    """Turn a model object into JSON-ready data; defaults are left out unless ``keep_defaults``."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if f.name == "format_version" and isinstance(obj, Schema):
                value = required_format_version(obj)
            if not keep_defaults and f.name != "format_version" and _is_default(f, value):
                continue
            out[f.name] = to_dict(value, keep_defaults=keep_defaults)
        return out
    if isinstance(obj, list):
        return [to_dict(v, keep_defaults=keep_defaults) for v in obj]
    if isinstance(obj, dict):
        return {str(k): to_dict(v, keep_defaults=keep_defaults) for k, v in obj.items()}
    return obj


def _is_default(f: dataclasses.Field, value: Any) -> bool:
    if f.default is not dataclasses.MISSING:
        return value == f.default
    if f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        return value == f.default_factory()  # type: ignore[misc]
    return False


def dumps(schema: Schema, *, indent: int | None = 2) -> str:
    """The model as JSON text: indent 2 (the file format) is written in one pass by ``write_json``."""
    if indent != 2:
        return json.dumps(to_dict(schema), indent=indent, ensure_ascii=False)
    chunks: list[str] = []
    write_json(schema, chunks.append)
    return "".join(chunks)


def from_dict(data: Any, *, allow_extra_keys: tuple[str, ...] = ()) -> Schema:
    """Build a Schema from JSON data, checking every field's shape.

    ``allow_extra_keys`` lists top-level keys to ignore (a design's ``requirements`` and
    ``validation`` travel beside the model in the same document).
    """
    if not isinstance(data, dict):
        raise ModelFormatError("a schema model must be a JSON object")
    if "tables" not in data and "format_version" not in data:
        raise ModelFormatError("not a schema model: no 'format_version' or 'tables' key")
    version = data.get("format_version", FORMAT_VERSION)
    if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
        raise ModelFormatError(f"unsupported format_version {version!r} (this version reads 1..{FORMAT_VERSION})")
    data = {k: v for k, v in data.items() if k not in allow_extra_keys}
    if version < 2:
        _refuse_format_2_keys(data)
    schema = _build(Schema, data, "")
    schema.format_version = FORMAT_VERSION
    return schema


def _refuse_format_2_keys(data: dict[str, Any]) -> None:
    """A format 1 document cannot hold the object kinds format 2 added: say so, naming the key."""
    for key in sorted(FORMAT_2_KEYS & set(data)):
        raise ModelFormatError(f"{key}: needs format_version 2 (the document says 1)")
    for kind in ("tables", "views"):
        items = data.get(kind)
        if isinstance(items, list):
            for i, item in enumerate(items):
                if isinstance(item, dict) and "rules" in item:
                    raise ModelFormatError(f"{kind}[{i}].rules: needs format_version 2 (the document says 1)")


def loads(text: str) -> Schema:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelFormatError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    schema = from_dict(data, allow_extra_keys=("requirements", "validation", "recommendations"))
    # A model file is hostile until checked: every field is parsed as what it claims to be (model.check).
    from aishell.model.check import check_schema

    check_schema(schema)
    return schema


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = get_type_hints(cls)
    return _HINTS[cls]


def _build(cls: type, data: Any, path: str) -> Any:
    if not isinstance(data, dict):
        raise ModelFormatError(f"{path or 'document'}: expected an object, got {type(data).__name__}")
    hints = _hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ModelFormatError(f"{path or 'document'}: unknown key {unknown[0]!r}")
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _convert(hints[f.name], data[f.name], _join(path, f.name))
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:  # type: ignore[misc]
            raise ModelFormatError(f"{path or 'document'}: missing required key {f.name!r}")
    return cls(**kwargs)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _convert(hint: Any, value: Any, path: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(hint)
        if value is None and type(None) in args:
            return None
        non_none = [a for a in args if a is not type(None)]
        return _convert(non_none[0], value, path)
    if origin is list:
        if not isinstance(value, list):
            raise ModelFormatError(f"{path}: expected a list, got {type(value).__name__}")
        (item,) = typing.get_args(hint)
        return [_convert(item, v, f"{path}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ModelFormatError(f"{path}: expected an object, got {type(value).__name__}")
        return dict(value)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, path)
    if hint is Any:
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ModelFormatError(f"{path}: expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ModelFormatError(f"{path}: expected an integer, got {value!r}")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise ModelFormatError(f"{path}: expected a string, got {value!r}")
        return value
    return value


# -- one-pass writer ----------------------------------------------------------------------------------
# ``json.dumps(to_dict(schema), indent=2)`` builds every default value anew to compare and runs json's
# pure-Python indenting encoder: about 1.5 s for a 2,000-table model, longer than pg_dump takes to dump
# it. ``write_json`` writes the very same text in one pass (tests check byte equality).
_FIELD_SPECS: dict[type, list[tuple[str, str, bool, object]]] = {}


def _field_spec(cls: type) -> list[tuple[str, str, bool, object]] | None:
    """(name, encoded '"name": ', has_default, default) per field of a dataclass; None otherwise."""
    import dataclasses
    from json.encoder import encode_basestring

    spec = _FIELD_SPECS.get(cls)
    if spec is None:
        if not dataclasses.is_dataclass(cls):
            return None
        spec = []
        for f in dataclasses.fields(cls):
            key = encode_basestring(f.name) + ": "
            if f.name == "format_version":
                spec.append((f.name, key, False, None))
            elif f.default is not dataclasses.MISSING:
                spec.append((f.name, key, True, f.default))
            elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
                spec.append((f.name, key, True, f.default_factory()))  # type: ignore[misc]
            else:
                spec.append((f.name, key, False, None))
        _FIELD_SPECS[cls] = spec
    return spec


def _object_writer(cls: type, text, enc):
    """A function writing an instance of the dataclass ``cls`` as ``text`` would (its fields in
    order, those equal to their default left out), generated once per class so that each field costs
    one attribute read and one comparison; None when ``cls`` is no dataclass."""
    spec = _field_spec(cls)
    if spec is None:
        return None
    env: dict[str, Any] = {"text": text, "enc": enc}
    lines = ["def write(value, indent):", "    inner = indent + '  '", "    items = []"]
    for k, (name, key, has_default, default) in enumerate(spec):
        env[f"K{k}"] = key
        env[f"D{k}"] = default
        lines.append(f"    v = value.{name}")
        add = f"items.append(K{k} + (enc(v) if type(v) is str else text(v, inner)))"
        if not has_default:
            lines.append(f"    {add}")
        elif default is None:
            lines.append(f"    if v is not None: {add}")
        else:
            lines.append(f"    if v != D{k}: {add}")
    lines.append("    return '{' + inner + (',' + inner).join(items) + indent + '}' if items else '{}'")
    exec(compile("\n".join(lines) + "\n", f"<json writer for {cls.__name__}>", "exec"), env)
    return env["write"]


def _floatstr(v: float) -> str:
    if v != v:
        return "NaN"
    if v in (float("inf"), float("-inf")):
        return "Infinity" if v > 0 else "-Infinity"
    return float.__repr__(v)


_WRITERS: dict[type, Any] = {}


def _text(value: Any, indent: str) -> str:
    """The JSON text of ``value`` as ``json.dumps(..., indent=2)`` writes it at the depth ``indent``
    (a newline and the spaces before the value's own line), dataclasses without their defaults."""
    t = type(value)
    if t is str:
        return _enc(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if t is int:
        return int.__repr__(value)
    if t is list or t is tuple:
        if not value:
            return "[]"
        inner = indent + "  "
        return ("[" + inner + ("," + inner).join([_enc(x) if type(x) is str else _text(x, inner) for x in value])
                + indent + "]")
    if t is dict:
        if not value:
            return "{}"
        inner = indent + "  "
        return ("{" + inner + ("," + inner).join([_enc(str(k)) + ": " + (_enc(v) if type(v) is str else _text(v, inner))
                                                  for k, v in value.items()]) + indent + "}")
    writer = _WRITERS.get(t, False)
    if writer is False:
        writer = _WRITERS[t] = _object_writer(t, _text, _enc)
    if writer is not None:
        return writer(value, indent)
    if isinstance(value, float):
        return _floatstr(value)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, str):
        return _enc(value)
    if isinstance(value, (list, tuple, dict)):
        return _text(list(value) if not isinstance(value, dict) else dict(value), indent)
    return json.dumps(value)  # raises TypeError as json.dumps would


def write_json(schema, write) -> None:
    """Write ``dumps(schema)`` through ``write``, one top-level value (one table, one view...) at a
    time, without ever holding the whole text in memory.

    Each object's text is built by joining its members' texts, by a function generated for its
    class (``_object_writer``): about twice as fast as the token-by-token writer it replaced, and
    several times faster than json's own indenting encoder."""
    import gc

    enc, text = _enc, _text
    gc_was_enabled = gc.isenabled()
    gc.disable()  # many short strings, no cycles: the collector would only slow this down
    wanted = required_format_version(schema)
    saved = schema.format_version
    schema.format_version = wanted
    try:
        # The top-level object by hand, so that each list item (a table...) is written on its own.
        items = []
        for name, key, has_default, default in _field_spec(type(schema)):
            v = getattr(schema, name)
            if not has_default or v != default:
                items.append((key, v))
        if not items:
            write("{}")
            return
        pending: list[str] = ["{"]
        size = 0
        for k, (key, v) in enumerate(items):
            pending.append(("\n  " if k == 0 else ",\n  ") + key)
            if type(v) is list and v:
                pending.append("[")
                for j, item in enumerate(v):
                    piece = ("\n    " if j == 0 else ",\n    ") + (
                        enc(item) if type(item) is str else text(item, "\n    "))
                    pending.append(piece)
                    size += len(piece)
                    if size >= 262144:
                        write("".join(pending))
                        pending.clear()
                        size = 0
                pending.append("\n  ]")
            else:
                pending.append(text(v, "\n  "))
        pending.append("\n}")
        write("".join(pending))
    finally:
        schema.format_version = saved
        if gc_was_enabled:
            gc.enable()
