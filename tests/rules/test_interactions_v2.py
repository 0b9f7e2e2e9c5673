"""CLINICAL.md §5 v2: new rows, members, brands, combinations, RxNorm codes, matching (§13).

Every expected name, code and timing is written out here, not imported from the tables
under test, so a row dropped or changed in rules/data is caught.
"""

from __future__ import annotations

import pytest

from rules import KnowledgeBase, Medication, NotChecked, Profile
from tests.conftest import codes, finding
from tests.rules.profiles import antacid, assert_sourced

FQ, TC, BP = "interaction.fluoroquinolone", "interaction.tetracycline", "interaction.bisphosphonate"
LT, II = "interaction.levothyroxine", "interaction.integrase_inhibitor"
GB, DIG = "interaction.gabapentin", "interaction.digoxin"
LOOP, KS = "interaction.loop_thiazide_diuretic", "interaction.potassium_sparing_diuretic"
PPI = "interaction.ppi"
AR, KB, MW = (
    "interaction.absorption_reduced",
    "interaction.potassium_binder",
    "interaction.magnesium_wasting",
)
NR = "medication.not_recognized"

# (text as written, finding code, generic, (hours before magnesium, hours after) or None
# when monitored instead of spaced) — CLINICAL.md §5 v2.
V2_TABLE = [
    # absorption reduced: one finding, each drug its own timing
    ("eltrombopag", AR, "eltrombopag", (2, 4)),
    ("Promacta", AR, "eltrombopag", (2, 4)),
    ("Alvaiz", AR, "eltrombopag", (2, 4)),
    ("mycophenolate mofetil", AR, "mycophenolate mofetil", (2, 2)),
    ("CellCept", AR, "mycophenolate mofetil", (2, 2)),
    ("mycophenolic acid", AR, "mycophenolic acid", (2, 2)),
    ("Myfortic", AR, "mycophenolic acid", (2, 2)),
    ("penicillamine", AR, "penicillamine", (2, 2)),
    ("Cuprimine", AR, "penicillamine", (2, 2)),
    ("Depen", AR, "penicillamine", (2, 2)),
    ("dasatinib", AR, "dasatinib", (2, 2)),
    ("Sprycel", AR, "dasatinib", (2, 2)),
    ("rilpivirine", AR, "rilpivirine", (4, 2)),
    ("Edurant", AR, "rilpivirine", (4, 2)),
    ("Complera", AR, "rilpivirine", (4, 2)),
    ("Odefsey", AR, "rilpivirine", (4, 2)),
    ("atazanavir", AR, "atazanavir", (2, 1)),
    ("Reyataz", AR, "atazanavir", (2, 1)),
    ("Evotaz", AR, "atazanavir", (2, 1)),
    ("itraconazole", AR, "itraconazole", (2, 1)),
    ("Sporanox", AR, "itraconazole", (2, 1)),
    ("ketoconazole", AR, "ketoconazole", (2, 1)),
    ("cefdinir", AR, "cefdinir", (2, 2)),
    ("cefpodoxime", AR, "cefpodoxime", (2, 2)),
    ("hydroxychloroquine", AR, "hydroxychloroquine", (4, 4)),
    ("Plaquenil", AR, "hydroxychloroquine", (4, 4)),
    ("baloxavir", AR, "baloxavir", (None, None)),  # not on the day of the dose (note)
    ("Xofluza", AR, "baloxavir", (None, None)),
    # integrase inhibitors added
    ("bictegravir", II, "bictegravir", (2, 6)),
    ("Biktarvy", II, "bictegravir", (2, 6)),
    ("elvitegravir", II, "elvitegravir", (2, 2)),
    ("Genvoya", II, "elvitegravir", (2, 2)),
    ("Stribild", II, "elvitegravir", (2, 2)),
    ("cabotegravir", II, "cabotegravir", (4, 2)),
    ("Vocabria", II, "cabotegravir", (4, 2)),
    ("Triumeq", II, "dolutegravir", (2, 6)),
    ("Dovato", II, "dolutegravir", (2, 6)),
    # fluoroquinolones added
    ("delafloxacin", FQ, "delafloxacin", (2, 6)),
    ("Baxdela", FQ, "delafloxacin", (2, 6)),
    ("gemifloxacin", FQ, "gemifloxacin", (2, 3)),
    ("Factive", FQ, "gemifloxacin", (2, 3)),
    ("norfloxacin", FQ, "norfloxacin", (2, 2)),
    # tetracyclines added
    ("omadacycline", TC, "omadacycline", (4, 4)),
    ("Nuzyra", TC, "omadacycline", (4, 4)),
    ("sarecycline", TC, "sarecycline", (2, 6)),
    ("Seysara", TC, "sarecycline", (2, 6)),
    ("Solodyn", TC, "minocycline", (2, 6)),
    ("Minolira", TC, "minocycline", (2, 6)),
    ("Ximino", TC, "minocycline", (2, 6)),
    ("Oracea", TC, "doxycycline", (2, 6)),
    ("Acticlate", TC, "doxycycline", (2, 6)),
    ("Monodox", TC, "doxycycline", (2, 6)),
    ("Targadox", TC, "doxycycline", (2, 6)),
    ("Doryx MPC", TC, "doxycycline", (2, 6)),
    # bisphosphonates added
    ("etidronate", BP, "etidronate", (2, 2)),
    ("Binosto", BP, "alendronate", (2, None)),
    ("Atelvia", BP, "risedronate", (2, None)),
    # levothyroxine brands and spellings
    ("Unithroid", LT, "levothyroxine", (4, 4)),
    ("Euthyrox", LT, "levothyroxine", (4, 4)),
    ("Eltroxin", LT, "levothyroxine", (4, 4)),
    ("Levo-T", LT, "levothyroxine", (4, 4)),
    ("Thyquidity", LT, "levothyroxine", (4, 4)),
    ("Ermeza", LT, "levothyroxine", (4, 4)),
    ("L-thyroxine", LT, "levothyroxine", (4, 4)),
    # gabapentin, digoxin brands
    ("Gralise", GB, "gabapentin", (None, 2)),
    ("Digitek", DIG, "digoxin", None),
    ("Digox", DIG, "digoxin", None),
    # loop and thiazide diuretics added: monitored, never spaced
    ("metolazone", LOOP, "metolazone", None),
    ("indapamide", LOOP, "indapamide", None),
    ("ethacrynic acid", LOOP, "ethacrynic acid", None),
    ("chlorothiazide", LOOP, "chlorothiazide", None),
    ("Microzide", LOOP, "hydrochlorothiazide", None),
    ("Demadex", LOOP, "torsemide", None),
    ("Soaanz", LOOP, "torsemide", None),
    ("HCTZ", LOOP, "hydrochlorothiazide", None),
    ("Zestoretic", LOOP, "hydrochlorothiazide", None),
    ("Prinzide", LOOP, "hydrochlorothiazide", None),
    ("Hyzaar", LOOP, "hydrochlorothiazide", None),
    ("Diovan HCT", LOOP, "hydrochlorothiazide", None),
    ("lisinopril-HCTZ", LOOP, "hydrochlorothiazide", None),
    # PPIs added
    ("Zegerid", PPI, "omeprazole", None),
    ("Prilosec OTC", PPI, "omeprazole", None),
    ("Nexium 24HR", PPI, "esomeprazole", None),
    ("Dexilant", PPI, "dexlansoprazole", None),
    ("Aciphex", PPI, "rabeprazole", None),
    # potassium binders: 3 / 3
    ("sodium polystyrene sulfonate", KB, "sodium polystyrene sulfonate", (3, 3)),
    ("Kayexalate", KB, "sodium polystyrene sulfonate", (3, 3)),
    ("patiromer", KB, "patiromer", (3, 3)),
    ("Veltassa", KB, "patiromer", (3, 3)),
    # magnesium-wasting drugs: monitored
    ("tacrolimus", MW, "tacrolimus", None),
    ("Prograf", MW, "tacrolimus", None),
    ("cyclosporine", MW, "cyclosporine", None),
    ("Neoral", MW, "cyclosporine", None),
    ("cisplatin", MW, "cisplatin", None),
    ("carboplatin", MW, "carboplatin", None),
    ("amphotericin B", MW, "amphotericin b", None),
    ("foscarnet", MW, "foscarnet", None),
    ("pentamidine", MW, "pentamidine", None),
    ("cetuximab", MW, "cetuximab", None),
    ("panitumumab", MW, "panitumumab", None),
    ("gentamicin", MW, "gentamicin", None),
    ("tobramycin", MW, "tobramycin", None),
    ("amikacin", MW, "amikacin", None),
]


def _interactions(rec):
    return [f for f in rec["findings"] if f["category"] == "interaction"]


@pytest.mark.parametrize(("text", "code", "generic", "timing"), V2_TABLE)
def test_every_v2_member_and_brand_with_its_timing(recommend, text, code, generic, timing):
    name = f"{text.upper()} 10 MG TAB"
    rec = recommend(medications=[{"name": name}])
    [f] = _interactions(rec)
    assert (f["code"], f["severity"], f["details"]["drug"]) == (code, "warning", generic)
    assert f["details"]["matched"] == name and f["details"]["matched_by"] == "name"
    assert_sourced(f)
    assert rec["disposition"] == "caution"
    assert NR not in codes(rec) and rec["not_checked"] == []
    separations = rec["plan"]["separations"]
    if timing is None:
        assert "separation" not in f["details"]
        assert separations == []
        assert f["action"] in rec["plan"]["monitoring"]
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


def test_baloxavir_says_not_on_the_day_of_the_dose(recommend):
    f = finding(recommend(medications=[{"name": "Xofluza 40 mg"}]), AR)
    assert f["details"]["timing_note"] == (
        "avoid magnesium on the day of the dose (choice: the label gives no interval)"
    )
    assert "avoid magnesium on the day of the dose" in f["explanation"]


# Combination products: each interacting ingredient its own finding (§5 v2).
@pytest.mark.parametrize(
    ("text", "expected", "separations"),
    [
        ("Juluca", [(II, "dolutegravir"), (AR, "rilpivirine")], [("Juluca", 4, 6)]),
        ("Dyazide", [(LOOP, "hydrochlorothiazide"), (KS, "triamterene")], []),
        ("Maxzide", [(LOOP, "hydrochlorothiazide"), (KS, "triamterene")], []),
        ("Aldactazide", [(LOOP, "hydrochlorothiazide"), (KS, "spironolactone")], []),
        ("Moduretic", [(LOOP, "hydrochlorothiazide"), (KS, "amiloride")], []),
    ],
)
def test_combination_products_raise_each_ingredient(recommend, text, expected, separations):
    rec = recommend(medications=[{"name": f"{text} 1 tablet daily"}])
    found = sorted((f["code"], f["details"]["drug"]) for f in _interactions(rec))
    assert found == sorted(expected)
    assert {f["details"]["product"] for f in _interactions(rec)} == {text}
    assert [
        (s["drug"], s["drug_before_magnesium_hours"], s["drug_after_magnesium_hours"])
        for s in rec["plan"]["separations"]
    ] == separations


def test_juluca_keeps_each_ingredients_own_timing_in_its_finding(recommend):
    rec = recommend(medications=[{"name": "Juluca"}])
    timings = {f["details"]["drug"]: f["details"]["separation"] for f in _interactions(rec)}
    assert timings == {
        "dolutegravir": {"drug_before_magnesium_hours": 2, "drug_after_magnesium_hours": 6},
        "rilpivirine": {"drug_before_magnesium_hours": 4, "drug_after_magnesium_hours": 2},
    }


def test_juluca_findings_also_state_the_products_own_timing(recommend):
    rec = recommend(medications=[{"name": "Juluca"}])
    for f in _interactions(rec):
        assert f["details"]["product_separation"] == {
            "drug_before_magnesium_hours": 4,
            "drug_after_magnesium_hours": 6,
        }
        assert (
            "For Juluca as a whole: Take Juluca at least 4 h before magnesium or at least "
            "6 h after it." in f["explanation"]
        )


def test_a_single_interacting_ingredient_has_no_product_timing(recommend):
    [f] = _interactions(recommend(medications=[{"name": "Biktarvy"}]))
    assert "product_separation" not in f["details"]


def test_a_combination_without_its_own_label_figure_takes_the_stricter(monkeypatch):
    from rules import interactions
    from rules.data.drugs import Combination, Drug

    product = Combination("Testcombo", ("a", "b"))
    a = interactions.MatchedDrug(
        Drug("a", "x", before_hours=2, after_hours=6), "T", "name", 0, product=product
    )
    b = interactions.MatchedDrug(
        Drug("b", "x", before_hours=4, after_hours=1), "T", "name", 0, product=product
    )
    [sep] = interactions.plan_separations((a, b))
    assert (sep.drug, sep.drug_before_magnesium_hours, sep.drug_after_magnesium_hours) == (
        "Testcombo",
        4,
        6,
    )


# --- potassium binders: the alkalosis sentence only with magnesium hydroxide ----------------


def test_binder_with_magnesium_hydroxide_warns_of_alkalosis(recommend):
    rec = recommend(
        medications=[{"name": "Kayexalate 15 g"}],
        magnesium_products=[antacid(100, form="hydroxide")],
    )
    f = finding(rec, KB)
    assert f["details"]["alkalosis_risk"] is True
    assert "metabolic alkalosis" in f["explanation"]


def test_binder_without_magnesium_hydroxide_has_no_alkalosis_sentence(recommend):
    rec = recommend(
        medications=[{"name": "Kayexalate 15 g"}],
        magnesium_products=[antacid(100, form="carbonate")],
    )
    f = finding(rec, KB)
    assert "alkalosis_risk" not in f["details"]
    assert "alkalosis" not in f["explanation"]
    assert "3 h" in f["explanation"] and "serum magnesium" in f["action"]


# --- RxNorm ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rxnorm", "code", "generic"),
    [
        ("10582", LT, "levothyroxine"),  # IN
        ("3640", TC, "doxycycline"),  # IN
        ("1433868", II, "dolutegravir"),
        ("3407", DIG, "digoxin"),
        ("711942", AR, "eltrombopag"),
        ("42316", MW, "tacrolimus"),
        ("7517", FQ, "norfloxacin"),
        ("91217", LOOP, "chlorothiazide"),  # PIN chlorothiazide sodium
        ("313988", LOOP, "furosemide"),  # SCD furosemide 40 MG Oral Tablet
        ("199026", TC, "doxycycline"),  # SCD doxycycline 100 MG Oral Capsule
        ("309309", FQ, "ciprofloxacin"),  # SCD ciprofloxacin 500 MG Oral Tablet
        ("198051", PPI, "omeprazole"),  # SCD omeprazole 20 MG DR capsule
        ("892246", LT, "levothyroxine"),  # SCD levothyroxine sodium 0.1 MG Oral Tablet
    ],
)
def test_rxnorm_codes_with_no_usable_name(recommend, rxnorm, code, generic):
    rec = recommend(medications=[{"name": "pharmacy item 12", "rxnorm": rxnorm}])
    [f] = _interactions(rec)
    assert (f["code"], f["details"]["drug"], f["details"]["matched_by"]) == (
        code,
        generic,
        "rxnorm",
    )
    assert rec["not_checked"] == []


def test_an_unknown_code_is_read_through_its_text(recommend):
    rec = recommend(medications=[{"name": "Lasix 40 mg", "rxnorm": "99999999"}])
    assert [f["details"]["drug"] for f in _interactions(rec)] == ["furosemide"]
    assert rec["not_checked"] == []


def test_an_unknown_code_with_no_usable_text_is_not_checked(recommend):
    rec = recommend(medications=[{"name": "40 mg", "rxnorm": "99999999"}])
    assert rec["not_checked"] == [
        {
            "kind": "code",
            "item": "RxNorm 99999999",
            "reason": "RxNorm 99999999 is not in the knowledge base's tables and came with no "
            "readable name: interactions with it were not checked",
        }
    ]
    assert finding(rec, NR)["effect"] == "info"


def test_a_magnesium_product_code_is_intake(recommend):
    rec = recommend(medications=[{"name": "1 capsule daily", "rxnorm": "252430"}])
    [p] = rec["intake"]["products"]
    assert (p["form"], p["dose_mg"], p["dose_basis"], p["source"]) == (
        "oxide",
        400,
        "compound",
        "medication list",
    )
    assert p["elemental_mg_per_day"] == 241.2
    assert rec["not_checked"] == []


# --- matching: normalisation, spellings, approximate spelling -------------------------------


@pytest.mark.parametrize(
    ("text", "generic"),
    [
        ("L\u0435vothyroxine 50 mcg", "levothyroxine"),  # Cyrillic е
        ("\uff2c\uff21\uff33\uff29\uff38 40", "furosemide"),  # fullwidth LASIX (NFKC)
        ("Lévothyrox 75", "levothyroxine"),  # accent dropped
        ("CIPROFLOXACIN500MG", "ciprofloxacin"),  # strength run into the name
        ("Doxycyclin 100 mg", "doxycycline"),
        ("Levothyroxin 50", "levothyroxine"),
        ("ciprofloxacine 500", "ciprofloxacin"),
        ("Furosemid 40", "furosemide"),
        ("frusemide 40", "furosemide"),
        ("Omeprazol 20", "omeprazole"),
        ("ciclosporin 100", "cyclosporine"),
        ("torasemide 10", "torsemide"),
        ("doxycycline monohydrate 100 mg", "doxycycline"),
    ],
)
def test_normalised_and_international_names(recommend, text, generic):
    rec = recommend(medications=[{"name": text}])
    [f] = _interactions(rec)
    assert (f["details"]["drug"], f["details"]["matched_by"]) == (generic, "name")


@pytest.mark.parametrize(
    ("text", "generic"),
    [
        ("Ciprofloxasin 500 mg", "ciprofloxacin"),
        ("gabapentn 300", "gabapentin"),  # ratio 94.7
        ("levothyroxne 50", "levothyroxine"),
        ("hydroxychlorquine 200", "hydroxychloroquine"),
    ],
)
def test_near_misspellings_match_and_ask_to_confirm(recommend, text, generic):
    rec = recommend(medications=[{"name": text}])
    [f] = _interactions(rec)
    assert f["details"]["drug"] == generic
    assert f["details"]["matched_by"] == "approximate_spelling"
    assert f["details"]["note"] == "matched by approximate spelling: confirm"
    assert "matched by approximate spelling: confirm" in f["explanation"]


@pytest.mark.parametrize(
    "text",
    [
        "gabapntn 300",  # ratio 88.9: below 90
        "Lasixx",  # the name is 5 letters: never approximate
        "digoxinase",
        "ciprofibrate 100 mg",
    ],
)
def test_not_close_enough_is_not_matched_but_reported(recommend, text):
    rec = recommend(medications=[{"name": text}])
    assert _interactions(rec) == []
    assert [n["item"] for n in rec["not_checked"]] == [text]


def test_an_exact_name_is_never_also_an_approximate_one(recommend):
    rec = recommend(medications=[{"name": "esomeprazole 40 mg"}])
    assert [(f["details"]["drug"], f["details"]["matched_by"]) for f in _interactions(rec)] == [
        ("esomeprazole", "name")
    ]


# --- coverage (§13) -------------------------------------------------------------------------


def test_an_unrecognised_medication_is_said_and_suitable_says_so(recommend):
    rec = recommend(medications=[{"name": "Xyzzoprin 10 mg"}])
    f = finding(rec, NR)
    assert (f["effect"], f["severity"], f["category"]) == ("info", "info", "medication")
    assert f["evidence"] == {"medications": ["Xyzzoprin 10 mg"]}
    assert "Interactions with Xyzzoprin 10 mg were not checked" in f["explanation"]
    assert_sourced(f)
    assert rec["not_checked"] == [
        {
            "kind": "medication",
            "item": "Xyzzoprin 10 mg",
            "reason": "interactions with Xyzzoprin 10 mg were not checked",
        }
    ]
    assert rec["disposition"] == "suitable"
    assert rec["summary"].startswith(
        "Suitable for what was checked; not checked: Xyzzoprin 10 mg. "
    )


@pytest.mark.parametrize(
    "text",
    [
        "atorvastatin 20 mg",
        "Lipitor 20",
        "metformin ER 500 mg",
        "Zyrtec 10 mg",
        "acetaminophen 500 mg",
        "lisinopril 10 mg",
        "Eliquis 5 mg",
        "metformn 500",
    ],
)
def test_common_drugs_with_no_interaction_are_checked(recommend, text):
    rec = recommend(medications=[{"name": text}])
    assert codes(rec) == set() and rec["not_checked"] == []
    assert rec["disposition"] == "suitable"
    assert not rec["summary"].startswith("Suitable for what was checked")


@pytest.mark.parametrize(
    "text", ["naproxen 500 mg", "rosuvastatin 10 mg", "multivitamin daily", "Aleve"]
)
def test_common_drugs_whose_labels_mention_antacids_are_on_the_list(recommend, text):
    # §13 defines the list as common drugs with no §5 row; the data file names them for review.
    rec = recommend(medications=[{"name": text}])
    assert rec["not_checked"] == [] and codes(rec) == set()


@pytest.mark.parametrize("text", ["Armour Thyroid 60 mg", "chloroquine 250 mg", "Cabenuva"])
def test_uncommon_drugs_not_in_any_table_are_reported(recommend, text):
    assert [n["item"] for n in recommend(medications=[{"name": text}])["not_checked"]] == [text]


def test_a_magnesium_medicine_is_recognised_not_reported(recommend):
    rec = recommend(medications=[{"name": "Milk of Magnesia 30 mL at bedtime"}])
    assert NR not in codes(rec) and rec["not_checked"] == []


def test_the_profiles_own_not_checked_comes_first_then_the_knowledge_bases():
    from rules.knowledge_base import default_knowledge_base

    edge = NotChecked("unit", "serum magnesium 2 mmol/dL", "unit mmol/dL cannot be converted")
    profile = Profile(
        age=50, sex="female", medications=(Medication("Xyzzoprin"),), not_checked=(edge,)
    )
    rec = default_knowledge_base().evaluate(profile)
    assert rec.not_checked == (
        edge,
        NotChecked("medication", "Xyzzoprin", "interactions with Xyzzoprin were not checked"),
    )


def test_caution_summary_lists_what_was_not_checked(recommend):
    rec = recommend(medications=[{"name": "Cipro 500"}, {"name": "Xyzzoprin"}])
    assert rec["disposition"] == "caution"
    assert rec["summary"].endswith(" Not checked: Xyzzoprin.")


def test_every_v2_code_is_in_the_catalogue():
    catalogue = {r.code: r for r in KnowledgeBase().rules.values()}
    for code in (AR, KB, MW, NR, "intake.dose_unknown"):
        assert catalogue[code].sources, code


def test_milk_of_magnesia_in_the_medication_list_counts_for_the_alkalosis_sentence(recommend):
    rec = recommend(
        medications=[
            {"name": "Kayexalate 15 g daily"},
            {"name": "milk of magnesia 15 mL at bedtime"},
        ]
    )
    assert finding(rec, KB)["details"]["alkalosis_risk"] is True
