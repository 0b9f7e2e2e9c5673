"""Safety invariants of the knowledge base over generated profiles (Hypothesis).

Profiles are generated as the JSON a client sends (always valid), loaded with the API's
schema and evaluated directly (the same profiles through the API: tests/api/test_properties.py).
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules import Medication, Profile, evaluate
from rules.data.forms import ELEMENTAL_FRACTION, FORM_ALIASES
from rules.data.limits import upper_limit_for
from rules.data.tokens import ALL_TOKENS
from rules.model import Creatinine
from service.schemas import ProfileSchema

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

INTERACTING = [
    "Cipro 500 mg",
    "LEVOFLOXACIN 750MG",
    "avelox",
    "ofloxacin",
    "doxycycline hyclate",
    "Minocin",
    "Fosamax 70 mg",
    "risedronate",
    "Synthroid 50 mcg",
    "Tivicay",
    "Isentress",
    "gabapentin 300 mg",
    " LaSiX ",
    "hydrochlorothiazide",
    "spironolactone",
    "Nexium",
    "omeprazole",
    "Protonix",
    "Lanoxin",
]
OTHER_DRUGS = ["ibuprofen 400 mg", "paracetamol", "naproxen", "amitriptyline", "tramadol"]
RXNORM = ["2551", "82122", "139462", "4603", "5487", "9997", "7646", "40790", "283742", "161"]
# CLINICAL.md §6, written out (not imported) so a token dropped from the tables is caught.
RED_FLAGS = [
    "saddle_anesthesia",
    "urinary_retention",
    "bladder_or_bowel_incontinence",
    "bilateral_sciatica",
    "sexual_dysfunction",
    "pulsatile_abdominal_mass",
    "progressive_leg_weakness",
    "foot_drop",
    "fever",
    "iv_drug_use",
    "immunosuppression",
    "recent_bacterial_infection",
    "history_of_cancer",
    "unexplained_weight_loss",
    "night_pain",
    "significant_trauma",
]
# Values either side of each line (CLINICAL.md §3, §4), mixed into the generated numbers.
EGFR_EDGES = [14.9, 14.9999, 15, 29.9, 29.9996, 30, 59.9, 59.99, 60]
# Creatinine (mg/dL) whose CKD-EPI 2021 eGFR lands either side of 30 for a man of 60.
CREATININE_EDGES = [2.4085, 2.409, 2.4095, 4.29, 4.2925, 4.30, 1.15, 1.148]
SERUM_EDGES = [
    1.19,
    1.2,
    1.79,
    1.8,
    2.3,
    2.31,
    4.19,
    4.2,
    0.49,
    0.5,
    0.74,
    0.75,
    0.94,
    0.95,
    1.72,
    1.73,
    0.98,
    0.99,
    1.48,
    1.89,
    1.9,
    3.45,
    3.46,
]


def _number(low, high):
    """Whole or fractional JSON numbers in [low, high], including awkward floats."""
    return st.integers(int(low), int(high)) | st.floats(low, high, allow_nan=False)


# No NUL: the API refuses it at the door (400; tests/api/test_hostile_input.py), so a
# profile holding one is not a valid profile.
_name = st.sampled_from(INTERACTING + OTHER_DRUGS) | st.text(
    st.characters(exclude_characters="\x00"), min_size=1, max_size=40
).filter(lambda s: s.strip())
medication = st.fixed_dictionaries(
    {"name": _name},
    optional={"rxnorm": st.sampled_from(RXNORM) | st.from_regex(r"\A\d{1,12}\Z")},
)
_known_form = st.sampled_from(sorted(ELEMENTAL_FRACTION) + sorted(FORM_ALIASES))
oral_product = st.one_of(
    st.fixed_dictionaries(
        {
            "form": _known_form,
            "dose_mg": st.floats(0.001, 3000, allow_nan=False) | st.integers(1, 3000),
            "dose_basis": st.sampled_from(["elemental", "compound"]),
        },
        optional={
            "route": st.just("oral"),
            "times_per_day": st.integers(1, 4),
            "purpose": st.sampled_from(["supplement", "antacid_laxative"]),
        },
    ),
    # an unknown salt can still be counted from its elemental dose
    st.fixed_dictionaries(
        {
            "form": st.just("stearate"),
            "dose_mg": st.integers(1, 500),
            "dose_basis": st.just("elemental"),
        }
    ),
)
topical_product = st.fixed_dictionaries(
    {"form": _known_form, "route": st.just("topical")},
    optional={
        "dose_mg": st.integers(1, 5000),
        "dose_basis": st.sampled_from(["elemental", "compound"]),
    },
)
kidney = st.none() | st.fixed_dictionaries(
    {},
    optional={
        "egfr": st.none() | _number(0, 200) | st.sampled_from(EGFR_EDGES),
        "dialysis": st.booleans(),
        "creatinine": st.none()
        | st.fixed_dictionaries(
            {
                "value": st.floats(0.2, 15, allow_nan=False) | st.sampled_from(CREATININE_EDGES),
                "unit": st.just("mg/dL"),
            }
        )
        | st.fixed_dictionaries(
            {"value": st.floats(20, 1300, allow_nan=False), "unit": st.just("µmol/L")}
        ),
    },
)
serum = st.none() | st.fixed_dictionaries(
    {
        "value": _number(0, 50) | st.sampled_from(SERUM_EDGES),
        "unit": st.sampled_from(["mg/dL", "mmol/L", "mEq/L"]),
    }
)
back_pain = st.none() | st.fixed_dictionaries(
    {},
    optional={
        "onset": st.none() | st.sampled_from(["sudden", "gradual"]),
        "severity": st.none() | st.integers(0, 10),
        "radiating": st.booleans(),
        "duration_weeks": st.none() | _number(0, 5200),
    },
)
tokens = st.lists(st.sampled_from(sorted(ALL_TOKENS)), max_size=5, unique=True)
# CLINICAL.md §11, written out.
CONDITIONS = [
    "myasthenia_gravis",
    "heart_block",
    "bowel_obstruction",
    "dehydration",
    "alcohol_use_disorder",
    "type_2_diabetes",
    "malabsorption",
    "chronic_diarrhea",
]
# CLINICAL.md §4: signs of magnesium or digoxin toxicity, written out.
TOXICITY_SIGNS = [
    "muscle_weakness",
    "lethargy",
    "confusion",
    "low_blood_pressure",
    "slow_heartbeat",
    "flushing",
    "nausea",
    "visual_disturbance",
]


@st.composite
def profiles(draw):
    """A valid profile as JSON."""
    sex = draw(st.sampled_from(["female", "male", "other", "unknown"]))
    body = {"age": draw(st.integers(0, 120)), "sex": sex}
    optional = {
        "pregnant": st.booleans() if sex != "male" else st.just(False),
        "lactating": st.booleans(),
        "kidney": kidney,
        "serum_magnesium": serum,
        "back_pain": back_pain,
        "red_flags": tokens,
        "symptoms": tokens,
        "medications": st.lists(medication, max_size=4),
        "magnesium_products": st.lists(oral_product | topical_product, max_size=3),
        "route_preference": st.sampled_from(["oral", "topical", "any"]),
        "conditions": st.lists(st.sampled_from(CONDITIONS), max_size=3, unique=True),
        "weight_kg": st.floats(2, 250, allow_nan=False),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            body[key] = draw(strategy)
    return body


def load(body) -> Profile:
    return ProfileSchema().load(body)


# --- directly through the rules ----------------------------------------------------------


@SETTINGS
@given(body=profiles())
def test_the_plan_never_exceeds_the_age_ul(body):
    profile = load(body)
    rec = evaluate(profile)
    if rec.plan is not None:
        ul = upper_limit_for(profile.age)
        assert ul is not None  # infants never get a plan
        assert 0 <= rec.plan.max_supplemental_elemental_mg_per_day <= ul
        assert rec.plan.form != "oxide"


@SETTINGS
@given(
    body=profiles(),
    token=st.sampled_from(RED_FLAGS),
    where=st.sampled_from(["red_flags", "symptoms"]),
)
def test_a_red_flag_always_refers(body, token, where):
    profile = load(body)
    profile = dataclasses.replace(profile, **{where: getattr(profile, where) | {token}})
    rec = evaluate(profile)
    assert rec.disposition == "refer"
    assert rec.plan is None and rec.referral is not None


@SETTINGS
@given(body=profiles(), egfr=st.none() | st.floats(0, 30, exclude_max=True), dialysis=st.booleans())
def test_egfr_under_30_or_dialysis_never_gives_suitable_or_caution(body, egfr, dialysis):
    profile = load(body)
    if egfr is None and not dialysis:
        dialysis = True
    profile = dataclasses.replace(
        profile, kidney=dataclasses.replace(profile.kidney, egfr=egfr, dialysis=dialysis)
    )
    assert evaluate(profile).disposition in ("refer", "avoid")


@SETTINGS
@given(body=profiles(), drug=st.sampled_from(INTERACTING))
def test_adding_an_interacting_drug_never_removes_a_finding(body, drug):
    profile = load(body)
    before = {f.code for f in evaluate(profile).findings}
    added = profile.medications + (Medication(drug.strip()),)
    more = dataclasses.replace(profile, medications=added)
    after = {f.code for f in evaluate(more).findings}
    assert before <= after
    assert any(code.startswith("interaction.") for code in after)


KIDNEY_RANK = {"kidney.failure": 3, "kidney.severe": 2, "kidney.moderate": 1}


def _kidney_rank(profile: Profile) -> int:
    return max((KIDNEY_RANK.get(f.code, 0) for f in evaluate(profile).findings), default=0)


@SETTINGS
@given(body=profiles(), a=_number(0, 200), b=_number(0, 200))
def test_a_lower_egfr_never_lowers_the_kidney_finding(body, a, b):
    profile = load(body)
    high, low = max(a, b), min(a, b)

    def at(egfr):
        return dataclasses.replace(profile, kidney=dataclasses.replace(profile.kidney, egfr=egfr))

    assert _kidney_rank(at(low)) >= _kidney_rank(at(high))


@SETTINGS
@given(body=profiles(), factor=st.floats(1, 10), extra=st.integers(0, 500))
def test_a_higher_dose_never_removes_ul_exceeded(body, factor, extra):
    profile = load(body)
    oral = [i for i, p in enumerate(profile.magnesium_products) if p.route == "oral"]
    before = "intake.ul_exceeded" in {f.code for f in evaluate(profile).findings}
    products = list(profile.magnesium_products)
    for i in oral:
        products[i] = dataclasses.replace(products[i], dose_mg=products[i].dose_mg * factor + extra)
    higher = dataclasses.replace(profile, magnesium_products=tuple(products))
    after = "intake.ul_exceeded" in {f.code for f in evaluate(higher).findings}
    assert after or not before


def _ckd_epi_2021(scr: float, age: int, female: bool) -> float:
    """CLINICAL.md §3's equation, written out again (not imported)."""
    kappa, alpha = (0.7, -0.241) if female else (0.9, -0.302)
    ratio = scr / kappa
    egfr = 142 * min(ratio, 1) ** alpha * max(ratio, 1) ** -1.2 * 0.9938**age
    return egfr * 1.012 if female else egfr


def _kidney_value(profile: Profile) -> float | None:
    """The lower of eGFR (given, or from creatinine at 18+) and Cockcroft–Gault clearance."""
    k = profile.kidney
    if k.creatinine is None or profile.age < 18:
        return k.egfr
    scr = k.creatinine.value / (88.42 if k.creatinine.unit != "mg/dL" else 1)
    egfr = k.egfr
    if egfr is None:
        sexes = {"female": [True], "male": [False]}.get(profile.sex, [True, False])
        egfr = round(min(_ckd_epi_2021(scr, profile.age, f) for f in sexes), 2)
    if profile.weight_kg is not None:
        clearance = (140 - profile.age) * profile.weight_kg / (72 * scr)
        clearance = round(clearance * (1 if profile.sex == "male" else 0.85), 2)
        egfr = min(egfr, clearance)
    return egfr


def _expected_kidney(profile: Profile) -> str | None:
    """CLINICAL.md §3, written out as the table reads."""
    egfr, dialysis = _kidney_value(profile), profile.kidney.dialysis
    if dialysis or (egfr is not None and egfr < 15):
        return "kidney.failure"
    if egfr is not None and egfr < 30:
        return "kidney.severe"
    if egfr is not None and egfr < 60:
        return "kidney.moderate"
    if egfr is None and profile.age >= 65:
        return "kidney.unknown_older_adult"
    return None


def _expected_serum(profile: Profile) -> set[str]:
    """CLINICAL.md §4 on the serum value alone (mg/dL = mmol/L × 2.431 = mEq/L / 2 × 2.431)."""
    lab = profile.serum_magnesium
    if lab is None:
        return set()
    per_unit = {"mg/dL": 1, "mmol/L": 2.431, "mEq/L": 2.431 / 2}
    mg_dl = lab.value * per_unit[lab.unit]
    out = set()
    if round(mg_dl, 9) < 1.8:
        out.add("lab.hypomagnesemia")
    if round(mg_dl, 9) < 1.2:
        out.add("lab.severe_hypomagnesemia")
    if round(mg_dl, 9) > 2.3:
        out.add("lab.hypermagnesemia")
    return out


@SETTINGS
@given(body=profiles())
def test_kidney_and_serum_findings_follow_the_clinical_tables(body):
    profile = load(body)
    found = {f.code for f in evaluate(profile).findings}
    kidney_found = found & {*KIDNEY_RANK, "kidney.unknown_older_adult"}
    expected = _expected_kidney(profile)
    assert kidney_found == ({expected} if expected else set())
    serum_codes = {"lab.hypomagnesemia", "lab.severe_hypomagnesemia", "lab.hypermagnesemia"}
    assert found & serum_codes == _expected_serum(profile)


@SETTINGS
@given(body=profiles())
def test_ul_exceeded_follows_the_arithmetic(body):
    profile = load(body)
    rec = evaluate(profile)
    ul = upper_limit_for(profile.age)
    total = rec.intake.supplemental_elemental_mg_per_day
    oral = [p for p in rec.intake.products if p.route == "oral"]
    exact = sum(p.dose_mg * (p.elemental_fraction or 1.0) * p.times_per_day for p in oral)
    # Each product is shown to 0.1 mg; the total is the exact sum shown to 0.01 mg.
    assert total == pytest.approx(exact, abs=0.006)
    assert total == pytest.approx(
        sum(p.elemental_mg_per_day for p in oral), abs=0.051 * len(oral) + 0.001
    )
    exceeded = "intake.ul_exceeded" in {f.code for f in rec.findings}
    assert exceeded is (ul is not None and round(exact, 6) > ul)


# --- v2 safety invariants ------------------------------------------------------------------

CAUTION_RANK = {"refer": 0, "avoid": 1, "caution": 2, "suitable": 3}  # lower is more cautious


def _rank(profile: Profile) -> int:
    return CAUTION_RANK[evaluate(profile).disposition]


@SETTINGS
@given(
    body=profiles(),
    signs=st.lists(st.sampled_from(TOXICITY_SIGNS), max_size=3, unique=True),
    sign=st.sampled_from(TOXICITY_SIGNS),
)
def test_adding_a_sign_of_toxicity_never_makes_the_answer_less_cautious(body, signs, sign):
    # Start from profiles that already show some signs: that is where the rules count.
    profile = load(body)
    profile = dataclasses.replace(profile, symptoms=profile.symptoms | set(signs))
    more = dataclasses.replace(profile, symptoms=profile.symptoms | {sign})
    assert _rank(more) <= _rank(profile)


@SETTINGS
@given(body=profiles(), token=st.sampled_from(RED_FLAGS + ["long_term_corticosteroids"]))
def test_adding_a_red_flag_never_makes_the_answer_less_cautious(body, token):
    profile = load(body)
    more = dataclasses.replace(profile, red_flags=profile.red_flags | {token})
    assert _rank(more) <= _rank(profile)
    assert evaluate(more).disposition == "refer"


@SETTINGS
@given(body=profiles(), a=_number(0, 200), b=_number(0, 200))
def test_a_lower_egfr_never_makes_the_answer_less_cautious(body, a, b):
    profile = load(body)
    high, low = max(a, b), min(a, b)

    def at(egfr):
        return dataclasses.replace(profile, kidney=dataclasses.replace(profile.kidney, egfr=egfr))

    assert _rank(at(low)) <= _rank(at(high))


@SETTINGS
@given(
    body=profiles(),
    a=st.floats(0.3, 12, allow_nan=False),
    b=st.floats(0.3, 12, allow_nan=False),
    age=st.integers(18, 110),
)
def test_a_higher_creatinine_never_makes_the_answer_less_cautious(body, a, b, age):
    profile = dataclasses.replace(load(body), age=age)
    low, high = min(a, b), max(a, b)

    def at(scr):
        kidney = dataclasses.replace(profile.kidney, egfr=None, creatinine=Creatinine(scr, "mg/dL"))
        return dataclasses.replace(profile, kidney=kidney)

    assert _rank(at(high)) <= _rank(at(low))
    assert _kidney_rank(at(high)) >= _kidney_rank(at(low))


@SETTINGS
@given(body=profiles(), condition=st.sampled_from(CONDITIONS))
def test_adding_a_condition_never_makes_the_answer_less_cautious(body, condition):
    profile = load(body)
    more = dataclasses.replace(profile, conditions=profile.conditions | {condition})
    assert _rank(more) <= _rank(profile)


@SETTINGS
@given(
    body=profiles(),
    age=st.integers(0, 110),
    scr=st.floats(0.3, 12, allow_nan=False) | st.sampled_from(CREATININE_EDGES),
    weight=st.none() | st.floats(3, 200, allow_nan=False),
    egfr=st.none() | _number(0, 200),
)
def test_kidney_findings_follow_the_equations(body, age, scr, weight, egfr):
    profile = load(body)
    kidney = dataclasses.replace(profile.kidney, egfr=egfr, creatinine=Creatinine(scr, "mg/dL"))
    profile = dataclasses.replace(profile, age=age, weight_kg=weight, kidney=kidney)
    found = {f.code for f in evaluate(profile).findings}
    expected = _expected_kidney(profile)
    assert found & {*KIDNEY_RANK, "kidney.unknown_older_adult"} == (
        {expected} if expected else set()
    )
