"""What would change this answer: the nearest inputs under which a finding would not fire.

Derived from the rules' compiled conditions (the engine JSON of `rules.conditions`), never
written per rule, so it covers rules this module has never seen:

1. negate the condition of every rule that yields the finding's code (De Morgan) and put it
   in disjunctive normal form: each conjunction is one way for the finding not to fire;
2. keep the comparisons the patient's fact does not meet yet: those are the changes;
3. drop ways that need an input nobody can change (age, a red flag: `rules.data.inputs`),
   or that make a known value unknown (not knowing is never an answer);
4. put each change at its nearest value (eGFR < 30 → 30) and check, by evaluating every
   rule's condition on the changed fact, that no other finding as strong or stronger
   starts firing; if one does, its code joins the group and the search repeats, so the
   answer for eGFR 10 is "30 or more", not "15 or more" (which only trades kidney failure
   for severe kidney disease);
5. given the profile, apply the change to it (`apply`) and check on the facts derived
   again: one input can move others (a medicine stopped is also intake no longer taken).

`apply` turns a counterfactual back into a changed `Profile` (tests show the finding goes).
"""

from __future__ import annotations

import contextvars
import dataclasses
import itertools
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from rules.conditions import flag
from rules.data.forms import normalise_form
from rules.data.inputs import CHANGEABLE_TOKENS, UNDESCRIBED, Input, input_for
from rules.governance.document import thresholds
from rules.model import Creatinine, LabValue, MagnesiumProduct, Medication, Profile

Leaf = tuple[str, str, Any]  # (field, operator, value); operators as below
Option = frozenset[Leaf]

_JSON_OPS = {"$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">=", "$neq": "!="}
_NEGATED = {"<": ">=", ">=": "<", ">": "<=", "<=": ">", "==": "!=", "!=": "=="}
_SYMBOLS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}
_EFFECT_RANK = {"refer": 0, "avoid": 1, "caution": 2, "info": 3}
MAX_OPTIONS = 256  # a condition whose negation has more ways than this is reported, not solved
MAX_ROUNDS = 4
_MISSING = object()
_REMOVED = "__removed__"  # a medication fact whose drug is stopped is no longer asserted


class TooComplex(Exception):
    """The negated condition has more ways to be false than MAX_OPTIONS."""


# --- conditions as leaves ------------------------------------------------------------------


def dnf(json: Mapping[str, Any], negate: bool = False) -> list[Option]:
    """The condition (or its negation) as a list of conjunctions of leaves."""
    ((op, arg),) = json.items()
    if op in ("$and", "$or"):
        parts = [dnf(child, negate) for child in arg]
        if (op == "$and") != negate:  # a conjunction (De Morgan swaps them under negation)
            out: list[Option] = [frozenset()]
            for part in parts:
                out = _minimal([a | b for a, b in itertools.product(out, part)])
                if len(out) > MAX_OPTIONS:
                    raise TooComplex(f"more than {MAX_OPTIONS} ways")
            return out
        return _minimal([option for part in parts for option in part])
    if op in _JSON_OPS:
        ((field, value),) = arg.items()
        leaf: Leaf = (field, _JSON_OPS[op], value)
    else:
        leaf = (op, "==", arg)
    if negate:
        leaf = (leaf[0], _NEGATED[leaf[1]], leaf[2])
    return [frozenset([leaf])]


def _minimal(options: list[Option]) -> list[Option]:
    """Drop duplicates and any conjunction that contains a smaller one."""
    unique = sorted(set(options), key=lambda o: (len(o), sorted(map(repr, o))))
    kept: list[Option] = []
    for option in unique:
        if not any(k <= option for k in kept):
            kept.append(option)
    return kept


def holds(leaf: Leaf, fact: Mapping[str, Any]) -> bool:
    """Whether `fact` meets one comparison (a missing field meets none)."""
    field, op, value = leaf
    have = fact.get(field, _MISSING)
    if have is _MISSING or have is None or isinstance(have, _Not):
        return op == "!=" and isinstance(have, _Not) and have.value == value
    try:
        if op == "==":
            return bool(have == value)
        if op == "!=":
            return bool(have != value)
        if op == "<":
            return bool(have < value)
        if op == "<=":
            return bool(have <= value)
        if op == ">":
            return bool(have > value)
        return bool(have >= value)
    except TypeError:
        return False


def condition_holds(json: Mapping[str, Any], fact: Mapping[str, Any]) -> bool:
    """Evaluate engine condition JSON on a plain fact, as the engine would."""
    ((op, arg),) = json.items()
    if op == "$and":
        return all(condition_holds(x, fact) for x in arg)
    if op == "$or":
        return any(condition_holds(x, fact) for x in arg)
    if op in _JSON_OPS:
        ((field, value),) = arg.items()
        return holds((field, _JSON_OPS[op], value), fact)
    return holds((op, "==", arg), fact)


# --- conditions compiled to predicates ---------------------------------------------------
# The search checks every rule's condition on many candidate facts per evaluation: each
# condition is compiled once into nested closures with `condition_holds`'s semantics
# (a differential test holds them equal), instead of walking the JSON tree per check.

Predicate = Callable[[Mapping[str, Any]], bool]
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _compile_leaf(field: str, op: str, value: Any) -> Predicate:
    compare = _COMPARE[op]
    not_equal = op == "!="

    def leaf(fact: Mapping[str, Any]) -> bool:
        have = fact.get(field)  # missing and None are alike here, as in `holds`
        if have is None or isinstance(have, _Not):
            return not_equal and isinstance(have, _Not) and have.value == value
        try:
            return bool(compare(have, value))
        except TypeError:
            return False

    return leaf


def _compile(json: Mapping[str, Any]) -> Predicate:
    ((op, arg),) = json.items()
    if op in ("$and", "$or"):
        parts = tuple(_compile(x) for x in arg)
        if len(parts) == 1:
            return parts[0]
        if op == "$and":

            def every(fact: Mapping[str, Any]) -> bool:
                for part in parts:
                    if not part(fact):
                        return False
                return True

            return every

        def some(fact: Mapping[str, Any]) -> bool:
            for part in parts:
                if part(fact):
                    return True
            return False

        return some
    if op in _JSON_OPS:
        ((field, value),) = arg.items()
        return _compile_leaf(field, _JSON_OPS[op], value)
    return _compile_leaf(op, "==", arg)


_PREDICATES: dict[int, tuple[Any, Predicate]] = {}


def predicate(json: Mapping[str, Any]) -> Predicate:
    """`condition_holds` for one condition, compiled once (cached per condition object)."""
    hit = _PREDICATES.get(id(json))
    if hit is not None and hit[0] is json:
        return hit[1]
    compiled = _compile(json)
    if len(_PREDICATES) < 4096:  # bounded: a process compiles a handful of rule sets
        _PREDICATES[id(json)] = (json, compiled)
    return compiled


# Rules live as long as the process: their conditions' normal forms are computed once.
_DNF_CACHE: dict[tuple[tuple[int, ...], bool], tuple[tuple[Any, ...], list[Option]]] = {}


def _ways_out(members: Sequence[Any]) -> list[Option]:
    """The negation of the members' conditions, OR-ed, in normal form (cached per rule set)."""
    conditions = tuple(m.when.json for m in members)
    key = (tuple(map(id, conditions)), True)
    hit = _DNF_CACHE.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], conditions, strict=True)):
        return hit[1]
    ways = dnf({"$or": list(conditions)}, negate=True)
    if len(_DNF_CACHE) < 4096:  # bounded: a process compiles a handful of rule sets
        _DNF_CACHE[key] = (conditions, ways)
    return ways


@dataclasses.dataclass(frozen=True)
class _Not:
    """A choice changed to something other than `value` (the table has no other values)."""

    value: Any


# --- the search ----------------------------------------------------------------------------


def _fields_in(json: Mapping[str, Any]) -> frozenset[str]:
    """Every fact field a condition names (a superset of what decides it; never too complex)."""
    ((op, arg),) = json.items()
    if op in ("$and", "$or"):
        return frozenset().union(*(_fields_in(x) for x in arg))
    if op in _JSON_OPS:
        return frozenset(arg)
    return frozenset([op])


@dataclasses.dataclass(frozen=True)
class _Checked:
    """One rule as the search checks it: its compiled condition and the fields it reads."""

    rule: Any
    code: str
    rank: int
    fields: frozenset[str]
    holds: Predicate


class _Kind:
    """The rules reading one kind of fact, compiled and indexed by the fields they read."""

    def __init__(self, rules: list[Any]):
        self.rules = rules
        self.checked = [
            _Checked(
                r, r.code, _EFFECT_RANK[r.effect], _fields_in(r.when.json), predicate(r.when.json)
            )
            for r in rules
        ]
        self.by_field: dict[str, list[_Checked]] = {}
        for c in self.checked:
            for name in c.fields:
                self.by_field.setdefault(name, []).append(c)
        self.cuts: dict[str, list[Any]] = {}  # `_example`'s trial values, per field


class Compiled:
    """A rule set compiled for the search, once (a knowledge base builds it with its engine)."""

    def __init__(self, rules: Iterable[Any]):
        self.rules = list(rules)
        self._kinds: dict[str, _Kind] = {}

    def kind(self, fact_kind: str) -> _Kind:
        hit = self._kinds.get(fact_kind)
        if hit is None:
            rules = [r for r in self.rules if getattr(r, "fact_kind", "profile") == fact_kind]
            hit = self._kinds[fact_kind] = _Kind(rules)
        return hit


class Memo:
    """Work shared by the searches of one evaluation (one profile, one rule set): each
    candidate profile's facts derived once, and each rule's answer on each finding's own
    fact. Never shared across evaluations (or the benchmark would time a cache)."""

    def __init__(self, rules: Iterable[Any] | Compiled, facts: Any = None):
        """`facts`: the evaluation's own derived facts, when the caller has them."""
        self.compiled = rules if isinstance(rules, Compiled) else Compiled(rules)
        # Profiles the setters pass through (`_reduce_until` stops products one by one,
        # and several ways out start from the same ones), each derived once.
        self.derived: dict[Any, Any] = {} if facts is None else {facts.profile: facts}
        self.after: dict[tuple[int, str], Any] = {}  # a derived fact, or the error raised
        # Keyed by ids of objects the evaluation holds alive (its facts, the compiled rules).
        self.before: dict[tuple[int, int], bool] = {}
        self._views: dict[str, _View] = {}

    def view(self, fact_kind: str) -> _View:
        hit = self._views.get(fact_kind)
        if hit is None:
            hit = self._views[fact_kind] = _View(self.compiled.kind(fact_kind), self)
        return hit


class _View:
    """One kind's compiled rules with this evaluation's memo."""

    def __init__(self, kind: _Kind, memo: Memo):
        self.rules = kind.rules
        self.checked = kind.checked
        self._by_field = kind.by_field
        self.cuts = kind.cuts
        self.memo = memo

    def touched(self, moved: Iterable[str], rank: int, group: set[str]) -> list[_Checked]:
        """Rules outside `group`, as strong as `rank`, that read a moved field."""
        seen: dict[int, _Checked] = {}
        for name in moved:
            for c in self._by_field.get(name, ()):
                if c.code not in group and c.rank <= rank:
                    seen[id(c)] = c
        return list(seen.values())

    def held(self, c: _Checked, fact: Mapping[str, Any]) -> bool:
        """Whether `c` holds on a finding's own fact (asked of each fact many times)."""
        key = (id(c), id(fact))
        before = self.memo.before
        hit = before.get(key)
        if hit is None:
            hit = before[key] = c.holds(fact)
        return hit


def counterfactual(
    rule: Any,
    rules: Iterable[Any],
    fact: Mapping[str, Any],
    profile: Profile | None = None,
    memo: Memo | None = None,
) -> dict | None:
    """What would make `rule`'s finding not fire on `fact`, as plain JSON; None for an info
    finding (it changes no answer). Never raises: a case it cannot solve says so.

    With `profile` (the one `fact` was derived from), each way out is also applied to the
    profile and checked on the facts derived again: one input can move others with it
    (stopping a magnesium medicine of unknown amount also leaves no oral magnesium, which
    can start `review.unexplained_signs`), and only the real profile shows that.

    `memo` shares work between the findings of one evaluation: build one `Memo(rules)`
    per evaluation and pass it with the same `rules` and `profile` each time."""
    if rule.effect == "info":
        return None
    memo = memo if memo is not None else Memo(rules)
    try:
        return _search(rule, fact, profile, memo)
    except TooComplex:
        return {
            "changeable": None,
            "text": "Too many combinations of inputs to say what would change this finding.",
            "options": [],
            "fixed": [],
        }


def _search(rule: Any, fact: Mapping[str, Any], profile: Profile | None, memo: Memo) -> dict:
    view = memo.view(rule.fact_kind)
    rules = view.rules
    rank = _EFFECT_RANK[rule.effect]
    group = {rule.code}
    fixed: dict[str, Leaf] = {}
    for _ in range(MAX_ROUNDS):
        members = [r for r in rules if r.code in group]
        ways = _ways_out(members)
        good: list[tuple[list[Leaf], dict[str, Any]]] = []
        stronger: set[str] = set()
        for way in ways:
            changes = sorted(leaf for leaf in way if not holds(leaf, fact))
            if not changes or any(_makes_unknown(leaf) for leaf in changes):
                continue
            if any(fact.get(leaf[0]) is None for leaf in changes):
                continue  # an unknown value: the way through its `*_known` flag covers it
            stuck = [leaf for leaf in changes if _fixed_leaf(leaf)]
            if stuck:
                for leaf in stuck:
                    if not _starts_something(leaf, fact):
                        fixed.setdefault(leaf[0], leaf)
                continue
            changed = _realise(sorted(way), changes, fact, view, rank, group)
            if changed is None:
                continue
            newly = _newly_firing(changed, fact, view, rank, group)
            if not newly and profile is not None:
                real = _on_the_profile(profile, changes, changed, fact, view, rank, group)
                if real is None:
                    continue
                newly = real
            if newly:
                stronger |= newly
                continue
            good.append((changes, changed))
        # Keep the smallest sets of changes: "serum ≤ 2.6", not also "and eGFR ≥ 30".
        good = [(c, f) for c, f in good if not any(set(o) < set(c) for o, _ in good)]
        # Two rules of a group can leave the same way out: say it once.
        good = list({tuple(c): (c, f) for c, f in good}.values())
        if good:
            return _answer(good, fact, fixed)
        if not stronger:
            break
        group |= stronger
    return _answer([], fact, fixed)


def _on_the_profile(
    profile: Profile,
    changes: list[Leaf],
    changed: Mapping[str, Any],
    fact: Mapping[str, Any],
    view: _View,
    rank: int,
    group: set[str],
) -> set[str] | None:
    """Apply one way out to the profile and read its facts again: the codes as strong that
    it starts, or None when the finding would still fire. A medication fact (the drug is
    stopped) or a change no setter makes is left to the fact-level check."""
    from rules.errors import ProfileError

    if fact.get("kind") != "profile":
        return set()
    option = {"changes": [_change(f, leaves, fact, changed) for f, leaves in _fields(changes)]}
    # Many findings try the same change: the changed profile's facts are derived once
    # (keyed by what the setters read, for this evaluation's profile only).
    key = (
        id(profile),
        repr(
            [
                (c["input"], c.get("set"), c.get("example"), c.get("drug"), c.get("exclude"))
                for c in option["changes"]
            ]
        ),
    )
    if key not in view.memo.after:
        token = _DERIVED.set(view.memo.derived)
        try:
            view.memo.after[key] = _derive(apply(profile, option)).engine_facts()[0]
        except CannotApply:
            view.memo.after[key] = CannotApply
        except ProfileError:
            view.memo.after[key] = ProfileError
        finally:
            _DERIVED.reset(token)
    after = view.memo.after[key]
    if after is CannotApply:
        return set()
    if after is ProfileError or not isinstance(after, dict):
        return None
    if any(c.holds(after) for c in view.checked if c.code in group):
        return None
    # A rule reading none of the fields the change moved answers as it did before.
    moved = [
        k for k in after.keys() | fact.keys() if after.get(k, _MISSING) != fact.get(k, _MISSING)
    ]
    return {
        c.code
        for c in view.touched(moved, rank, group)
        if c.holds(after) and not view.held(c, fact)
    }


def _fixed_leaf(leaf: Leaf) -> bool:
    """A change nobody can make: a fixed input, or a yes/no or category this module does
    not know (a new rule's recorded condition is never promised away)."""
    info = input_for(leaf[0])
    return bool(info.fixed) or (not info.described and leaf[1] in ("==", "!="))


def _starts_something(leaf: Leaf, fact: Mapping[str, Any]) -> bool:
    """A way out that needs something none is taken of (a first magnesium product): not
    a fact the finding rests on, so not listed as one."""
    field, op, _ = leaf
    return input_for(field).kind == "count" and op in (">", ">=", "!=") and fact.get(field) == 0


def _makes_unknown(leaf: Leaf) -> bool:
    field, op, value = leaf
    known = input_for(field).kind == "known"
    return known and ((op == "==" and value is False) or (op == "!=" and value is True))


def _realise(
    way: list[Leaf],
    changes: list[Leaf],
    fact: Mapping[str, Any],
    view: _View,
    rank: int,
    group: set[str],
) -> dict[str, Any] | None:
    """The fact with each change at its nearest value; None when the way contradicts itself."""
    changed = dict(fact)
    moved = {leaf[0] for leaf in changes}
    by_field: dict[str, list[Leaf]] = {}
    for leaf in way:
        if leaf[0] in moved:  # every bound on a moved field, met or not, places its value
            by_field.setdefault(leaf[0], []).append(leaf)
    for field, leaves in by_field.items():
        info = input_for(field)
        if info.kind == "drug":
            return {_REMOVED: True}  # the medicine is stopped: no rule reads this fact
        value = _nearest(leaves, fact.get(field), info)
        if value is _MISSING:
            return None
        changed[field] = value
        if info.kind == "known" and value is True and info.companion:
            changed[info.companion] = _example(info.companion, changed, fact, view, rank, group)
    if not all(holds(leaf, changed) for leaf in way):
        return None
    return changed


def _nearest(leaves: list[Leaf], now: Any, info: Input) -> Any:
    equal = [v for _, op, v in leaves if op == "=="]
    if equal:
        return equal[0]
    if all(op == "!=" for _, op, _ in leaves):
        value = leaves[0][2]
        return (not value) if isinstance(value, bool) else _Not(value)
    low, low_strict, high, high_strict = _bounds(leaves)
    value = now if isinstance(now, int | float) and not isinstance(now, bool) else None
    if low is not None and (value is None or value < low or (low_strict and value == low)):
        value = low + info.step if low_strict else low
    if high is not None and (value is None or value > high or (high_strict and value == high)):
        value = high - info.step if high_strict else high
    if value is None:
        return _MISSING
    return round(value, 6)


def _bounds(leaves: list[Leaf]) -> tuple[Any, bool, Any, bool]:
    low = high = None
    low_strict = high_strict = False
    for _, op, v in leaves:
        if op in (">", ">=") and (low is None or v > low or (v == low and op == ">")):
            low, low_strict = v, op == ">"
        if op in ("<", "<=") and (high is None or v < high or (v == high and op == "<")):
            high, high_strict = v, op == "<"
    return low, low_strict, high, high_strict


def _example(
    field: str,
    changed: dict[str, Any],
    fact: Mapping[str, Any],
    view: _View,
    rank: int,
    group: set[str],
) -> Any:
    """A value for a field made known that starts no finding as strong: tried at every
    threshold the rules compare it with, and just beside it."""
    cuts = view.cuts.get(field)
    if cuts is None:
        step = input_for(field).step
        cuts = view.cuts[field] = sorted(
            {
                round(t["value"] + d, 6)
                for r in view.rules
                for t in thresholds(r.when.json)
                if t["field"] == field
                for d in (0, -step, step)
            },
            reverse=True,
        )
    for value in cuts:
        trial = {**changed, field: value}
        if not _newly_firing(trial, fact, view, rank, group):
            return value
    return cuts[0] if cuts else 0


def _newly_firing(
    changed: Mapping[str, Any], fact: Mapping[str, Any], view: _View, rank: int, group: set
) -> set[str]:
    """Codes of findings as strong or stronger that the change would start."""
    if changed.get(_REMOVED):
        return set()
    moved = [k for k, v in changed.items() if fact.get(k, _MISSING) != v]
    # Only rules reading a moved field: any other answers as it did before.
    return {
        c.code
        for c in view.touched(moved, rank, group)
        if c.holds(changed) and not view.held(c, fact)
    }


_FIELDS_CACHE: dict[int, tuple[Any, frozenset[str]]] = {}


def _fields_of(json: Mapping[str, Any]) -> frozenset[str]:
    """The fact fields a condition reads (cached per condition object)."""
    hit = _FIELDS_CACHE.get(id(json))
    if hit is not None and hit[0] is json:
        return hit[1]
    names = frozenset(leaf[0] for option in dnf(json) for leaf in option)
    if len(_FIELDS_CACHE) < 4096:
        _FIELDS_CACHE[id(json)] = (json, names)
    return names


# --- wording -------------------------------------------------------------------------------


def _answer(
    good: list[tuple[list[Leaf], dict[str, Any]]], fact: Mapping[str, Any], fixed: dict
) -> dict[str, Any]:
    options = [
        {"changes": [_change(field, leaves, fact, changed) for field, leaves in _fields(changes)]}
        for changes, changed in good
    ]
    fixed_out = [_fixed(leaf, fact) for leaf in fixed.values()]
    if options:
        text = (
            "Would not apply if "
            + "; or if ".join(" and ".join(c["text"] for c in o["changes"]) for o in options)
            + "."
        )
    elif fixed_out:
        text = (
            "Nothing a clinician can change removes this finding: it rests on "
            + "; ".join(f["text"] for f in fixed_out)
            + "."
        )
    else:
        text = "No change of the recorded inputs removes this finding on its own."
    return {"changeable": bool(options), "text": text, "options": options, "fixed": fixed_out}


def _fields(changes: list[Leaf]) -> list[tuple[str, list[Leaf]]]:
    by_field: dict[str, list[Leaf]] = {}
    for leaf in changes:
        by_field.setdefault(leaf[0], []).append(leaf)
    return list(by_field.items())


def _show(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _num(value: Any, unit: str = "") -> str:
    text = f"{value:g}" if isinstance(value, float) else str(value)
    if not unit:
        return text
    return f"{text}{unit}" if unit.startswith("/") else f"{text} {unit}"


def _change(
    field: str, leaves: list[Leaf], fact: Mapping[str, Any], changed: Mapping[str, Any]
) -> dict[str, Any]:
    info = input_for(field)
    label, unit = info.worded(fact)
    info = dataclasses.replace(info, label=label, unit=unit)
    now = fact.get(field)
    out: dict[str, Any] = {
        "input": field,
        "label": info.label,
        "now": _show(now),
        "condition": " and ".join(f"{f} {_SYMBOLS[op]} {v}" for f, op, v in leaves),
    }
    if info.kind == "drug":
        drug = fact.get("drug", "the medicine")
        out.update(set=None, drug=drug)
        out["text"] = f"{drug} were stopped or replaced by a medicine outside its class"
        return out
    value = changed.get(field)
    out["set"] = None if isinstance(value, _Not) else _show(value)
    if isinstance(value, _Not):
        out["exclude"] = value.value
    compared = all(op in ("<", "<=", ">", ">=") for _, op, _ in leaves)
    if info.kind == "number" and compared:
        low, low_strict, high, high_strict = _bounds(leaves)
        if low is not None and high is None:
            where = (
                f"above {_num(low, info.unit)}"
                if low_strict
                else (f"{_num(low, info.unit)} or more")
            )
        elif high is not None and low is None:
            where = (
                f"below {_num(high, info.unit)}"
                if high_strict
                else (f"{_num(high, info.unit)} or less")
            )
        else:
            where = f"between {_num(low, info.unit)} and {_num(high, info.unit)}"
        shown = "unknown" if now is None else _num(now)
        out["text"] = f"{info.label} were {where} (now {shown})"
    elif info.kind == "excess" and compared:
        _, _, high, strict = _bounds(leaves)
        where = "below the upper limit" if strict else "at or within the upper limit"
        above = isinstance(now, int | float) and now > 0
        excess = f"{_num(now, info.unit)} above it" if above else "at it"
        out["text"] = f"{info.label} were {where} (now {excess})"
    elif info.kind == "count":
        out["text"] = f"there were no {info.label} (now {now})"
    elif info.kind == "known":
        companion = info.companion or field
        out["example"] = {companion: _show(changed.get(companion))}
        out["text"] = f"{info.label} were known"
    elif isinstance(value, _Not):
        out["text"] = f"{info.label} were not {value.value}"
    elif isinstance(value, bool):
        out["text"] = f"{info.label} were {'present' if value else 'absent'}"
    else:
        out["text"] = f"{info.label} were {value}"
    return out


def _fixed(leaf: Leaf, fact: Mapping[str, Any]) -> dict[str, Any]:
    field = leaf[0]
    info = input_for(field)
    label, unit = info.worded(fact)
    info = dataclasses.replace(info, label=label, unit=unit)
    now = fact.get(field)
    if isinstance(now, bool):
        text = info.label if now else f"no {info.label}"
    elif info.kind == "number" and now is not None:
        text = f"{info.label} {_num(_show(now), '' if info.unit == 'years' else info.unit)}"
    elif info.kind == "choice":
        text = f"{info.label}: {now}"
    elif info.kind == "count":
        text = f"{now} {info.label}"
    else:
        text = info.label
    why = info.fixed or ("" if info.described else UNDESCRIBED)
    text += f" ({why})" if why and why not in text else ""
    return {"input": field, "label": info.label, "now": _show(now), "text": text}


# --- back to a profile ---------------------------------------------------------------------


# The evaluation's memo of derived profiles while `_on_the_profile` applies a way out:
# set and reset around that call only, so `apply` from anywhere else derives afresh.
_DERIVED: contextvars.ContextVar[dict[Any, Any] | None] = contextvars.ContextVar(
    "counterfactual_derived", default=None
)


def _derive(profile: Profile) -> Any:
    """`rules.facts.derive`, once per distinct profile within one evaluation's search."""
    from rules.facts import derive

    memo = _DERIVED.get()
    if memo is None:
        return derive(profile)
    hit = memo.get(profile)
    if hit is None:
        hit = memo[profile] = derive(profile)  # a ProfileError is raised, not kept
    return hit


class CannotApply(Exception):
    """A change names an input this module does not know how to set on a profile."""


def apply(profile: Profile, option: Mapping[str, Any]) -> Profile:
    """The profile with one counterfactual option's changes made (for tests and review)."""
    for change in option["changes"]:
        setter = _SETTERS.get(change["input"])
        if setter is None:
            raise CannotApply(f"no way to set {change['input']} on a profile")
        profile = setter(profile, change)
    return profile


def _set_egfr(profile: Profile, value: Any) -> Profile:
    """Kidney function (the lower of eGFR and clearance, `rules.kidney_function`) at `value`.

    Without creatinine (or under 18, where it is not used) the eGFR is set. With it, a
    given eGFR is set and the creatinine is moved until the computed value reaches `value`
    on the same side: the answer the rules would give for a record that really held them.
    """
    from rules.kidney_function import assess

    target = float(value)
    now = assess(profile).value
    kidney = profile.kidney
    if kidney.egfr is not None or kidney.creatinine is None or now is None:
        kidney = dataclasses.replace(kidney, egfr=target)
    profile = dataclasses.replace(profile, kidney=kidney)
    reached = assess(profile).value
    if kidney.creatinine is None or reached is None or reached == target:
        return profile
    raising = now is None or target > now

    def met(scr: float) -> bool:
        trial = dataclasses.replace(kidney, creatinine=Creatinine(scr, "mg/dL"))
        got = assess(dataclasses.replace(profile, kidney=trial)).value
        return got is not None and (got >= target if raising else got <= target)

    # The computed value falls as creatinine rises: bisect for the creatinine nearest the
    # present one that meets the target (bounded: 60 halvings of a 0.001–100 mg/dL range).
    low, high = 0.001, 100.0
    for _ in range(60):
        mid = (low + high) / 2
        if met(mid) == raising:
            low = mid
        else:
            high = mid
    scr = low if raising else high
    return dataclasses.replace(
        profile, kidney=dataclasses.replace(kidney, creatinine=Creatinine(scr, "mg/dL"))
    )


def _set_serum(profile: Profile, value: Any) -> Profile:
    return dataclasses.replace(profile, serum_magnesium=LabValue(float(value), "mg/dL"))


def _set_severity(profile: Profile, value: Any) -> Profile:
    pain = dataclasses.replace(profile.back_pain, severity=int(value))
    return dataclasses.replace(profile, back_pain=pain)


@dataclasses.dataclass(frozen=True)
class _Magnesium:
    """A magnesium product or a magnesium medicine of the medication list, as one shape."""

    route: str
    purpose: str
    form: str | None
    dose_basis: str | None
    dose_known: bool


def _medicine(med: Medication) -> _Magnesium | None:
    """The magnesium medicine one medication entry is, if it is one (read as the intake
    reads it, so `dose_known` and the form match the facts)."""
    from rules.intake import medicine_intake
    from rules.interactions import read_medications

    medicines = read_medications((med,)).medicines
    if not medicines:
        return None
    item, _ = medicine_intake(medicines[0])
    return _Magnesium(item.route, item.purpose, item.form, item.dose_basis, item.dose_known)


def _product(p: MagnesiumProduct) -> _Magnesium:
    return _Magnesium(p.route, p.purpose, normalise_form(p.form), p.dose_basis, True)


def _without_magnesium(profile: Profile, drop: Any) -> Profile:
    """The profile without the magnesium products and medicines `drop` names (stopped)."""

    def kept(med: Medication) -> bool:
        medicine = _medicine(med)
        return medicine is None or not drop(medicine)

    return dataclasses.replace(
        profile,
        magnesium_products=tuple(p for p in profile.magnesium_products if not drop(_product(p))),
        medications=tuple(m for m in profile.medications if kept(m)),
    )


def _reduce_until(profile: Profile, over: Any, target: float, order: Sequence[str]) -> Profile:
    """Stop oral products and magnesium medicines (by purpose, in `order`, last listed
    first) until `over(intake)` ≤ target."""
    current = profile
    for purpose in order:
        while over(_derive(current).intake) > target:
            products = list(current.magnesium_products)
            meds = list(current.medications)
            oral = [i for i, p in enumerate(products) if p.route == "oral" and p.purpose == purpose]
            taken = [
                i
                for i, m in enumerate(meds)
                if (x := _medicine(m)) is not None and x.route == "oral" and x.purpose == purpose
            ]
            if taken:
                del meds[taken[-1]]
            elif oral:
                del products[oral[-1]]
            else:
                break
            current = dataclasses.replace(
                current, magnesium_products=tuple(products), medications=tuple(meds)
            )
    return current


def _set_oral_excess(profile: Profile, change: Mapping[str, Any]) -> Profile:
    return _reduce_until(
        profile,
        lambda i: i.exact_supplemental_mg - (i.upper_limit_mg or 0.0),
        change["set"],
        ("supplement", "antacid_laxative"),
    )


def _set_antacid_excess(profile: Profile, change: Mapping[str, Any]) -> Profile:
    return _reduce_until(
        profile,
        lambda i: i.exact_antacid_laxative_mg - (i.upper_limit_mg or 0.0),
        change["set"],
        ("antacid_laxative",),
    )


def _stop_drug(profile: Profile, change: Mapping[str, Any]) -> Profile:
    from rules.interactions import match_medications

    def keep(med: Any) -> bool:
        return all(m.drug.generic != change["drug"] for m in match_medications((med,)))

    return dataclasses.replace(
        profile, medications=tuple(m for m in profile.medications if keep(m))
    )


def _stop_unrecognized(profile: Profile, change: Mapping[str, Any]) -> Profile:
    from rules.interactions import read_medications

    return dataclasses.replace(
        profile,
        medications=tuple(m for m in profile.medications if not read_medications((m,)).not_checked),
    )


def _set_route(profile: Profile, change: Mapping[str, Any]) -> Profile:
    value = change["set"] if change["set"] is not None else "any"
    return dataclasses.replace(profile, route_preference=value)  # type: ignore[arg-type]


def _set_token(token: str) -> Any:
    """A setter for a changeable reported token (`rules.data.inputs.CHANGEABLE_TOKENS`)."""

    def setter(profile: Profile, change: Mapping[str, Any]) -> Profile:
        if change["set"] is not False:
            raise CannotApply(f"a counterfactual only removes the reported token {token}")
        return dataclasses.replace(
            profile,
            red_flags=profile.red_flags - {token},
            symptoms=profile.symptoms - {token},
            conditions=profile.conditions - {token},
        )

    return setter


_SETTERS: dict[str, Any] = {
    "egfr": lambda p, c: _set_egfr(p, c["set"]),
    "egfr_known": lambda p, c: _set_egfr(p, c["example"]["egfr"]),
    "serum_mg_dl": lambda p, c: _set_serum(p, c["set"]),
    "serum_known": lambda p, c: _set_serum(p, c["example"]["serum_mg_dl"]),
    "severity": lambda p, c: _set_severity(p, c["set"]),
    "severity_known": lambda p, c: _set_severity(p, c["example"]["severity"]),
    "oral_over_ul_mg": _set_oral_excess,
    "antacid_over_ul_mg": _set_antacid_excess,
    "antacid_products": lambda p, c: _without_magnesium(
        p, lambda x: x.route == "oral" and x.purpose == "antacid_laxative"
    ),
    "compound_products": lambda p, c: _without_magnesium(
        p, lambda x: x.route == "oral" and x.dose_basis == "compound"
    ),
    "topical_products": lambda p, c: _without_magnesium(p, lambda x: x.route == "topical"),
    "taking_oxide": lambda p, c: _without_magnesium(
        p, lambda x: x.route == "oral" and x.form == "oxide"
    ),
    "dose_unknown_products": lambda p, c: _without_magnesium(
        p, lambda x: x.route == "oral" and not x.dose_known
    ),
    "unrecognized_medications": _stop_unrecognized,
    "drug_class": _stop_drug,
    "route_preference": _set_route,
    **{flag(token): _set_token(token) for token in CHANGEABLE_TOKENS},
}
