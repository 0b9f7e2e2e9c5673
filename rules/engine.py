"""The only module that touches durable-rules: evaluate one set of facts, always clean up.

What the engine does and how this adapter answers it (shared/reference/ENGINE.md):

- state lives per session id until deleted, at most 1,024 live sessions per ruleset
  → a fresh sid per evaluation, `delete_state` in `finally`;
- `post` stops at the first matching rule → facts (`assert_facts`), so every rule fires;
- a session where no action ran segfaults on delete, and a fact matching nothing raises
  → a catch-all rule that matches every fact (each has a `seq`), checked to have fired;
- exceptions raised in actions are swallowed into the state → the adapter runs the
  session's actions itself (`_run_actions`) and fails the evaluation on any exception;
- the default `Host` starts timer threads that run actions of any session on a foreign
  thread → `_QuietHost` disables them, so actions run in the caller's thread;
- `$or` fires once per true branch → results deduplicated by (rule id, fact);
- loose type coercion, exponent floats, NaN → facts hold plain, validated values only;
- ruleset names are global in a Host → one Host per `RuleEngine`, built in a function.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import durable_rules_engine as _dre  # the C extension under durable.engine
from durable import engine as durable_engine

from rules.conditions import Cond
from rules.errors import EvaluationError

CATCH_ALL_ID = "engine.catch_all"
_MAX_FACT_PROPERTIES = 200  # the engine holds about 250 per fact, nested keys included

# An action message is `{"<rule id>":{"m":<the fact as asserted>}}`, and the engine keeps
# the fact's text as `json.dumps` wrote it: `_prepare` puts kind and ref first, so the rule
# id and the fact's ref are read off the head without decoding ~3 KB of JSON per action.
# Anything else (escapes, a non-string ref) falls back to `json.loads`.
_ACTION_HEAD = re.compile(r'\{"([^"\\]+)":\{"m":\{"kind": "[^"\\]*", "ref": "([^"\\]*)"[,}]')


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
        self._ruleset = f"magnesium_cds_{next(self._names)}"
        definition: dict[str, Any] = {
            # Every fact, not only the profile: a medication fact no rule matches crashes the
            # process when its session is deleted (free(): invalid pointer).
            CATCH_ALL_ID: {"all": [{"m": {"$gte": {"seq": 0}}}], "run": _unused_action}
        }
        for spec in specs:
            condition = {"$and": [{"kind": spec.fact_kind}, spec.when.json]}
            definition[spec.rule_id] = {"all": [{"m": condition}], "run": _unused_action}
        self._host = _QuietHost()
        self._host.set_rulesets({self._ruleset: definition})
        # Compiled once, here: evaluations drive this ruleset's C handle directly.
        self._ruleset_obj = self._host.get_ruleset(self._ruleset)
        self._handle = self._ruleset_obj._handle

    @property
    def rule_count(self) -> int:
        return len(self._specs)

    def evaluate(self, facts: Iterable[Mapping[str, Any]]) -> list[Fired]:
        """Assert `facts` in a fresh session and return the rules that fired, deduplicated.

        Exactly one fact must have kind "profile". Raises EvaluationError on any failure.
        """
        sid = uuid.uuid4().hex
        prepared = [_prepare(fact, sid, i) for i, fact in enumerate(facts)]
        if sum(1 for f in prepared if f["kind"] == "profile") != 1:
            raise EvaluationError("exactly one profile fact is required")
        run = _Run()
        try:
            try:
                self._run_actions(run, prepared)
            except EvaluationError:
                raise
            except Exception as exc:  # the engine's own errors (codes, observed facts)
                raise EvaluationError(f"rules engine failed: {type(exc).__name__}") from exc
            if run.errors:
                raise EvaluationError(f"a rule failed: {run.errors[0]}")
            if not run.caught_all:
                raise EvaluationError("the catch-all rule did not fire; the result is incomplete")
            return run.fired
        finally:
            self._ruleset_obj.delete_state(sid)

    def _run_actions(self, run: _Run, prepared: list[dict[str, Any]]) -> None:
        """Assert the facts and run every action the session yields, in this thread.

        The same protocol as `durable.engine.Ruleset.do_actions` (start the session's
        actions, run one, update the state, complete it and start the next), without its
        per-action overhead: no Closure or Content objects, no clock reads, no re-encoding
        of the unchanged state, and the matched fact decoded only when a hook needs it.
        """
        handle = self._handle
        result = _dre.assert_facts(handle, json.dumps(prepared, ensure_ascii=False))
        if result[0] == 1:
            raise durable_engine.MessageNotHandledException(prepared)
        if result[0] == 2:
            raise durable_engine.MessageObservedException(prepared)
        state_offset = 0 if result[0] == 3 else result[1]
        started = _dre.start_action_for_state(handle, state_offset)
        if not started:
            return
        state_json, message = started
        try:
            while message:
                self._dispatch(run, message)
                # Our actions never write the state (c.s): hand the engine back what it gave.
                _dre.update_state(handle, state_json)
                message = _dre.complete_and_start_action(handle, state_offset)
        except BaseException:
            with contextlib.suppress(Exception):  # keep the first error, not the cleanup's
                _dre.abandon_action(handle, state_offset)
            raise

    def _dispatch(self, run: _Run, message: str) -> None:
        """Record one fired action: which rule, on which fact."""
        head = _ACTION_HEAD.match(message)
        fact: Mapping[str, Any] | None = None
        if head is not None:
            rule_id, ref = head.group(1), head.group(2)
        else:  # an unusual spelling: decode the whole message
            ((rule_id, matched),) = json.loads(message).items()
            fact = matched["m"]
            ref = str(fact["ref"])
        spec = self._specs.get(rule_id)
        try:
            if spec is not None and spec.on_fire is not None:
                if fact is None:
                    ((_, matched),) = json.loads(message).items()
                    fact = matched["m"]
                spec.on_fire(fact)
            if rule_id == CATCH_ALL_ID:
                run.caught_all = True
            else:
                run.record(rule_id, ref)
        except Exception as exc:  # fail the run, as an action raising inside the engine would
            run.errors.append(f"{rule_id}: {type(exc).__name__}: {exc}")


def _unused_action(c: Any) -> None:
    """Registered with the engine, never run: `RuleEngine._run_actions` dispatches itself."""
    raise EvaluationError("rule actions run only through RuleEngine.evaluate")


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
    # kind and ref first: `_ACTION_HEAD` reads them off the head of each action message.
    out: dict[str, Any] = {
        "kind": _plain("kind", fact["kind"]),
        "ref": _plain("ref", fact["ref"]) if "ref" in fact else str(index),
    }
    for key, value in fact.items():
        if key not in out:
            kind = type(value)
            # bool, str, int and None pass unchanged (as `_plain` returns them), without a call.
            plain = value is None or kind is bool or kind is str or kind is int
            out[key] = value if plain else _plain(key, value)
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
        if value.is_integer():
            return int(value)
        # Never round here: 29.9996 rounded is 30, the other side of a threshold.
        # json spells a float as repr does; the engine rejects exponent spellings (error 204)
        if "e" in repr(value):
            raise EvaluationError(f"fact field {key!r} cannot be represented plainly")
        return value
    raise EvaluationError(f"fact field {key!r} has unsupported type {type(value).__name__}")
