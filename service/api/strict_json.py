"""The one JSON reader for request bodies (the JSON API and CDS Hooks): strict, bounded.

Python's `json` accepts what a hostile client can use to turn a request into a 500, or
into a silent guess: NaN and Infinity; numbers that overflow (`1e400` becomes inf,
`10**400` raises OverflowError wherever it meets a float); a 5,000-digit number (past
Python's int-string limit, a ValueError); the same key twice (the last one silently
wins); and `\\u0000`, which PostgreSQL cannot store in a text column. Each is refused
here, as `InvalidJSON` with a message naming the problem, never the value.
"""

from __future__ import annotations

import json
import math
from typing import Any

# No number the service reads needs more characters than this; a longer one is refused
# before Python converts it (which may take quadratic time, or raise).
MAX_NUMBER_CHARS = 40
NUL = "\x00"


class InvalidJSON(ValueError):
    """The body is not JSON the service accepts; the message says why."""


def loads(text: str) -> Any:
    """Parse `text` as strict JSON; InvalidJSON (a ValueError) when it is not."""
    try:
        value = json.loads(
            text,
            parse_int=_int,
            parse_float=_float,
            parse_constant=_constant,
            object_pairs_hook=_object,
        )
    except RecursionError:
        raise InvalidJSON("nested too deeply") from None
    except InvalidJSON:
        raise
    except json.JSONDecodeError as error:
        raise InvalidJSON(f"{error.msg} (line {error.lineno}, column {error.colno})") from None
    if not isinstance(value, dict):
        _check_strings(value)  # objects were checked as they were built
    return value


def _int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise InvalidJSON(f"a number has more than {MAX_NUMBER_CHARS} digits")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise InvalidJSON(f"a number has more than {MAX_NUMBER_CHARS} characters")
    value = float(text)
    if not math.isfinite(value):
        raise InvalidJSON("a number is too large")
    return value


def _constant(name: str) -> Any:
    raise InvalidJSON(f"{name} is not valid JSON")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise InvalidJSON(f"the key {key[:40]!r} appears twice in one object")
        if NUL in key:
            raise InvalidJSON("a key holds a NUL character (\\u0000)")
        if not isinstance(value, dict):  # a nested object was checked when it was built
            _check_strings(value)
        out[key] = value
    return out


def _check_strings(value: Any) -> None:
    """Refuse NUL in a string, or in the strings of a list (lists nest; dicts are done)."""
    if isinstance(value, str):
        if NUL in value:
            raise InvalidJSON("a string holds a NUL character (\\u0000)")
    elif isinstance(value, list):
        for item in value:
            if not isinstance(item, dict):
                _check_strings(item)
