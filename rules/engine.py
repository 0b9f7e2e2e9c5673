"""The only module that touches durable-rules: evaluate one set of facts, always clean up.

What the engine does and how this adapter answers it (shared/reference/ENGINE.md):

- state lives per session id until deleted, at most 1,024 live sessions per ruleset
  → a fresh sid per evaluation, `delete_state` in `finally`;
- `post` stops at the first matching rule → facts (`assert_facts`), so every rule fires;
- a session where no action ran segfaults on delete, and a fact matching nothing raises
  → a catch-all rule that matches every profile fact, checked to have fired;
- exceptions raised in actions are swallowed into the state → caught here, and the
  state's `exception` checked too; either fails the evaluation;
- the default `Host` starts timer threads that run actions of any session on a foreign
  thread → `_QuietHost` disables them, so actions run in the caller's thread;
- `$or` fires once per true branch → results deduplicated by (rule id, fact);
- loose type coercion, exponent floats, NaN → facts hold plain, validated values only;
- ruleset names are global in a Host → one Host per `RuleEngine`, built in a function.
"""

from __future__ import annotations

import itertools
import json
import math
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from durable import engine as durable_engine

from rules.conditions import Cond
from rules.errors import EvaluationError

CATCH_ALL_ID = "engine.catch_all"
_MAX_FACT_PROPERTIES = 200  # the engine holds about 250 per fact, nested keys included


@dataclass(frozen=True)
class RuleSpec:
    """What the engine needs of a rule: an id, the fact kind it reads, its condition."""

    rule_id: str
    fact_kind: str
    when: Cond
    # Extra work run inside the engine action (tests use it to prove failures surface).
    on_fire: Callable[[Mapping[str, Any]], None] | None = None


@dataclass(frozen=True)
class Fired:
    """A rule that fired on a fact (the fact's `ref` identifies which one)."""

    rule_id: str
    fact_ref: str


class _QuietHost(durable_engine.Host):
    """A Host without the background dispatcher threads (they run actions on foreign threads)."""

    def _run(self) -> None:
        return None


class RuleEngine:
    """A compiled ruleset on its own Host; `evaluate` is safe from many threads."""

    _names = itertools.count()

    def __init__(self, specs: Sequence[RuleSpec]):
        ids = [s.rule_id for s in specs]
        if len(set(ids)) != len(ids) or CATCH_ALL_ID in ids:
            raise ValueError("rule ids must be unique and must not use the catch-all id")
        self._specs = {s.rule_id: s for s in specs}
        self._runs: dict[str, _Run] = {}
        self._runs_lock = threading.Lock()
        self._ruleset = f"magnesium_cds_{next(self._names)}"
        definition: dict[str, Any] = {
            CATCH_ALL_ID: {"all": [{"m": {"kind": "profile"}}], "run": self._action(CATCH_ALL_ID)}
        }
        for spec in specs:
            condition = {"$and": [{"kind": spec.fact_kind}, spec.when.json]}
            definition[spec.rule_id] = {"all": [{"m": condition}], "run": self._action(spec.rule_id)}
        self._host = _QuietHost()
        self._host.set_rulesets({self._ruleset: definition})

    @property
    def rule_count(self) -> int:
        return len(self._specs)

    def evaluate(self, facts: Iterable[Mapping[str, Any]]) -> list[Fired]:
        """Assert `facts` in a fresh session and return the rules that fired, deduplicated.

        Exactly one fact must have kind "profile". Raises EvaluationError on any failure.
        """
        sid = uuid.uuid4().hex
        run = _Run()
        prepared = [_prepare(fact, sid, i) for i, fact in enumerate(facts)]
        if sum(1 for f in prepared if f["kind"] == "profile") != 1:
            raise EvaluationError("exactly one profile fact is required")
        with self._runs_lock:
            self._runs[sid] = run
        try:
            try:
                state = self._host.assert_facts(self._ruleset, prepared)
            except EvaluationError:
                raise
            except Exception as exc:  # the engine's own errors (codes, observed facts)
                raise EvaluationError(f"rules engine failed: {type(exc).__name__}") from exc
            if run.errors:
                raise EvaluationError(f"a rule failed: {run.errors[0]}")
            if isinstance(state, Mapping) and state.get("exception"):
                raise EvaluationError("a rule failed inside the engine")
            if not run.caught_all:
                raise EvaluationError("the catch-all rule did not fire; the result is incomplete")
            return run.fired
        finally:
            try:
                self._host.delete_state(self._ruleset, sid)
            finally:
                with self._runs_lock:
                    self._runs.pop(sid, None)

    def _action(self, rule_id: str) -> Callable[[Any], None]:
        spec = self._specs.get(rule_id)

        def action(c: Any) -> None:
            fact = c.m._d  # the matched fact as a plain dict; reading only, never writing c.s
            run = self._runs.get(fact.get("sid"))
            if run is None:  # no evaluation owns this session: nothing to record into
                return
            try:
                if spec is not None and spec.on_fire is not None:
                    spec.on_fire(fact)
                if rule_id == CATCH_ALL_ID:
                    run.caught_all = True
                else:
                    run.record(rule_id, str(fact["ref"]))
            except Exception as exc:  # the engine would swallow it: keep it to fail the run
                run.errors.append(f"{rule_id}: {type(exc).__name__}: {exc}")

        return action


class _Run:
    """What one evaluation collected from its actions."""

    __slots__ = ("fired", "seen", "errors", "caught_all")

    def __init__(self) -> None:
        self.fired: list[Fired] = []
        self.seen: set[tuple[str, str]] = set()
        self.errors: list[str] = []
        self.caught_all = False

    def record(self, rule_id: str, ref: str) -> None:
        if (rule_id, ref) not in self.seen:  # `$or` fires once per true branch
            self.seen.add((rule_id, ref))
            self.fired.append(Fired(rule_id, ref))


def _prepare(fact: Mapping[str, Any], sid: str, index: int) -> dict[str, Any]:
    """Copy a flat fact with plain values only, stamped with the session and a unique ref."""
    if "kind" not in fact:
        raise EvaluationError("every fact needs a kind")
    out: dict[str, Any] = {}
    for key, value in fact.items():
        out[key] = _plain(key, value)
    out.setdefault("ref", str(index))
    out["sid"] = sid
    out["seq"] = index  # keeps identical facts distinct (the engine rejects repeats)
    if len(out) > _MAX_FACT_PROPERTIES:
        raise EvaluationError(f"a fact has {len(out)} properties; the engine holds about 250")
    return out


def _plain(key: str, value: Any) -> Any:
    """Return a value the engine compares correctly, or raise EvaluationError."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise EvaluationError(f"fact field {key!r} is not a finite number")
        value = round(value, 3)
        if value.is_integer():
            return int(value)
        if "e" in json.dumps(value):  # the engine fails on exponent spellings (error 204)
            raise EvaluationError(f"fact field {key!r} cannot be represented plainly")
        return value
    raise EvaluationError(f"fact field {key!r} has unsupported type {type(value).__name__}")
