"""Strict fields: JSON types are checked, never coerced ("58" is not an age, 1 is not true)."""

import math
from typing import Any

from marshmallow import fields


class StrictBoolean(fields.Boolean):
    """A JSON true or false, nothing else."""

    truthy = {True}
    falsy = {False}

    def _deserialize(self, value: Any, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class StrictNumber(fields.Float):
    """A finite JSON number (not a string, not a boolean)."""

    def __init__(self, **kwargs: Any):
        super().__init__(allow_nan=False, **kwargs)

    def _deserialize(self, value: Any, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.make_error("special")
        return float(value)


class StrictInteger(fields.Integer):
    """A JSON whole number (58 or 58.0, not "58", not 58.5, not true)."""

    def __init__(self, **kwargs: Any):
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return super()._deserialize(value, attr, data, **kwargs)


class StrictString(fields.String):
    """A JSON string, stripped; blank strings are treated as missing by the caller."""

    def _deserialize(self, value: Any, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs).strip()
