"""What would change this answer: derived from the conditions, and really removing the finding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rules import ALL_RULES, KnowledgeBase, Profile, ProfileError, evaluate
from rules.conditions import F
from rules.counterfactual import apply, counterfactual, dnf
from rules.model import Finding
from rules.rule import Explanation, Rule
from service.schemas import ProfileSchema
from tests.rules.test_properties import profiles

SCENARIOS = Path(__file__).resolve().parents[2] / "rules" / "data" / "scenarios.jsonl"
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# Medicines of the v2 tables (CLINICAL.md §5 v2, §12, §13), written out: new interaction
# classes, combination products, magnesium medicines of known and unknown amount, topical
# magnesium, and a name no table knows.
V2_MEDICATIONS = [
    "mycophenolate mofetil 500 mg",
    "hydroxychloroquine 200 mg",
    "eltrombopag 50 mg",
    "cefdinir 300 mg",
    "patiromer 8.4 g",
    "Kayexalate",
    "tacrolimus 1 mg",
    "cisplatin",
    "digoxin 125 mcg",
    "Biktarvy",
    "Dyazide",
    "Juluca",
    "Milk of Magnesia 30 mL at bedtime",
    "Milk of Magnesia 5 mL once daily",
    "Milk of Magnesia as needed",
    "Mag-Ox 400 twice daily",
    "magnesium citrate oral solution",
    "Maalox",
    "Epsom salt bath",
    "Xylotrexa 5 mg",
]
# CLINICAL.md §4, §7, §11 symptom tokens, written out: toxicity and digoxin signs,
# deficiency signs, GI symptoms.
V2_SYMPTOMS = [
    "muscle_weakness",
    "lethargy",
    "confusion",
    "low_blood_pressure",
    "slow_heartbeat",
    "flushing",
    "nausea",
    "visual_disturbance",
    "muscle_cramps",
    "tremor",
    "palpitations",
    "diarrhea",
    "abdominal_cramping",
    "constipation",
]
# Creatinine (mg/dL) either side of the kidney thresholds for adults, with a weight, so
# the kidney function is computed (the lower of CKD-EPI 2021 and Cockcroft–Gault).
CREATININE = [0.8, 1.15, 1.3, 1.6, 2.0, 2.409, 2.5, 3.1, 4.29, 4.3, 6.0]


@st.composite
def v2_profiles(draw):
    """The rules' property profiles, with the v2 inputs drawn more often: v2 medicines,
    toxicity, deficiency and GI signs, and creatinine with weight."""
    body = draw(profiles())
    if draw(st.booleans()):
        names = draw(st.lists(st.sampled_from(V2_MEDICATIONS), min_size=1, max_size=3))
        body["medications"] = [*body.get("medications", []), *({"name": n} for n in names)]
    if draw(st.booleans()):
        signs = draw(st.lists(st.sampled_from(V2_SYMPTOMS), min_size=1, max_size=3))
        body["symptoms"] = sorted({*body.get("symptoms", []), *signs})
    if draw(st.booleans()):
        body["age"] = draw(st.integers(18, 100))
        kidney = dict(body.get("kidney") or {})
        kidney.pop("egfr", None) if draw(st.booleans()) else None
        kidney["creatinine"] = {"value": draw(st.sampled_from(CREATININE)), "unit": "mg/dL"}
        body["kidney"] = kidney
        body["weight_kg"] = draw(st.sampled_from([45, 60, 70.5, 95]) | st.floats(30, 200))
    return body


def _scenarios() -> list[dict]:
    return [json.loads(line) for line in SCENARIOS.read_text().splitlines() if line.strip()]


def _same(a: Finding, b: Finding) -> bool:
    """The same finding: code, and for an interaction the same drug."""
    return a.code == b.code and a.details.get("drug") == b.details.get("drug")


RANK = {"refer": 0, "avoid": 1, "caution": 2, "info": 3}


def _check_removes(profile: Profile) -> int:
    """Every changeable counterfactual, applied, removes its finding and starts no finding
    as strong that was not there; return how many options ran."""
    checked = 0
    before = evaluate(profile)
    had = {f.code for f in before.findings}
    for finding in before.findings:
        # Asked of the findings that decide the answer (effect = disposition) only: a
        # weaker finding, like an info one, cannot change it and carries none.
        if finding.effect != before.disposition:
            assert finding.counterfactual is None, finding.code
            continue
        cf = finding.counterfactual
        assert cf is not None and cf["text"], finding.code
        if not cf["changeable"]:
            assert cf["fixed"] or cf["changeable"] is None, (finding.code, cf)
            continue
        for option in cf["options"]:
            after = evaluate(apply(profile, option))
            still = [f.code for f in after.findings if _same(f, finding)]
            assert still == [], (finding.code, option, cf["text"])
            stronger = [
                f.code
                for f in after.findings
                if RANK[f.effect] <= RANK[finding.effect] and f.code not in had
            ]
            assert stronger == [], (finding.code, option, stronger)
            checked += 1
    return checked


def _text(rec, code: str) -> str:
    (finding,) = [f for f in rec.findings if f.code == code]
    return finding.counterfactual["text"]


@pytest.mark.parametrize("scenario", _scenarios(), ids=lambda s: s["id"])
def test_every_scenario_counterfactual_removes_its_finding(scenario):
    _check_removes(ProfileSchema().load(scenario["profile"]))


@SETTINGS
@given(v2_profiles())
def test_applying_a_counterfactual_removes_the_finding(body):
    profile = ProfileSchema().load(body)
    try:
        evaluate(profile)
    except ProfileError:
        assume(False)
    _check_removes(profile)


def _load(body: dict) -> Profile:
    return ProfileSchema().load(body)


def test_severe_kidney_disease_names_the_egfr_that_would_make_it_suitable():
    rec = evaluate(_load({"age": 58, "sex": "female", "kidney": {"egfr": 24}}))
    assert _text(rec, "kidney.severe") == (
        "Would not apply if eGFR were 30 mL/min/1.73 m² or more (now 24)."
    )
    after = evaluate(_load({"age": 58, "sex": "female", "kidney": {"egfr": 30}}))
    assert after.disposition == "caution"  # moderate disease: a weaker finding, not a worse one


def test_kidney_failure_skips_the_stage_that_would_still_avoid():
    rec = evaluate(_load({"age": 50, "sex": "male", "kidney": {"egfr": 10}}))
    # 15 would only trade kidney failure for severe disease (both avoid): 30 is the answer.
    assert _text(rec, "kidney.failure") == (
        "Would not apply if eGFR were 30 mL/min/1.73 m² or more (now 10)."
    )


def test_red_flags_and_age_say_they_cannot_change():
    rec = evaluate(
        _load({"age": 78, "sex": "female", "kidney": {"egfr": 65}, "red_flags": ["minor_trauma"]})
    )
    assert _text(rec, "red_flag.fracture") == (
        "Nothing a clinician can change removes this finding: it rests on age 78; minor "
        "trauma (a reported red flag or symptom)."
    )
    (finding,) = rec.findings
    assert finding.counterfactual["changeable"] is False
    assert [f["input"] for f in finding.counterfactual["fixed"]] == ["age", "t_minor_trauma"]


def test_an_interaction_is_removed_by_stopping_the_drug():
    rec = evaluate(_load({"age": 40, "sex": "male", "medications": [{"name": "Cipro 500 mg"}]}))
    assert _text(rec, "interaction.fluoroquinolone") == (
        "Would not apply if ciprofloxacin were stopped or replaced by a medicine outside its class."
    )


def test_only_the_findings_that_decide_the_answer_carry_one():
    """An interaction (caution) beside severe kidney disease (avoid) cannot change the
    answer on its own: it carries none; alone, it decides the answer and carries one."""
    body = {"age": 40, "sex": "male", "medications": [{"name": "Cipro 500 mg"}]}
    rec = evaluate(_load({**body, "kidney": {"egfr": 24}}))
    assert rec.disposition == "avoid"
    assert [(f.code, f.counterfactual is None) for f in rec.findings] == [
        ("kidney.severe", False),
        ("interaction.fluoroquinolone", True),
    ]
    alone = evaluate(_load(body))
    assert [(f.code, f.counterfactual is None) for f in alone.findings] == [
        ("interaction.fluoroquinolone", False)
    ]


def test_intake_above_the_upper_limit_says_by_how_much():
    body = {
        "age": 35,
        "sex": "female",
        "kidney": {"egfr": 95},
        "magnesium_products": [
            {"form": "glycinate", "dose_mg": 250, "dose_basis": "elemental", "times_per_day": 2}
        ],
    }
    rec = evaluate(_load(body))
    assert _text(rec, "intake.ul_exceeded") == (
        "Would not apply if oral magnesium counted toward the upper limit were at or within the "
        "upper limit (now 150 mg/day above it)."
    )


def test_info_findings_carry_no_counterfactual():
    rec = evaluate(_load({"age": 46, "sex": "female", "symptoms": ["constipation"]}))
    assert [(f.code, f.counterfactual) for f in rec.findings] == [
        ("form.citrate_for_constipation", None)
    ]


def test_a_rule_never_seen_before_gets_a_counterfactual_from_its_condition():
    """A new rule on a new fact field: worded by the field's name, solved from the DSL."""
    novel = Rule(
        id="novel-ferritin",
        version="0.1.0",
        code="novel.low_ferritin",
        category="lab",
        effect="caution",
        title="Low ferritin",
        when=(F.age >= 18) & (F.ferritin_known == True) & (F.ferritin < 30),  # noqa: E712
        explain=lambda facts, fact: Explanation("x", "y", {}),
        sources=ALL_RULES[0].sources,
    )
    fact = {"kind": "profile", "age": 40, "ferritin_known": True, "ferritin": 12}
    cf = counterfactual(novel, [*ALL_RULES, novel], fact)
    assert cf["text"] == "Would not apply if ferritin were 30 or more (now 12)."
    assert cf["options"] == [
        {
            "changes": [
                {
                    "input": "ferritin",
                    "label": "ferritin",
                    "now": 12,
                    "condition": "ferritin ≥ 30",
                    "set": 30,
                    "text": "ferritin were 30 or more (now 12)",
                }
            ]
        }
    ]
    assert [f["input"] for f in cf["fixed"]] == ["age"]


def test_the_negation_is_de_morgan_over_the_engine_json():
    cond = ((F.a == True) | (F.b > 3)) & (F.c < 2)  # noqa: E712
    assert sorted(sorted(o) for o in dnf(cond.json, negate=True)) == [
        [("a", "!=", True), ("b", "<=", 3)],
        [("c", ">=", 2)],
    ]


def test_a_knowledge_base_of_any_rules_attaches_counterfactuals():
    kb = KnowledgeBase(rules=[r for r in ALL_RULES if r.category == "kidney"], version="t")
    rec = kb.evaluate(_load({"age": 58, "sex": "female", "kidney": {"egfr": 24}}))
    assert _text(rec, "kidney.severe").startswith("Would not apply if eGFR were 30")


def test_an_undescribed_yes_no_input_is_never_promised_away():
    """A new rule on a recorded condition this module does not know: it says so."""
    novel = Rule(
        id="novel-condition",
        version="0.1.0",
        code="novel.myasthenia",
        category="condition",
        effect="avoid",
        title="Myasthenia gravis",
        when=F.c_myasthenia_gravis == True,  # noqa: E712
        explain=lambda facts, fact: Explanation("x", "y", {}),
        sources=ALL_RULES[0].sources,
    )
    fact = {"kind": "profile", "c_myasthenia_gravis": True}
    cf = counterfactual(novel, [*ALL_RULES, novel], fact)
    assert cf == {
        "changeable": False,
        "text": "Nothing a clinician can change removes this finding: it rests on c myasthenia "
        "gravis (an input rules/data/inputs.py does not describe).",
        "options": [],
        "fixed": [
            {
                "input": "c_myasthenia_gravis",
                "label": "c myasthenia gravis",
                "now": True,
                "text": "c myasthenia gravis (an input rules/data/inputs.py does not describe)",
            }
        ],
    }
