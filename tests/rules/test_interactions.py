"""rules/interactions.py and data/drugs.py: classes, names in free text, RxNorm, timing (§5)."""

from __future__ import annotations

import pytest

from tests.conftest import codes, finding
from tests.rules.profiles import assert_sourced

FQ, TC, BP = "interaction.fluoroquinolone", "interaction.tetracycline", "interaction.bisphosphonate"
LT, II = "interaction.levothyroxine", "interaction.integrase_inhibitor"
GB = "interaction.gabapentin"
LOOP, KS = "interaction.loop_thiazide_diuretic", "interaction.potassium_sparing_diuretic"
PPI, DIG = "interaction.ppi", "interaction.digoxin"

# (text as written, finding code, generic, (hours before magnesium, hours after)) — CLINICAL.md §5
DRUG_TABLE = [
    ("ciprofloxacin", FQ, "ciprofloxacin", (2, 6)),
    ("Cipro", FQ, "ciprofloxacin", (2, 6)),
    ("levofloxacin", FQ, "levofloxacin", (2, 2)),
    ("Levaquin", FQ, "levofloxacin", (2, 2)),
    ("moxifloxacin", FQ, "moxifloxacin", (4, 8)),
    ("Avelox", FQ, "moxifloxacin", (4, 8)),
    ("ofloxacin", FQ, "ofloxacin", (2, 2)),
    ("doxycycline", TC, "doxycycline", (2, 6)),
    ("Vibramycin", TC, "doxycycline", (2, 6)),
    ("Doryx", TC, "doxycycline", (2, 6)),
    ("minocycline", TC, "minocycline", (2, 6)),
    ("Minocin", TC, "minocycline", (2, 6)),
    ("tetracycline", TC, "tetracycline", (2, 6)),
    ("demeclocycline", TC, "demeclocycline", (2, 6)),
    ("alendronate", BP, "alendronate", (2, None)),
    ("Fosamax", BP, "alendronate", (2, None)),
    ("risedronate", BP, "risedronate", (2, None)),
    ("Actonel", BP, "risedronate", (2, None)),
    ("Atelvia", BP, "risedronate", (2, None)),
    ("ibandronate", BP, "ibandronate", (2, None)),
    ("Boniva", BP, "ibandronate", (2, None)),
    ("levothyroxine", LT, "levothyroxine", (4, 4)),
    ("Synthroid", LT, "levothyroxine", (4, 4)),
    ("Levoxyl", LT, "levothyroxine", (4, 4)),
    ("Tirosint", LT, "levothyroxine", (4, 4)),
    ("dolutegravir", II, "dolutegravir", (2, 6)),
    ("Tivicay", II, "dolutegravir", (2, 6)),
    ("Triumeq", II, "dolutegravir", (2, 6)),
    ("Dovato", II, "dolutegravir", (2, 6)),
    ("raltegravir", II, "raltegravir", None),
    ("Isentress", II, "raltegravir", None),
    ("gabapentin", GB, "gabapentin", (None, 2)),
    ("Neurontin", GB, "gabapentin", (None, 2)),
    ("furosemide", LOOP, "furosemide", None),
    ("Lasix", LOOP, "furosemide", None),
    ("bumetanide", LOOP, "bumetanide", None),
    ("Bumex", LOOP, "bumetanide", None),
    ("torsemide", LOOP, "torsemide", None),
    ("hydrochlorothiazide", LOOP, "hydrochlorothiazide", None),
    ("chlorthalidone", LOOP, "chlorthalidone", None),
    ("spironolactone", KS, "spironolactone", None),
    ("Aldactone", KS, "spironolactone", None),
    ("amiloride", KS, "amiloride", None),
    ("triamterene", KS, "triamterene", None),
    ("eplerenone", KS, "eplerenone", None),
    ("omeprazole", PPI, "omeprazole", None),
    ("Prilosec", PPI, "omeprazole", None),
    ("esomeprazole", PPI, "esomeprazole", None),
    ("Nexium", PPI, "esomeprazole", None),
    ("lansoprazole", PPI, "lansoprazole", None),
    ("Prevacid", PPI, "lansoprazole", None),
    ("pantoprazole", PPI, "pantoprazole", None),
    ("Protonix", PPI, "pantoprazole", None),
    ("rabeprazole", PPI, "rabeprazole", None),
    ("dexlansoprazole", PPI, "dexlansoprazole", None),
    ("digoxin", DIG, "digoxin", None),
    ("Lanoxin", DIG, "digoxin", None),
]
INTERACTION_CODES = {code for _, code, _, _ in DRUG_TABLE}


def _interactions(rec):
    return [f for f in rec["findings"] if f["category"] == "interaction"]


@pytest.mark.parametrize(("text", "code", "generic", "timing"), DRUG_TABLE)
def test_every_member_and_brand_with_its_timing(recommend, text, code, generic, timing):
    name = f"{text.upper()} 10 MG TAB"
    rec = recommend(medications=[{"name": name}])
    [f] = _interactions(rec)
    assert f["code"] == code and f["severity"] == "warning"
    assert f["details"]["drug"] == generic
    assert f["details"]["matched"] == name
    assert f["evidence"] == {"medication": name}
    assert_sourced(f)
    assert rec["disposition"] == "caution"
    separations = rec["plan"]["separations"]
    if timing is None:
        assert "separation" not in f["details"]
        assert separations == []
        assert f["action"] in rec["plan"]["monitoring"]  # monitored instead of spaced
    else:
        before, after = timing
        assert f["details"]["separation"] == {
            "drug_before_magnesium_hours": before,
            "drug_after_magnesium_hours": after,
        }
        assert [
            (s["drug"], s["drug_before_magnesium_hours"], s["drug_after_magnesium_hours"])
            for s in separations
        ] == [(generic, before, after)]


@pytest.mark.parametrize(
    ("text", "generic"),
    [
        ("CIPROFLOXACIN HCL 500MG TAB", "ciprofloxacin"),
        (" LaSiX ", "furosemide"),
        ("doxycycline hyclate 100 mg", "doxycycline"),
        ("Levothyroxine sodium 75 mcg", "levothyroxine"),
        ("omeprazole DR 20mg cap (Prilosec)", "omeprazole"),
        ("hydrochlorothiazide/lisinopril 12.5-10", "hydrochlorothiazide"),
        ("take cipro twice daily", "ciprofloxacin"),
    ],
)
def test_names_are_found_inside_free_text(recommend, text, generic):
    rec = recommend(medications=[{"name": text}])
    [f] = _interactions(rec)
    assert f["details"]["drug"] == generic
    assert f["details"]["matched"] == text.strip()  # as sent (the edge strips whitespace)
    assert f["details"]["matched_by"] == "name"


@pytest.mark.parametrize(
    ("rxnorm", "code", "generic"),
    [
        ("2551", FQ, "ciprofloxacin"),
        ("82122", FQ, "levofloxacin"),
        ("139462", FQ, "moxifloxacin"),
        ("4603", LOOP, "furosemide"),
        ("5487", LOOP, "hydrochlorothiazide"),
        ("9997", KS, "spironolactone"),
        ("7646", PPI, "omeprazole"),
        ("40790", PPI, "pantoprazole"),
        ("283742", PPI, "esomeprazole"),
    ],
)
def test_rxnorm_ingredient_codes(recommend, rxnorm, code, generic):
    rec = recommend(medications=[{"name": "pharmacy item 12", "rxnorm": rxnorm}])
    [f] = _interactions(rec)
    assert f["code"] == code and f["details"]["drug"] == generic
    assert f["details"]["matched_by"] == "rxnorm"
    assert f["details"]["matched"] == "pharmacy item 12"


@pytest.mark.parametrize(
    ("text", "generic"),
    [
        ("esomeprazole 40 mg", "esomeprazole"),  # contains "omeprazole": not omeprazole
        ("Dexlansoprazole 60 mg", "dexlansoprazole"),  # contains "lansoprazole"
        ("ofloxacin 200 mg", "ofloxacin"),  # not levofloxacin
        ("levofloxacin 500 mg", "levofloxacin"),  # contains "ofloxacin": not ofloxacin
    ],
)
def test_a_name_inside_a_longer_name_is_not_matched(recommend, text, generic):
    assert [
        f["details"]["drug"] for f in _interactions(recommend(medications=[{"name": text}]))
    ] == [generic]


@pytest.mark.parametrize(
    "text",
    [
        "ibuprofen 400 mg",
        "paracetamol",
        "naproxen",
        "cyclobenzaprine",
        "ciprofibrate 100 mg",
        "Lasixx",
        "digoxinase",
    ],
)
def test_other_drugs_interact_with_nothing(recommend, text):
    rec = recommend(medications=[{"name": text}])
    assert not codes(rec) & INTERACTION_CODES
    assert rec["disposition"] == "suitable"


def test_raltegravir_is_not_recommended_together(recommend):
    f = finding(recommend(medications=[{"name": "Isentress 400 mg"}]), II)
    assert f["details"]["not_recommended"] is True
    assert "not recommended together" in f["explanation"]
    assert "raltegravir" in f["action"]


def test_dolutegravir_has_timing_not_a_ban(recommend):
    f = finding(recommend(medications=[{"name": "Tivicay 50 mg"}]), II)
    assert "not_recommended" not in f["details"]


@pytest.mark.parametrize("text", ["Lasix 40 mg", "spironolactone 25 mg", "hydrochlorothiazide"])
def test_diuretics_are_monitored_never_spaced(recommend, text):
    rec = recommend(medications=[{"name": text}])
    [f] = _interactions(rec)
    assert "separation" not in f["details"]
    assert " h before magnesium" not in f["explanation"]
    assert "serum magnesium" in f["action"].lower()
    assert rec["plan"]["separations"] == []


def test_cipro_explanation_states_its_timing(recommend):
    f = finding(recommend(medications=[{"name": "Cipro 500 mg"}]), FQ)
    assert "at least 2 h before magnesium or at least 6 h after it" in f["explanation"]
    assert any(s["key"] == "LABEL-CIPRO" and s["locator"] == "section 2.4" for s in f["sources"])


def test_each_generic_is_reported_once(recommend):
    rec = recommend(
        medications=[{"name": "Cipro 500"}, {"name": "ciprofloxacin", "rxnorm": "2551"}]
    )
    assert [f["details"]["drug"] for f in _interactions(rec)] == ["ciprofloxacin"]


def test_two_drugs_of_one_class_are_two_findings(recommend):
    rec = recommend(medications=[{"name": "Cipro 500"}, {"name": "Avelox 400"}])
    drugs = sorted(f["details"]["drug"] for f in _interactions(rec) if f["code"] == FQ)
    assert drugs == ["ciprofloxacin", "moxifloxacin"]
    assert {s["drug"] for s in rec["plan"]["separations"]} == {"ciprofloxacin", "moxifloxacin"}


def test_every_class_at_once(recommend):
    names = [
        "Cipro",
        "doxycycline",
        "Fosamax",
        "Synthroid",
        "Tivicay",
        "Neurontin",
        "Lasix",
        "Aldactone",
        "Nexium",
        "Lanoxin",
    ]
    rec = recommend(medications=[{"name": n} for n in names])
    assert {f["code"] for f in _interactions(rec)} == INTERACTION_CODES
