"""rules/intake.py: elemental arithmetic, ULs by age, antacids counted (CLINICAL.md §1, §2, §8)."""

from __future__ import annotations

import pytest

from rules import MagnesiumProduct, Profile, UnconvertibleDoseError, evaluate
from tests.conftest import codes, finding
from tests.rules.profiles import antacid, assert_sourced, oral, topical

UL = "intake.ul_exceeded"

# CLINICAL.md §2, copied here so the data table is checked against the reference, not itself.
FRACTIONS = [
    ("oxide", 0.603),
    ("hydroxide", 0.417),
    ("carbonate", 0.288),
    ("citrate", 0.1616),
    ("malate", 0.155),
    ("glycinate", 0.141),
    ("glycerophosphate", 0.125),
    ("orotate", 0.073),
    ("lactate", 0.120),
    ("chloride", 0.120),
    ("sulfate", 0.0986),
    ("taurate", 0.089),
    ("pidolate", 0.087),
    ("aspartate", 0.084),
    ("l-threonate", 0.083),
    ("gluconate", 0.059),
]


@pytest.mark.parametrize(("mg", "fires"), [(350, False), (350.1, True), (200, False), (1000, True)])
def test_adult_ul_is_strictly_above_350(recommend, mg, fires):
    rec = recommend(magnesium_products=[oral(mg)])
    assert (UL in codes(rec)) is fires
    assert rec["intake"]["supplemental_elemental_mg_per_day"] == mg
    if fires:
        f = finding(rec, UL)
        assert f["severity"] == "warning"
        assert f["evidence"] == {
            "supplemental_elemental_mg_per_day": mg,
            "upper_limit_mg": 350,
            "age": 45,
        }
        assert f["details"]["excess_mg_per_day"] == round(mg - 350, 1)
        assert "350 mg elemental" in f["action"]
        assert rec["plan"]["max_supplemental_elemental_mg_per_day"] == 350
        assert_sourced(f)


@pytest.mark.parametrize(
    ("age", "ul"),
    [(1, 65), (3, 65), (4, 110), (8, 110), (9, 350), (13, 350), (17, 350), (18, 350), (99, 350)],
)
def test_ul_by_age_on_both_sides(recommend, age, ul):
    at = recommend(age=age, magnesium_products=[oral(ul)])
    assert at["intake"]["upper_limit_mg"] == ul
    assert UL not in codes(at)
    over = recommend(age=age, magnesium_products=[oral(ul + 0.1)])
    assert finding(over, UL)["evidence"]["upper_limit_mg"] == ul
    assert finding(over, UL)["evidence"]["age"] == age


def test_infants_have_no_ul(recommend):
    rec = recommend(age=0, magnesium_products=[oral(1000)])
    assert rec["intake"]["upper_limit_mg"] is None
    assert UL not in codes(rec)
    assert "population.infant" in codes(rec) and rec["disposition"] == "avoid"


def test_compound_dose_is_converted_glycinate_example(recommend):
    rec = recommend(magnesium_products=[oral(1000, basis="compound", times_per_day=2)])
    assert rec["intake"]["supplemental_elemental_mg_per_day"] == 282.0
    product = rec["intake"]["products"][0]
    assert product["elemental_mg_per_day"] == 282.0 and product["elemental_fraction"] == 0.141
    f = finding(rec, "intake.compound_converted")
    assert f["severity"] == "info"
    assert f["details"]["conversions"] == [
        {
            "form": "glycinate",
            "compound_mg": 1000,
            "fraction": 0.141,
            "times_per_day": 2,
            "elemental_mg_per_day": 282.0,
        }
    ]
    assert f["evidence"] == {"products": ["glycinate"]}
    assert "1000 mg compound × 0.141 × 2/day = 282 mg elemental" in f["explanation"]
    assert UL not in codes(rec)
    assert_sourced(f)


@pytest.mark.parametrize(("form", "fraction"), FRACTIONS)
def test_every_form_converts_by_its_fraction(recommend, form, fraction):
    rec = recommend(magnesium_products=[oral(1000, form=form, basis="compound")])
    assert rec["intake"]["products"][0]["elemental_fraction"] == fraction
    assert rec["intake"]["supplemental_elemental_mg_per_day"] == round(1000 * fraction, 1)


@pytest.mark.parametrize(
    ("dose", "times", "fires"),
    [(1241, 2, False), (1242, 2, True)],  # glycinate: 349.96 → 350.0 vs 350.2 mg elemental
)
def test_compound_arithmetic_decides_the_ul(recommend, dose, times, fires):
    rec = recommend(magnesium_products=[oral(dose, basis="compound", times_per_day=times)])
    assert (UL in codes(rec)) is fires


def test_elemental_dose_is_not_converted(recommend):
    rec = recommend(magnesium_products=[oral(200, form="oxide")])
    assert rec["intake"]["supplemental_elemental_mg_per_day"] == 200
    assert "intake.compound_converted" not in codes(rec)


@pytest.mark.parametrize(
    ("alias", "form"),
    [("Milk of Magnesia", "hydroxide"), ("bisglycinate", "glycinate"), ("Epsom salt", "sulfate")],
)
def test_label_names_are_normalised(recommend, alias, form):
    rec = recommend(magnesium_products=[oral(100, form=alias, basis="compound")])
    assert rec["intake"]["products"][0]["form"] == form


@pytest.mark.parametrize(
    ("age", "mg", "no_headroom"),
    [
        (45, 350, True),
        (45, 349.9, False),
        (45, 500, True),
        (6, 110, True),
        (6, 109.9, False),
        (2, 65, True),
        (2, 64.9, False),
    ],
)
def test_antacids_alone_reaching_the_ul_leave_no_headroom(recommend, age, mg, no_headroom):
    rec = recommend(age=age, magnesium_products=[antacid(mg)])
    assert ("intake.no_headroom" in codes(rec)) is no_headroom
    counted = finding(rec, "intake.antacid_laxative_counted")
    assert counted["evidence"] == {"antacid_laxative_elemental_mg_per_day": mg}
    assert rec["intake"]["antacid_laxative_elemental_mg_per_day"] == mg
    if no_headroom:
        f = finding(rec, "intake.no_headroom")
        assert f["severity"] == "critical" and rec["disposition"] == "avoid"
        assert f["evidence"]["antacid_laxative_elemental_mg_per_day"] == mg
        assert rec["plan"] is None
        assert_sourced(f)
    else:
        ceiling = rec["plan"]["max_supplemental_elemental_mg_per_day"]
        assert ceiling == pytest.approx(rec["intake"]["upper_limit_mg"] - mg)


def test_a_supplement_never_triggers_no_headroom(recommend):
    assert "intake.no_headroom" not in codes(recommend(magnesium_products=[oral(500)]))


def test_antacid_plus_supplement_over_the_ul(recommend):
    rec = recommend(magnesium_products=[oral(250), antacid(100.1)])
    assert rec["intake"]["supplemental_elemental_mg_per_day"] == 350.1
    assert UL in codes(rec) and "intake.no_headroom" not in codes(rec)
    assert rec["plan"]["max_supplemental_elemental_mg_per_day"] == 249.9


@pytest.mark.parametrize(
    "product",
    [
        topical(),
        topical(dose_mg=5000, dose_basis="elemental"),
        topical("sulfate", dose_mg=2000, dose_basis="compound"),
    ],
)
def test_topical_products_are_never_counted(recommend, product):
    rec = recommend(magnesium_products=[oral(350), product])
    assert rec["intake"]["supplemental_elemental_mg_per_day"] == 350
    assert rec["intake"]["products"][1]["counted_toward_upper_limit"] is False
    assert rec["intake"]["products"][1]["elemental_mg_per_day"] == 0
    assert UL not in codes(rec)


@pytest.mark.parametrize(
    ("age", "sex", "pregnant", "lactating", "rda"),
    [
        (45, "female", False, False, 320),
        (45, "male", False, False, 420),
        (25, "female", True, False, 350),
        (25, "female", False, True, 310),
        (16, "male", False, False, 410),
        (6, "other", False, False, 130),
        (45, "unknown", False, False, None),
        (0, "female", False, False, None),
    ],
)
def test_rda_is_reported(recommend, age, sex, pregnant, lactating, rda):
    rec = recommend(age=age, sex=sex, pregnant=pregnant, lactating=lactating)
    assert rec["intake"]["rda_mg"] == rda


def test_unconvertible_compound_dose_is_an_error_not_a_guess():
    profile = Profile(
        age=45,
        sex="female",
        magnesium_products=(MagnesiumProduct("stearate", dose_mg=500, dose_basis="compound"),),
    )
    with pytest.raises(UnconvertibleDoseError) as info:
        evaluate(profile)
    assert info.value.field == "magnesium_products[0].form"
    assert "stearate" in info.value.message


@pytest.mark.parametrize(
    ("compound_mg", "exceeded"),
    [
        (2166, True),  # citrate: 350.03 mg elemental, shown as 350.03: strictly above the UL
        (2165, False),  # 349.86 mg
    ],
)
def test_ul_is_decided_on_exact_not_rounded_intake(recommend, compound_mg, exceeded):
    rec = recommend(
        magnesium_products=[{"form": "citrate", "dose_mg": compound_mg, "dose_basis": "compound"}]
    )
    assert ("intake.ul_exceeded" in codes(rec)) is exceeded


def test_float_noise_does_not_push_the_ul_over(recommend):
    # 193.477059148701 mg oxide × 0.603 × 3 is 350.00000000000006 in floating point: a
    # sub-microgram artefact, so exactly the UL, which is not over it.
    rec = recommend(
        magnesium_products=[
            {
                "form": "oxide",
                "dose_mg": 193.477059148701,
                "dose_basis": "compound",
                "times_per_day": 3,
            }
        ]
    )
    assert rec["intake"]["supplemental_elemental_mg_per_day"] == 350.0
    assert "intake.ul_exceeded" not in codes(rec)
