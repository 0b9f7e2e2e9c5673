"""A rule's compiled condition (durable-rules JSON) in words a reviewer reads.

Works on the JSON itself, so it reads the condition of any rule, including rules of an
older knowledge base loaded from a git revision (`service.governance.kb_diff`).
"""

from __future__ import annotations

from typing import Any

_OPS = {"$lt": "<", "$lte": "≤", "$gt": ">", "$gte": "≥", "$neq": "≠"}


def readable(json: dict[str, Any]) -> str:
    """Return `json` as one line: ``eGFR known and egfr < 30`` style, brackets where needed."""
    return _text(json, top=True)


def _text(json: dict[str, Any], top: bool = False) -> str:
    ((op, arg),) = json.items()
    if op in ("$and", "$or"):
        joiner = " and " if op == "$and" else " or "
        inner = joiner.join(_text(x) for x in arg)
        return inner if top or len(arg) == 1 else f"({inner})"
    if op in _OPS:
        ((field, value),) = arg.items()
        return f"{_field(field)} {_OPS[op]} {_value(value)}"
    return f"{_field(op)} = {_value(arg)}"


def _field(name: str) -> str:
    return f"flag:{name[2:]}" if name.startswith("t_") else name


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return f"{value:g}" if isinstance(value, float) else str(value)
