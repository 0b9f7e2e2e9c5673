"""rules/engine.py: the durable-rules adapter fails closed, cleans up, and is thread-safe."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import pytest

from rules import (
    BackPain,
    EvaluationError,
    Kidney,
    KnowledgeBase,
    LabValue,
    MagnesiumProduct,
    Medication,
    Profile,
    evaluate,
)
from rules.conditions import F
from rules.engine import CATCH_ALL_ID, Fired, RuleEngine, RuleSpec


def boom(fact):
    raise RuntimeError("rule action failed")


def profile_fact(**fields):
    return {"kind": "profile", "ref": "profile", **fields}


def test_a_rule_whose_action_raises_fails_the_evaluation():
    engine = RuleEngine(
        [RuleSpec("fine", "profile", F.x > 0), RuleSpec("broken", "profile", F.x > 5, on_fire=boom)]
    )
    assert engine.evaluate([profile_fact(x=1)]) == [Fired("fine", "profile")]
    with pytest.raises(EvaluationError, match="broken: RuntimeError: rule action failed"):
        engine.evaluate([profile_fact(x=10)])


def _capture_sids(sids):
    return RuleEngine(
        [RuleSpec("always", "profile", F.x >= 0, on_fire=lambda fact: sids.append(fact["sid"]))]
    )


def test_the_state_check_sees_a_live_session():
    # the check below is not vacuous: during an evaluation its session is found
    live = []
    holder = {}

    def look(fact):
        live.append(_state_is_gone(holder["engine"], fact["sid"]))

    holder["engine"] = RuleEngine([RuleSpec("always", "profile", F.x >= 0, on_fire=look)])
    holder["engine"].evaluate([profile_fact(x=1)])
    assert live == [False]


def _state_is_gone(engine, sid):
    try:
        state = engine._host.get_state(engine._ruleset, sid)
    except Exception:  # durable raises "Could not get state" for an unknown session
        return True
    return not state


def test_state_is_deleted_after_each_evaluation():
    sids: list[str] = []
    engine = _capture_sids(sids)
    # more than the 1,024 live sessions a ruleset holds: only passes if each one is deleted
    for i in range(2000):
        assert engine.evaluate([profile_fact(x=i)]) == [Fired("always", "profile")]
    assert len(set(sids)) == 2000  # a fresh session per evaluation
    assert _state_is_gone(engine, sids[0]) and _state_is_gone(engine, sids[-1])


def test_state_is_deleted_after_a_failed_evaluation():
    sids: list[str] = []

    def record_then_fail(fact):
        sids.append(fact["sid"])
        raise RuntimeError("no")

    engine = RuleEngine([RuleSpec("bad", "profile", F.x >= 0, on_fire=record_then_fail)])
    for _ in range(1100):
        with pytest.raises(EvaluationError):
            engine.evaluate([profile_fact(x=1)])
    assert _state_is_gone(engine, sids[-1])


def test_an_evaluation_where_only_the_catch_all_fires():
    engine = RuleEngine([RuleSpec("never", "profile", F.x > 100)])
    for _ in range(20):
        assert engine.evaluate([profile_fact(x=1)]) == []
    rec = evaluate(Profile(age=45, sex="female"))
    assert rec.findings == () and rec.disposition == "suitable"


def test_or_rules_fire_once_per_branch_and_are_deduplicated():
    calls: list[str] = []
    engine = RuleEngine(
        [
            RuleSpec(
                "either",
                "profile",
                (F.a == 1) | (F.b == 1) | (F.c == 1),
                on_fire=lambda fact: calls.append(fact["ref"]),
            )
        ]
    )
    assert engine.evaluate([profile_fact(a=1, b=1, c=1)]) == [Fired("either", "profile")]
    assert len(calls) == 3  # the engine really fired it three times
    assert engine.evaluate([profile_fact(a=0, b=0, c=1)]) == [Fired("either", "profile")]


def test_rules_fire_per_fact():
    engine = RuleEngine([RuleSpec("med", "medication", F.drug_class == "ppi")])
    fired = engine.evaluate(
        [
            profile_fact(),
            {"kind": "medication", "ref": "m0", "drug_class": "ppi"},
            {"kind": "medication", "ref": "m1", "drug_class": "ppi"},
            {"kind": "medication", "ref": "m2", "drug_class": "other"},
        ]
    )
    assert sorted(fired, key=lambda f: f.fact_ref) == [Fired("med", "m0"), Fired("med", "m1")]


@pytest.mark.parametrize(
    "facts",
    [
        [],
        [{"kind": "medication", "ref": "m"}],
        [profile_fact(), profile_fact(ref="other")],
        [{"ref": "no kind"}],
    ],
)
def test_facts_need_exactly_one_profile_and_a_kind(facts):
    with pytest.raises(EvaluationError):
        RuleEngine([RuleSpec("r", "profile", F.x > 0)]).evaluate(facts)


@pytest.mark.parametrize(
    "value", [math.nan, math.inf, -math.inf, 1e-05, -2.5e-07, [1, 2], {"a": 1}, object()]
)
def test_only_plain_values_reach_the_engine(value):
    engine = RuleEngine([RuleSpec("r", "profile", F.x > 0)])
    with pytest.raises(EvaluationError, match="'x'"):
        engine.evaluate([profile_fact(x=value)])


@pytest.mark.parametrize(
    ("value", "fires"),
    [
        (29.9996, True),
        (30.0, False),
        (29.999999999, True),
        (0.0001, True),
        (1e16, False),
        (-3, True),
    ],
)
def test_plain_values_are_compared_unrounded(value, fires):
    engine = RuleEngine([RuleSpec("under_30", "profile", F.x < 30)])
    assert bool(engine.evaluate([profile_fact(x=value)])) is fires


def test_too_many_properties_are_refused():
    engine = RuleEngine([RuleSpec("r", "profile", F.x > 0)])
    with pytest.raises(EvaluationError, match="properties"):
        engine.evaluate([profile_fact(x=1, **{f"p{i}": i for i in range(250)})])


def test_tiny_client_numbers_still_evaluate():
    rec = evaluate(
        Profile(
            age=45,
            sex="female",
            kidney=Kidney(egfr=1e-05),
            back_pain=BackPain(duration_weeks=5e-324),
        )
    )
    assert {f.code for f in rec.findings} == {"kidney.failure"}


@pytest.mark.parametrize("ids", [["a", "a"], [CATCH_ALL_ID]])
def test_rule_ids_are_unique_and_not_the_catch_all(ids):
    with pytest.raises(ValueError):
        RuleEngine([RuleSpec(i, "profile", F.x > 0) for i in ids])


PROFILES = [
    Profile(age=45, sex="female"),
    Profile(age=70, sex="male", red_flags=frozenset({"minor_trauma"})),
    Profile(
        age=58,
        sex="female",
        kidney=Kidney(egfr=45),
        serum_magnesium=LabValue(2.1, "mg/dL"),
        medications=(Medication("Cipro 500 mg"), Medication("FUROSEMIDE", "4603")),
        magnesium_products=(
            MagnesiumProduct("glycinate", dose_mg=1000, dose_basis="compound", times_per_day=2),
        ),
    ),
    Profile(age=3, sex="other", symptoms=frozenset({"constipation"})),
    Profile(
        age=30,
        sex="female",
        pregnant=True,
        kidney=Kidney(egfr=20),
        symptoms=frozenset({"lethargy"}),
    ),
    Profile(age=0, sex="unknown"),
    Profile(age=40, sex="male", serum_magnesium=LabValue(2.0, "mmol/L")),
    Profile(
        age=50,
        sex="male",
        back_pain=BackPain("sudden", 8, True, 13),
        red_flags=frozenset({"morning_stiffness", "improves_with_exercise"}),
    ),
    Profile(
        age=45,
        sex="female",
        magnesium_products=(
            MagnesiumProduct(
                "hydroxide", dose_mg=400, dose_basis="elemental", purpose="antacid_laxative"
            ),
        ),
    ),
    Profile(
        age=66,
        sex="female",
        medications=tuple(Medication(n) for n in ("Nexium", "Lanoxin", "Synthroid", "Isentress")),
    ),
]


def _outcome(rec):
    return (
        rec.disposition,
        sorted((f.code, f.rule.id, str(f.details)) for f in rec.findings),
        rec.plan,
        rec.referral,
    )


def test_concurrent_evaluation_matches_single_threaded():
    kb = KnowledgeBase()
    expected = [_outcome(kb.evaluate(p)) for p in PROFILES]
    jobs = PROFILES * 40
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda p: _outcome(kb.evaluate(p)), jobs))
    assert results == expected * 40


def test_separate_knowledge_bases_coexist():
    bases = [KnowledgeBase() for _ in range(5)]
    expected = [_outcome(bases[0].evaluate(p)) for p in PROFILES]
    for kb in reversed(bases):  # the oldest still runs its own rules after newer ones exist
        assert [_outcome(kb.evaluate(p)) for p in PROFILES] == expected
    assert len({kb._engine._ruleset for kb in bases}) == 5


def test_a_fact_no_rule_matches_does_not_crash_the_process():
    # A knowledge base without the interaction rules still gets medication facts.
    from rules import kidney

    kb = KnowledgeBase(rules=kidney.RULES)
    rec = kb.evaluate(Profile(age=45, sex="male", medications=(Medication("Cipro"),)))
    assert rec.findings == () and rec.disposition == "suitable"
    engine = RuleEngine([RuleSpec("r", "profile", F.x > 0)])
    assert engine.evaluate([profile_fact(x=1), {"kind": "medication", "ref": "m"}]) == [
        Fired("r", "profile")
    ]
