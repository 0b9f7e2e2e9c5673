"""A small vocabulary for rule conditions, compiled to durable-rules' JSON form.

Rule modules write ``F.egfr < EGFR_SEVERE_BELOW.value`` and get the engine's
``{"$lt": {"egfr": 30}}``; only `rules.engine` hands it to durable-rules. Written by hand
because durable's own DSL (`durable.lang`) carries the engine's global state with it.
"""

from __future__ import annotations

from typing import Any


class Cond:
    """A condition on one fact: combine with ``&`` (all) and ``|`` (any)."""

    __slots__ = ("json",)

    def __init__(self, json: dict[str, Any]):
        self.json = json

    def __and__(self, other: Cond) -> Cond:
        return Cond({"$and": _flat("$and", self.json) + _flat("$and", other.json)})

    def __or__(self, other: Cond) -> Cond:
        return Cond({"$or": _flat("$or", self.json) + _flat("$or", other.json)})

    def __invert__(self) -> Cond:
        return Cond(_negate(self.json))

    def __repr__(self) -> str:
        return f"Cond({self.json!r})"


def _flat(op: str, json: dict[str, Any]) -> list[dict[str, Any]]:
    """Keep `a | b | c` one flat list: the engine refuses deeply nested expressions."""
    return list(json[op]) if list(json) == [op] else [json]


_NEGATED = {"$lt": "$gte", "$gte": "$lt", "$gt": "$lte", "$lte": "$gt", "$neq": ""}


def _negate(json: dict[str, Any]) -> dict[str, Any]:
    """Negate by De Morgan: the engine's bare `$not` loops forever on some shapes."""
    ((op, arg),) = json.items()
    if op == "$and":
        return {"$or": [_negate(x) for x in arg]}
    if op == "$or":
        return {"$and": [_negate(x) for x in arg]}
    if op in _NEGATED:
        return {_NEGATED[op]: arg} if _NEGATED[op] else dict(arg)
    if op.startswith("$"):
        raise ValueError(f"cannot negate {op}")
    return {"$neq": {op: arg}}


class _Field:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def _cmp(self, op: str, value: Any) -> Cond:
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # the engine rejects some float spellings; keep it plain
        return Cond({op: {self.name: value}} if op else {self.name: value})

    def __eq__(self, value: Any) -> Cond:  # type: ignore[override]
        return self._cmp("", value)

    def __ne__(self, value: Any) -> Cond:  # type: ignore[override]
        return self._cmp("$neq", value)

    def __lt__(self, value: Any) -> Cond:
        return self._cmp("$lt", value)

    def __le__(self, value: Any) -> Cond:
        return self._cmp("$lte", value)

    def __gt__(self, value: Any) -> Cond:
        return self._cmp("$gt", value)

    def __ge__(self, value: Any) -> Cond:
        return self._cmp("$gte", value)

    __hash__ = None  # type: ignore[assignment]


class _Fields:
    def __getattr__(self, name: str) -> _Field:
        return _Field(name)


F = _Fields()
"""Fields of the fact a rule matches: ``F.age >= 65``."""


def any_true(*names: str) -> Cond:
    """True when any of the boolean fact fields is true (one OR over flags)."""
    conds = [getattr(F, n) == True for n in names]  # builds JSON, not a test
    out = conds[0]
    for c in conds[1:]:
        out = out | c
    return out


def all_of(*conds: Cond) -> Cond:
    """True when every condition holds."""
    return Cond({"$and": [c.json for c in conds]}) if len(conds) > 1 else conds[0]


def flag(token: str) -> str:
    """Name of the boolean fact field for a red-flag or symptom token."""
    return f"t_{token}"
