"""rules/magnesium_medicines.py and its intake (CLINICAL.md §2 v2, §12).

Expected names, salts, purposes and amounts are written out here: milk of magnesia is
400 mg magnesium hydroxide per 5 mL (USP), hydroxide 0.417 elemental, oxide 0.603.
"""

from __future__ import annotations

import pytest

from rules.magnesium_medicines import read_magnesium_medicine
from tests.conftest import codes, finding
from tests.rules.profiles import oral

AL = "antacid_laxative"


# (text, rxnorm, name, form, purpose, dose_mg, basis, times/day, route)
READINGS = [
    (
        "Milk of Magnesia 30 mL at bedtime",
        None,
        "milk of magnesia",
        "hydroxide",
        AL,
        2400,
        "compound",
        1,
        "oral",
    ),
    (
        "Phillips' Milk of Magnesia 15 mL twice daily",
        None,
        "Phillips'",
        "hydroxide",
        AL,
        1200,
        "compound",
        2,
        "oral",
    ),
    ("Phillips 15 mL bid", None, "Phillips'", "hydroxide", AL, 1200, "compound", 2, "oral"),
    (
        "concentrated milk of magnesia 10 mL daily",
        None,
        "milk of magnesia",
        "hydroxide",
        AL,
        1600,
        "compound",
        1,
        "oral",
    ),
    (
        "milk of magnesia 400 mg/5 mL, 30 mL qhs",
        None,
        "milk of magnesia",
        "hydroxide",
        AL,
        2400,
        "compound",
        1,
        "oral",
    ),
    (
        "Milk of magnesia 2 tbsp at bedtime",
        None,
        "milk of magnesia",
        "hydroxide",
        AL,
        2400,
        "compound",
        1,
        "oral",
    ),
    ("Mag-Ox 400", None, "Mag-Ox", "oxide", "supplement", 400, "compound", None, "oral"),
    (
        "Mag-Ox 400 1 tab twice daily",
        None,
        "Mag-Ox",
        "oxide",
        "supplement",
        400,
        "compound",
        2,
        "oral",
    ),
    (
        "Mag-Ox 400 2 tablets daily",
        None,
        "Mag-Ox",
        "oxide",
        "supplement",
        800,
        "compound",
        1,
        "oral",
    ),
    ("Mag-Ox 400 daily for constipation", None, "Mag-Ox", "oxide", AL, 400, "compound", 1, "oral"),
    (
        "magnesium oxide 400 mg daily",
        None,
        "magnesium oxide",
        "oxide",
        "supplement",
        400,
        "compound",
        1,
        "oral",
    ),
    (
        "magnesium oxide 400 mg daily as a laxative",
        None,
        "magnesium oxide",
        "oxide",
        AL,
        400,
        "compound",
        1,
        "oral",
    ),
    (
        "magnesium citrate oral solution",
        None,
        "magnesium citrate",
        "citrate",
        AL,
        None,
        None,
        None,
        "oral",
    ),
    (
        "magnesium citrate 200 mg tablet daily",
        None,
        "magnesium citrate",
        "citrate",
        "supplement",
        200,
        "compound",
        1,
        "oral",
    ),
    (
        "magnesium hydroxide 400 mg tid",
        None,
        "magnesium hydroxide",
        "hydroxide",
        AL,
        400,
        "compound",
        3,
        "oral",
    ),
    ("Maalox 10 mL qid", None, "Maalox", "hydroxide", AL, None, None, 4, "oral"),
    ("Mylanta", None, "Mylanta", "hydroxide", AL, None, None, None, "oral"),
    ("Gaviscon 2 tablets after meals", None, "Gaviscon", "carbonate", AL, None, None, None, "oral"),
    (
        "Epsom salt 10 g in water by mouth once",
        None,
        "Epsom salt",
        "sulfate",
        AL,
        10000,
        "compound",
        1,
        "oral",
    ),
    (
        "Epsom salt bath twice a week",
        None,
        "Epsom salt",
        "sulfate",
        AL,
        None,
        None,
        None,
        "topical",
    ),
    (
        "magnesium glycinate 500 mg twice daily",
        None,
        "magnesium glycinate",
        "glycinate",
        "supplement",
        500,
        "compound",
        2,
        "oral",
    ),
    (
        "Magnesium (as glycinate) 200 mg daily",
        None,
        "magnesium glycinate",
        "glycinate",
        "supplement",
        200,
        "elemental",
        1,
        "oral",
    ),
    ("magnesium 250 mg daily", None, "magnesium", None, "supplement", 250, "elemental", 1, "oral"),
    (
        "Calcium Carbonate 700 MG / Magnesium Hydroxide 300 MG Chewable Tablet",
        None,
        "magnesium hydroxide",
        "hydroxide",
        AL,
        300,
        "compound",
        None,
        "oral",
    ),
    (
        "1 capsule daily",
        "252430",
        "magnesium oxide",
        "oxide",
        "supplement",
        400,
        "compound",
        1,
        "oral",
    ),
    # magnesium beside other minerals is still magnesium taken, not a salt of them
    (
        "calcium 600 mg, magnesium 250 mg, zinc 15 mg daily",
        None,
        "magnesium",
        None,
        "supplement",
        250,
        "elemental",
        1,
        "oral",
    ),
    (
        "Cipro 500 mg and magnesium 400 mg daily",
        None,
        "magnesium",
        None,
        "supplement",
        400,
        "elemental",
        1,
        "oral",
    ),
]


@pytest.mark.parametrize(
    ("text", "rxnorm", "name", "form", "purpose", "dose", "basis", "times", "route"), READINGS
)
def test_reads_name_salt_purpose_amount_frequency(
    text, rxnorm, name, form, purpose, dose, basis, times, route
):
    m = read_magnesium_medicine(text, rxnorm)
    assert m is not None
    assert (m.name, m.form, m.purpose, m.dose_mg, m.dose_basis, m.times_per_day, m.route) == (
        name,
        form,
        purpose,
        dose,
        basis,
        times,
        route,
    )


@pytest.mark.parametrize(
    "text",
    [
        "esomeprazole magnesium 40 mg",
        "omeprazole magnesium 20 mg (Prilosec OTC)",
        "magnesium stearate",
        "magnesium salicylate 580 mg",
        "ibuprofen 400 mg",
        "Cipro 500",
        "calcium carbonate 500 mg",
        "",
    ],
)
def test_magnesium_only_as_a_salt_or_excipient_is_not_a_medicine(text):
    assert read_magnesium_medicine(text) is None


def test_milk_of_magnesia_without_a_volume_still_states_its_strength():
    # The FHIR mapping reads the volume from the dosage and needs the strength per mL.
    m = read_magnesium_medicine("Milk of Magnesia")
    assert m is not None
    assert (m.strength_mg, m.per_volume_ml, m.dose_mg) == (400, 5, None)
    assert m.unknown == "the volume taken of milk of magnesia is not stated"
    tablets = read_magnesium_medicine("Phillips' chewable 311 mg, 2 tablets daily")
    assert tablets is not None
    assert (tablets.strength_mg, tablets.per_volume_ml, tablets.dose_mg) == (311, None, 622)


def test_as_needed_is_an_unknown_daily_amount():
    m = read_magnesium_medicine("milk of magnesia 30 mL as needed")
    assert m is not None and m.as_needed and m.times_per_day is None
    assert m.unknown == "milk of magnesia is taken as needed: how much a day is not known"


# --- as intake (§12) ------------------------------------------------------------------------


def test_milk_of_magnesia_at_bedtime_is_about_1000_mg_and_leaves_no_room(recommend):
    rec = recommend(medications=[{"name": "Milk of Magnesia 30 mL at bedtime"}])
    [p] = rec["intake"]["products"]
    assert p == {
        "form": "hydroxide",
        "route": "oral",
        "purpose": AL,
        "dose_mg": 2400,
        "dose_basis": "compound",
        "times_per_day": 1,
        "elemental_fraction": 0.417,
        "elemental_mg_per_day": 1000.8,
        "counted_toward_upper_limit": True,
        "dose_known": True,
        "arithmetic": "milk of magnesia: 30 mL × 400 mg/5 mL = 2400 mg magnesium hydroxide "
        "(compound) × 0.417 × 1/day = 1000.8 mg elemental",
        "source": "medication list",
        "name": "Milk of Magnesia 30 mL at bedtime",
    }
    intake = rec["intake"]
    assert intake["antacid_laxative_elemental_mg_per_day"] == 1000.8
    assert (intake["over_upper_limit"], intake["excess_mg_per_day"]) == (True, 650.8)
    assert rec["disposition"] == "avoid" and "intake.no_headroom" in codes(rec)
    assert finding(rec, "intake.ul_exceeded")["details"]["excess_mg_per_day"] == 650.8


def test_a_known_amount_raises_no_dose_unknown(recommend):
    rec = recommend(medications=[{"name": "Mag-Ox 400 1 tablet daily"}])
    assert "intake.dose_unknown" not in codes(rec)
    assert rec["intake"]["products"][0]["elemental_mg_per_day"] == 241.2
    assert rec["intake"]["over_upper_limit"] is False


def test_no_frequency_counts_once_a_day_and_says_the_amount_is_unknown(recommend):
    rec = recommend(medications=[{"name": "Mag-Ox 400"}])
    [p] = rec["intake"]["products"]
    assert (p["elemental_mg_per_day"], p["dose_known"], p["purpose"]) == (
        241.2,
        False,
        "supplement",
    )
    assert p["arithmetic"].endswith(
        "(how often is not stated: counted once a day, the least it can be)"
    )
    f = finding(rec, "intake.dose_unknown")
    assert (f["effect"], f["evidence"]) == ("caution", {"products": ["Mag-Ox 400"]})
    assert any("may be too high" in note for note in rec["plan"]["notes"])


def test_an_unknown_amount_is_listed_not_counted(recommend):
    rec = recommend(medications=[{"name": "magnesium citrate oral solution"}])
    [p] = rec["intake"]["products"]
    assert (p["elemental_mg_per_day"], p["counted_toward_upper_limit"], p["route"]) == (
        None,
        False,
        "oral",
    )
    assert rec["intake"]["supplemental_elemental_mg_per_day"] == 0
    assert "intake.dose_unknown" in codes(rec)
    assert rec["disposition"] == "caution"


def test_a_topical_medicine_is_listed_not_counted_and_not_unknown(recommend):
    rec = recommend(medications=[{"name": "Epsom salt bath"}])
    [p] = rec["intake"]["products"]
    assert (p["route"], p["counted_toward_upper_limit"]) == ("topical", False)
    assert "intake.dose_unknown" not in codes(rec)


def test_medicines_add_to_profile_products(recommend):
    rec = recommend(
        magnesium_products=[oral(200)], medications=[{"name": "magnesium oxide 250 mg daily"}]
    )
    assert rec["intake"]["supplemental_elemental_mg_per_day"] == 350.75
    assert rec["intake"]["over_upper_limit"] is True
    assert rec["intake"]["excess_mg_per_day"] == 0.8


# --- the excess over the UL: from the exact sum, both sides of the boundary ------------------


@pytest.mark.parametrize(
    ("dose", "over", "excess"),
    [
        (350, False, 0.0),
        (350.004, True, 0.004),
        (350.05, True, 0.1),
        (400, True, 50.0),
        (349.99, False, 0.0),
    ],
)
def test_excess_and_over_follow_the_exact_sum(recommend, dose, over, excess):
    rec = recommend(magnesium_products=[oral(dose)])
    intake = rec["intake"]
    assert (intake["over_upper_limit"], intake["excess_mg_per_day"]) == (over, excess)
    assert ("intake.ul_exceeded" in codes(rec)) is over
    if over:
        assert finding(rec, "intake.ul_exceeded")["details"]["excess_mg_per_day"] == excess


def test_profile_products_carry_their_arithmetic(recommend):
    rec = recommend(magnesium_products=[oral(1000, basis="compound", times_per_day=2)])
    [p] = rec["intake"]["products"]
    assert p["arithmetic"] == "1000 mg compound × 0.141 × 2/day = 282 mg elemental"
    assert (p["source"], p["dose_known"]) == ("profile", True)


@pytest.mark.parametrize("text", ["milk of magnesia 30 mL as needed", "Mag-Ox 400 1 tablet weekly"])
def test_as_needed_or_less_than_daily_is_not_counted_but_said(recommend, text):
    rec = recommend(medications=[{"name": text}])
    [p] = rec["intake"]["products"]
    assert (p["elemental_mg_per_day"], p["counted_toward_upper_limit"], p["dose_known"]) == (
        None,
        False,
        False,
    )
    assert "intake.dose_unknown" in codes(rec)
    assert rec["intake"]["over_upper_limit"] is False


@pytest.mark.parametrize(
    ("product", "purpose"),
    [
        ({"form": "hydroxide", "dose_mg": 100, "dose_basis": "elemental"}, AL),
        ({"form": "milk of magnesia", "dose_mg": 100, "dose_basis": "elemental"}, AL),
        (
            {
                "form": "hydroxide",
                "dose_mg": 100,
                "dose_basis": "elemental",
                "purpose": "supplement",
            },
            "supplement",
        ),  # the profile says otherwise
        ({"form": "oxide", "dose_mg": 100, "dose_basis": "elemental"}, "supplement"),
    ],
)
def test_a_profile_products_purpose_defaults_by_form(recommend, product, purpose):
    rec = recommend(magnesium_products=[product])
    assert rec["intake"]["products"][0]["purpose"] == purpose
