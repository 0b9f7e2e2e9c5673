"""rules/kidney_function.py: the equations and what they refuse (CLINICAL.md §3, v2).

Expected values worked by hand from the equations as CLINICAL.md writes them (see
test_kidney.py); the rules' use of them is tested there.
"""

from __future__ import annotations

import pytest

from rules.errors import ProfileError
from rules.kidney_function import assess, ckd_epi_2021, cockcroft_gault, creatinine_mg_dl
from rules.model import Creatinine, Kidney, Profile


@pytest.mark.parametrize(
    ("scr", "age", "sex", "egfr", "constants"),
    [
        (1.0, 50, "male", 91.69, "male"),  # 142 × (1/0.9)^−1.2 × 0.9938^50
        (1.0, 50, "female", 68.63, "female"),  # 142 × 1.012 × (1/0.7)^−1.2 × 0.9938^50
        (0.6, 50, "female", 109.28, "female"),  # below κ: (0.6/0.7)^−0.241
        (0.6, 50, "unknown", 109.28, "female"),  # the lower of 109.28 and 117.60
        (1.5, 50, "other", 42.19, "female"),  # the lower of 42.19 and 56.37
    ],
)
def test_ckd_epi_2021(scr, age, sex, egfr, constants):
    value, used = ckd_epi_2021(scr, age, sex)
    assert round(value, 2) == egfr
    assert used == constants


@pytest.mark.parametrize(
    ("sex", "clearance"),
    [("male", 33.95), ("female", 28.86), ("other", 28.86), ("unknown", 28.86)],
)
def test_cockcroft_gault(sex, clearance):
    # (140 − 85) × 40 / (72 × 0.9) = 33.95; × 0.85 unless male = 28.86
    assert round(cockcroft_gault(0.9, 85, 40, sex), 2) == clearance


@pytest.mark.parametrize(
    ("value", "unit", "mg_dl"),
    [(1.0, "mg/dL", 1.0), (88.42, "µmol/L", 1.0), (176.84, "µmol/L", 2.0)],
)
def test_creatinine_units(value, unit, mg_dl):
    assert creatinine_mg_dl(Creatinine(value, unit)) == pytest.approx(mg_dl)


def test_an_unknown_unit_is_refused_naming_the_field():
    with pytest.raises(ProfileError) as raised:
        creatinine_mg_dl(Creatinine(1.0, "mmol/L"))  # type: ignore[arg-type]
    assert raised.value.field == "kidney.creatinine.unit"


def test_zero_creatinine_is_refused():
    profile = Profile(age=40, sex="male", kidney=Kidney(creatinine=Creatinine(0.0, "mg/dL")))
    with pytest.raises(ProfileError) as raised:
        assess(profile)
    assert raised.value.field == "kidney.creatinine.value"


def test_without_creatinine_the_reported_egfr_decides():
    k = assess(Profile(age=40, sex="male", kidney=Kidney(egfr=44.5)))
    assert (k.value, k.decided_by, k.computed) == (44.5, "egfr", False)
    k = assess(Profile(age=40, sex="male"))
    assert (k.value, k.decided_by, k.not_checked) == (None, None, ())


def test_weight_without_creatinine_computes_nothing():
    k = assess(Profile(age=40, sex="male", weight_kg=70))
    assert k.clearance is None and k.value is None
