"""rules/knowledge_base.py: disposition precedence, plan, referral, summary (CLINICAL.md §9)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rules import ALL_RULES, VERSION
from tests.conftest import codes, finding
from tests.rules.profiles import antacid, oral, pain

# The reference sits beside the repository (../shared/reference), not inside it.
CLINICAL = Path(__file__).resolve().parents[3] / "shared" / "reference" / "CLINICAL.md"

# Every finding code CLINICAL.md names, written out so the test runs without the reference.
CLINICAL_CODES = {
    "intake.ul_exceeded",
    "intake.no_headroom",
    "intake.compound_converted",
    "intake.antacid_laxative_counted",
    "population.infant",
    "population.minor",
    "population.pregnancy",
    "population.lactation",
    "side_effect.gi_symptoms",
    "kidney.failure",
    "kidney.severe",
    "kidney.moderate",
    "kidney.unknown_older_adult",
    "lab.hypomagnesemia",
    "lab.hypermagnesemia",
    "toxicity.hypermagnesemia",
    "interaction.fluoroquinolone",
    "interaction.tetracycline",
    "interaction.bisphosphonate",
    "interaction.levothyroxine",
    "interaction.integrase_inhibitor",
    "interaction.gabapentin",
    "interaction.loop_thiazide_diuretic",
    "interaction.potassium_sparing_diuretic",
    "interaction.ppi",
    "interaction.digoxin",
    "red_flag.cauda_equina",
    "red_flag.vascular",
    "red_flag.neurological_deficit",
    "red_flag.infection",
    "red_flag.malignancy",
    "red_flag.fracture",
    "red_flag.sudden_severe_pain",
    "red_flag.severe_pain",
    "red_flag.radiating_pain",
    "review.inflammatory_back_pain",
    "review.persistent_pain",
    "form.topical_evidence_limited",
    "form.citrate_for_constipation",
    "form.oxide_low_absorption",
    # v2
    "kidney.egfr_estimated",
    "lab.severe_hypomagnesemia",
    "toxicity.digoxin_suspected",
    "review.unexplained_signs",
    "red_flag.pediatric",
    "condition.myasthenia_gravis",
    "condition.heart_block",
    "condition.bowel_obstruction",
    "condition.dehydration",
    "deficiency.risk",
    "deficiency.signs",
    "intake.dose_unknown",
    "medication.not_recognized",
    "interaction.absorption_reduced",
    "interaction.potassium_binder",
    "interaction.magnesium_wasting",
}

# One profile per effect (each adds exactly one finding of that effect to a plain adult).
REFER = {"red_flags": ["night_pain"]}  # urgent
AVOID = {"kidney": {"egfr": 20}}
CAUTION = {"medications": [{"name": "Cipro 500 mg"}]}
INFO = {"back_pain": pain(duration_weeks=8)}
EXPECTED_CODE = [
    (REFER, "red_flag.malignancy"),
    (AVOID, "kidney.severe"),
    (CAUTION, "interaction.fluoroquinolone"),
    (INFO, "review.persistent_pain"),
]


@pytest.mark.parametrize(
    ("parts", "disposition"),
    [
        ((REFER, AVOID, CAUTION, INFO), "refer"),
        ((REFER, INFO), "refer"),
        ((AVOID, CAUTION, INFO), "avoid"),
        ((AVOID,), "avoid"),
        ((CAUTION, INFO), "caution"),
        ((INFO,), "suitable"),
        ((), "suitable"),
    ],
)
def test_disposition_precedence(recommend, parts, disposition):
    fields: dict = {}
    for part in parts:
        fields.update(part)
    rec = recommend(**fields)
    assert rec["disposition"] == disposition
    # every finding that fired is listed, whatever the disposition
    expected = {code for part, code in EXPECTED_CODE if part in parts}
    assert codes(rec) == expected
    if disposition in ("refer", "avoid"):
        assert rec["plan"] is None
    else:
        assert rec["plan"]["form"] and rec["plan"]["route"]
    assert (rec["referral"] is None) is (disposition != "refer")


def test_findings_are_ordered_by_effect(recommend):
    rec = recommend(**REFER, **AVOID, **CAUTION, **INFO)
    rank = {"refer": 0, "avoid": 1, "caution": 2, "info": 3}
    effects = [rank[f["effect"]] for f in rec["findings"]]
    assert effects == sorted(effects)


def test_everything_fires_under_a_referral(recommend):
    rec = recommend(
        age=70,
        kidney={"dialysis": True},
        red_flags=["saddle_anesthesia", "minor_trauma"],
        symptoms=["diarrhea"],
        medications=[{"name": "Lasix"}],
        magnesium_products=[oral(400, form="oxide"), antacid(50)],
        back_pain=pain(onset="sudden", severity=9, radiating=True, duration_weeks=7),
    )
    assert rec["disposition"] == "refer" and rec["plan"] is None
    assert {
        "red_flag.cauda_equina",
        "red_flag.fracture",
        "red_flag.sudden_severe_pain",
        "red_flag.radiating_pain",
        "kidney.failure",
        "intake.ul_exceeded",
        "side_effect.gi_symptoms",
        "interaction.loop_thiazide_diuretic",
        "form.oxide_low_absorption",
        "intake.antacid_laxative_counted",
        "review.persistent_pain",
    } <= codes(rec)


@pytest.mark.parametrize(
    ("red_flags", "back_pain", "urgency"),
    [
        (["saddle_anesthesia", "night_pain"], {"radiating": True}, "emergency"),
        (["pulsatile_abdominal_mass"], {}, "emergency"),
        (["night_pain"], {"radiating": True}, "urgent"),
        ([], {"onset": "sudden", "severity": 8, "radiating": True}, "urgent"),
        ([], {"onset": "gradual", "severity": 8, "radiating": True}, "prompt"),
        ([], {"radiating": True}, "prompt"),
    ],
)
def test_referral_urgency_is_the_highest(recommend, red_flags, back_pain, urgency):
    rec = recommend(red_flags=red_flags, back_pain=back_pain)
    assert rec["referral"]["urgency"] == urgency
    refer = [f for f in rec["findings"] if f["effect"] == "refer"]
    assert rec["referral"]["reasons"] == [f["title"] for f in refer]
    assert rec["summary"].startswith(f"Refer ({urgency}): {refer[0]['title']}")


def test_toxicity_referral_is_an_emergency(recommend):
    rec = recommend(serum_magnesium={"value": 5, "unit": "mg/dL"}, red_flags=["night_pain"])
    assert rec["referral"]["urgency"] == "emergency"


def test_avoid_summary_names_the_reasons(recommend):
    rec = recommend(**AVOID, magnesium_products=[antacid(400)])
    assert rec["summary"].startswith("Avoid magnesium supplements:")
    for code in ("kidney.severe", "intake.no_headroom"):
        assert finding(rec, code)["title"] in rec["summary"]


def test_caution_summary_counts_precautions(recommend):
    rec = recommend(age=70, **CAUTION)  # fluoroquinolone + unknown eGFR at 70
    assert rec["summary"] == (
        "Magnesium glycinate (oral) is reasonable, at most 350 mg elemental per day, "
        "with 2 precautions listed below."
    )


def test_suitable_summary_is_honest_about_evidence(recommend):
    rec = recommend()
    assert rec["summary"].startswith("Magnesium glycinate (oral) is reasonable, at most 350 mg")
    assert "Evidence for back pain is limited" in rec["summary"]


def test_run_reports_the_rules(recommend):
    rec = recommend(**CAUTION)
    assert rec["knowledge_base"]["version"] == VERSION
    assert rec["knowledge_base"]["rules_evaluated"] == len(ALL_RULES)
    assert rec["knowledge_base"]["rules_fired"] == ["interaction-fluoroquinolone"]
    assert rec["evaluation_id"] != recommend(**CAUTION)["evaluation_id"]


def test_every_finding_code_in_clinical_md_has_a_rule():
    assert CLINICAL_CODES == {r.code for r in ALL_RULES}


@pytest.mark.skipif(not CLINICAL.exists(), reason="no ../shared/reference/CLINICAL.md here")
def test_the_written_out_codes_match_clinical_md():
    text = CLINICAL.read_text()
    documented = set(
        re.findall(
            r"`((?:red_flag|review|kidney|lab|toxicity|intake|interaction|"
            r"population|side_effect|form|condition|deficiency|medication)"
            r"\.[a-z_]+)`",
            text,
        )
    )
    assert documented == CLINICAL_CODES


def test_every_rule_is_cited_and_versioned():
    ids = [r.id for r in ALL_RULES]
    assert len(ids) == len(set(ids))
    for rule in ALL_RULES:
        assert rule.sources and rule.version and rule.code and rule.title, rule.id
