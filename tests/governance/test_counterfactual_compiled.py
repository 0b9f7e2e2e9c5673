"""The counterfactual search's compiled conditions agree with the interpreted ones."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules import ALL_RULES, KnowledgeBase, evaluate
from rules.counterfactual import _Not, condition_holds, predicate
from rules.facts import derive
from service.schemas import ProfileSchema
from tests.governance.test_counterfactual import v2_profiles

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _leaves(json: dict[str, Any]) -> list[tuple[str, Any]]:
    """Every (field, value) a condition compares."""
    ((op, arg),) = json.items()
    if op in ("$and", "$or"):
        return [leaf for child in arg for leaf in _leaves(child)]
    if op.startswith("$"):
        return list(arg.items())
    return [(op, arg)]


LEAVES = sorted({(f, repr(v)): (f, v) for r in ALL_RULES for f, v in _leaves(r.when.json)}.items())
FIELDS = sorted({f for _, (f, _) in LEAVES})


def _near(value: Any) -> st.SearchStrategy[Any]:
    """Values on, beside and unlike one a condition compares with."""
    others = st.sampled_from([None, True, False, 0, -1, 10**6, "", "other", _Not(value)])
    if isinstance(value, bool) or not isinstance(value, int | float):
        return st.one_of(st.just(value), others)
    return st.one_of(
        st.sampled_from([value, value - 1, value + 1, value - 0.001, value + 0.001, float(value)]),
        others,
    )


@st.composite
def facts(draw: Any) -> dict[str, Any]:
    """A fact with some of the fields the rules read, each near a value they compare."""
    fact: dict[str, Any] = {}
    for _, (field, value) in LEAVES:
        if draw(st.booleans()):
            fact[field] = draw(_near(value))
    for field in FIELDS:
        if field not in fact and draw(st.integers(0, 3)) == 0:
            fact[field] = draw(st.sampled_from([None, _Not("x"), 0, True]))
    return fact


@SETTINGS
@given(facts())
def test_compiled_conditions_agree_with_the_interpreter_on_generated_facts(fact):
    got = {r.id: predicate(r.when.json)(fact) for r in ALL_RULES}
    want = {r.id: condition_holds(r.when.json, fact) for r in ALL_RULES}
    assert got == want


@SETTINGS
@given(v2_profiles())
def test_compiled_conditions_agree_with_the_interpreter_on_derived_facts(body):
    try:
        profile = ProfileSchema().load(body)
        engine_facts = derive(profile).engine_facts()
    except Exception:  # a profile the service refuses has no facts to compare
        return
    for fact in engine_facts:
        rules = [r for r in ALL_RULES if r.fact_kind == fact["kind"]]
        got = {r.id: predicate(r.when.json)(fact) for r in rules}
        want = {r.id: condition_holds(r.when.json, fact) for r in rules}
        assert got == want


def test_a_missing_field_meets_only_a_not_equal_to_a_changed_choice():
    when = {"$neq": {"route_preference": "oral"}}
    assert predicate(when)({}) is False
    assert predicate(when)({"route_preference": None}) is False
    assert predicate(when)({"route_preference": _Not("oral")}) is True
    assert predicate(when)({"route_preference": _Not("topical")}) is False
    assert predicate({"$lt": {"egfr": 30}})({"egfr": "thirty"}) is False  # no TypeError


def test_a_knowledge_base_shares_its_search_memo_only_within_one_evaluation():
    """Two evaluations of one profile give equal counterfactuals (nothing carried over)."""
    body = {
        "age": 70,
        "sex": "female",
        "kidney": {"egfr": 20},
        "serum_magnesium": {"value": 3.1, "unit": "mg/dL"},
        "medications": [{"name": "Cipro 500 mg"}],
    }
    profile = ProfileSchema().load(body)
    kb = KnowledgeBase()
    first = [f.counterfactual for f in kb.evaluate(profile).findings]
    second = [f.counterfactual for f in kb.evaluate(profile).findings]
    assert first == second == [f.counterfactual for f in evaluate(profile).findings]
    assert any(cf and cf["changeable"] for cf in first)
