"""A marshmallow output schema compiled once into plain functions (`compile_dump`).

Why by hand: marshmallow dumps field by field through its generic machinery, about a
third of a millisecond for one recommendation, which was the largest single cost of a
request after the rules themselves (bench/profile_http.py). No maintained library compiles
a marshmallow schema, so this reads the schema's own declarations and builds the same
dump from them: the schema stays the one description of the JSON (OpenAPI included), and
tests/api/test_compiled_dump.py checks the result equals `schema.dump` for many profiles.

Only the field types the output schemas use are supported; any other field type, or a
schema with dump hooks, is refused when compiling, never dumped differently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from marshmallow import Schema, fields, missing

Dump = Callable[[Any], Any]
_MISSING = object()


def compile_dump(schema: Schema | type[Schema]) -> Callable[[Any], dict[str, Any]]:
    """Return a function that dumps one object exactly as `schema.dump` would."""
    instance = schema() if isinstance(schema, type) else schema
    if instance._hooks.get("pre_dump") or instance._hooks.get("post_dump"):
        raise TypeError(f"{type(instance).__name__} has dump hooks; not compilable")
    if instance.only is not None or instance.exclude:
        raise TypeError(f"{type(instance).__name__} uses only/exclude; not compilable")
    plan = [
        (field.data_key or name, field.attribute or name, _compile_field(field))
        for name, field in instance.dump_fields.items()
    ]

    def dump(obj: Any) -> dict[str, Any]:
        out = {}
        if isinstance(obj, Mapping):
            for key, attribute, convert in plan:
                value = obj.get(attribute, _MISSING)
                if value is not _MISSING:  # marshmallow leaves a missing attribute out
                    out[key] = convert(value)
        else:
            for key, attribute, convert in plan:
                value = getattr(obj, attribute, _MISSING)
                if value is not _MISSING:
                    out[key] = convert(value)
        return out

    return dump


def _compile_field(field: fields.Field) -> Dump:
    if field.dump_default is not missing or "." in (field.attribute or ""):
        raise TypeError("dump_default and dotted attributes are not compilable")
    # Order matters: Integer and Float are Numbers, Nested and List are plain Fields.
    if isinstance(field, fields.Nested):
        if field.many or field.only or field.exclude:
            raise TypeError("Nested with many/only/exclude is not compilable")
        return _none_or(compile_dump(field.schema))
    if isinstance(field, fields.List):
        inner = _compile_field(field.inner)
        return _none_or(lambda value: [inner(item) for item in value])
    if type(field) is fields.String:
        return _text
    if type(field) is fields.Integer and not field.as_string:
        return _none_or(int)
    if type(field) is fields.Float and not field.as_string:
        return _none_or(float)
    if type(field) is fields.Boolean:
        return _identity  # marshmallow dumps a Boolean's value unchanged
    if type(field) is fields.Dict and field.key_field is None and field.value_field is None:
        return _none_or(dict)
    raise TypeError(f"{type(field).__name__} is not supported by compile_dump")


def _none_or(convert: Dump) -> Dump:
    return lambda value: None if value is None else convert(value)


def _identity(value: Any) -> Any:
    return value


def _text(value: Any) -> str | None:  # marshmallow.utils.ensure_text_type
    if value is None or type(value) is str:
        return value
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
