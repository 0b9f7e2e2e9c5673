"""Safety invariants of the medication list (CLINICAL.md §5, §12, §13), over generated profiles.

Interacting names are written out (v1 and v2, brands, combinations, spellings), not
imported from the tables under test.
"""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from rules import Medication, Profile, evaluate
from tests.rules.test_properties import SETTINGS, load, profiles

DISPOSITION_RANK = {"refer": 0, "avoid": 1, "caution": 2, "suitable": 3}

INTERACTING = [
    "Biktarvy",
    "Genvoya",
    "Vocabria",
    "Juluca",
    "Triumeq",
    "Dovato",
    "eltrombopag 50 mg",
    "CellCept 500 mg",
    "Xofluza",
    "tacrolimus 1 mg",
    "metolazone 5 mg",
    "Dyazide",
    "lisinopril-HCTZ 20-12.5",
    "Unithroid 50 mcg",
    "Solodyn 90 mg",
    "Kayexalate 15 g",
    "Veltassa",
    "cisplatin",
    "Digitek",
    "Gralise",
    "Zegerid",
    "Nexium 24HR",
    "Doxycyclin",
    "ciprofloxacine",
    "Levothyroxin",
    "Ciprofloxasin 500",
    "Plaquenil 200 mg",
    "Reyataz",
    "Cipro 500 mg",
    "Lasix 40",
    "spironolactone",
    "Fosamax 70 mg",
]
RXNORM_INTERACTING = ["10582", "3640", "2551", "313988", "199026", "1433868", "42316"]
# Generated names that cannot be a drug name: "Zq" + letters + "x" (no table holds such a word
# and none is within the approximate-spelling distance of one).
UNKNOWN_NAMES = st.builds(
    lambda core, strength: f"Zq{core}x{strength}",
    st.text(alphabet="bcdfghjklmnpqrstvwz", min_size=3, max_size=8),
    st.sampled_from(["", " 10 mg", " 5 mg daily", " tab"]),
)


@SETTINGS
@given(body=profiles(), drug=st.sampled_from(INTERACTING))
def test_adding_an_interacting_drug_never_makes_the_answer_less_cautious(body, drug):
    profile = load(body)
    before = evaluate(profile)
    after = evaluate(
        dataclasses.replace(profile, medications=(*profile.medications, Medication(drug)))
    )
    assert DISPOSITION_RANK[after.disposition] <= DISPOSITION_RANK[before.disposition]
    assert after.disposition != "suitable"
    assert {f.code for f in before.findings} <= {f.code for f in after.findings}
    # The drug itself raises a caution, whatever else the profile holds (unless the same
    # generic is already in the list, when its first mention carries the finding).
    if not any(m.name == drug for m in profile.medications):
        assert any(
            f.category == "interaction"
            and f.effect == "caution"
            and f.evidence.get("medication") in {drug, *(m.name for m in profile.medications)}
            for f in after.findings
        )


@SETTINGS
@given(body=profiles(), code=st.sampled_from(RXNORM_INTERACTING))
def test_adding_an_interacting_code_never_makes_the_answer_less_cautious(body, code):
    profile = load(body)
    before = evaluate(profile)
    after = evaluate(
        dataclasses.replace(
            profile, medications=(*profile.medications, Medication("item 1", rxnorm=code))
        )
    )
    assert DISPOSITION_RANK[after.disposition] <= DISPOSITION_RANK[before.disposition]
    assert after.disposition != "suitable"


@SETTINGS
@given(body=profiles(), name=UNKNOWN_NAMES)
def test_an_unrecognised_medication_always_appears_in_not_checked(body, name):
    profile = load(body)
    rec = evaluate(
        dataclasses.replace(profile, medications=(*profile.medications, Medication(name)))
    )
    assert name in [n.item for n in rec.not_checked]
    assert "medication.not_recognized" in {f.code for f in rec.findings}
    if rec.disposition == "suitable":
        assert rec.summary.startswith("Suitable for what was checked; not checked: ")
        assert name in rec.summary


@SETTINGS
@given(body=profiles(), name=UNKNOWN_NAMES)
def test_an_unrecognised_medication_never_changes_the_disposition(body, name):
    profile = load(body)
    before = evaluate(profile)
    after = evaluate(
        dataclasses.replace(profile, medications=(*profile.medications, Medication(name)))
    )
    assert after.disposition == before.disposition


# Free text from forms and EHRs: no text may crash the reading (a 5xx instead of an answer).
MEDICATION_TEXT = st.text(max_size=120) | st.builds(
    " ".join,
    st.lists(
        st.sampled_from(
            [
                "milk",
                "of",
                "magnesia",
                "Mag-Ox",
                "magnesium",
                "citrate",
                "oxide",
                "30",
                "mL",
                "400",
                "mg/5",
                "mg",
                "g",
                "tbsp",
                "tsp",
                "twice",
                "daily",
                "prn",
                "weekly",
                "/",
                "(as",
                "glycinate)",
                "1,000",
                "0.5",
                "half",
                "tab",
                "Cipro",
                "HCTZ",
                "Juluca",
                "ＬＡＳＩＸ",
                "Lеvothyroxine",
                "bath",
                "antacid",
                "-",
                "..",
                "x",
                "q6h",
            ]
        ),
        max_size=12,
    ),
)


@SETTINGS
@given(text=MEDICATION_TEXT, rxnorm=st.none() | st.sampled_from(["252430", "313988", "1", ""]))
def test_any_medication_text_is_read_or_reported_never_crashes(text, rxnorm):
    from rules.magnesium_medicines import read_magnesium_medicine

    medicine = read_magnesium_medicine(text, rxnorm)
    if medicine is not None:
        assert medicine.dose_mg is None or medicine.dose_mg >= 0
        assert medicine.times_per_day is None or 1 <= medicine.times_per_day <= 6
    rec = evaluate(Profile(age=50, sex="female", medications=(Medication(text, rxnorm or None),)))
    named = (
        rec.intake.products
        or rec.not_checked
        or any(f.category == "interaction" for f in rec.findings)
    )
    # Recognised as a drug, as a magnesium medicine, as a common drug, or said: never silent.
    from rules.terminology import read_text

    assert named or read_text(text).common
