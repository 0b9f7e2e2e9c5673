"""One medication entry naming several drugs: every drug-like part must be known (§13).

"metformin 500 mg and tafamidis 61 mg" names a common drug and one the tables do not know:
the unknown part is reported by itself, as written. Parts of dose, form, route, frequency or
indication words only name no drug; known combinations keep matching as products.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules import Medication, Profile, evaluate
from rules.model import Kidney
from tests.cds_hooks.external import sandbox_names
from tests.rules.test_medication_properties import UNKNOWN_NAMES
from tests.rules.test_properties import SETTINGS, load, profiles


def read(*names: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Return (interaction and medication finding codes, sorted; not_checked (kind, item))."""
    rec = evaluate(
        Profile(
            age=50,
            sex="female",
            kidney=Kidney(egfr=90),
            medications=tuple(Medication(n) for n in names),
        )
    )
    codes = sorted(f.code for f in rec.findings if f.category in {"interaction", "medication"})
    return codes, [(n.kind, n.item) for n in rec.not_checked]


# Entries whose every drug-like part is known: nothing is reported.
ALL_KNOWN = [
    ("metformin 500 mg and lisinopril 10 mg", []),
    ("metformin 500 mg tablet, oral, twice daily, for blood pressure", []),
    ("atorvastatin 40 mg; take at bedtime", []),
    ("ibuprofen 400 mg, prn back pain", []),
    ("Baby-Aspirin 81 mg", []),
    ("Claritin-D and Tylenol", []),
    ("metformin 500 mg and lisinopril 10 mg; as needed, for blood pressure", []),
    ("calcium 600 mg + vitamin D3 1000 IU", []),
    ("Fluticasone 0.1 MG/ACTUAT [Flovent]", []),
    ("120 ACTUAT Albuterol 0.09 MG/ACTUAT Metered Dose Inhaler", []),
    ("24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet", []),
    ("Amoxicillin 120 MG/ML / clavulanate potassium 8.58 MG/ML Oral Suspension", []),
    ("Acetaminophen 325 MG / Oxycodone Hydrochloride 5 MG Oral Tablet", []),
    ("Advair Diskus 250/50 1 puff bid", []),
    ("metformin 500 mg, take with a full glass of water", []),
    ("Magnesium Oxide 400 MG Oral Capsule", []),
    ("Mag-Ox 400 twice daily", []),
    ("magnesium oxide 400 mg with food", []),
    ("Milk of Magnesia 30 mL at bedtime", []),
    # Known combinations, by brand and by generics: their findings, nothing unread.
    ("Dyazide", ["interaction.loop_thiazide_diuretic", "interaction.potassium_sparing_diuretic"]),
    (
        "triamterene/HCTZ",
        ["interaction.loop_thiazide_diuretic", "interaction.potassium_sparing_diuretic"],
    ),
    ("lisinopril-HCTZ 20-12.5 daily", ["interaction.loop_thiazide_diuretic"]),
    (
        "Hydrochlorothiazide 12.5 MG / Lisinopril 10 MG Oral Tablet",
        ["interaction.loop_thiazide_diuretic"],
    ),
    (
        "dolutegravir/rilpivirine",
        ["interaction.absorption_reduced", "interaction.integrase_inhibitor"],
    ),
    (
        "cobicistat 150 MG / elvitegravir 150 MG / emtricitabine 200 MG / Tenofovir disoproxil "
        "fumarate 300 MG Oral Tablet [Stribild]",
        ["interaction.integrase_inhibitor"],
    ),
    ("Cipro 500 mg and metformin 500 mg", ["interaction.fluoroquinolone"]),
]


@pytest.mark.parametrize(("text", "codes"), ALL_KNOWN)
def test_an_entry_whose_every_part_is_known_reports_nothing(text: str, codes: list[str]) -> None:
    assert read(text) == (codes, [])


# One part unknown: exactly that part is reported, as written; known parts keep their findings.
ONE_UNKNOWN = [
    ("metformin 500 mg and tafamidis 61 mg", [], ["tafamidis 61 mg"]),
    ("fluticasone/umeclidinium/vilanterol", [], ["umeclidinium", "vilanterol"]),
    ("lisinopril-tafamidis", [], ["tafamidis"]),
    ("Tylenol with codeine", [], ["codeine"]),
    ("atorvastatin 40 mg; tafamidis 61 mg daily", [], ["tafamidis 61 mg daily"]),
    (
        "metformin 500 mg, tafamidis for ATTR cardiomyopathy",
        [],
        ["tafamidis for ATTR cardiomyopathy"],
    ),
    ("Fluticasone 0.1 MG/ACTUAT [Flovent] and vilanterol", [], ["vilanterol"]),
    ("Cipro 500 mg + tafamidis 61 mg", ["interaction.fluoroquinolone"], ["tafamidis 61 mg"]),
    (
        "Dyazide and tafamidis",
        ["interaction.loop_thiazide_diuretic", "interaction.potassium_sparing_diuretic"],
        ["tafamidis"],
    ),
    ("Magnesium Oxide 400 MG / Zinc Oxide 8 MG Oral Tablet", [], ["Zinc Oxide 8 MG Oral Tablet"]),
]


@pytest.mark.parametrize(("text", "codes", "unknown"), ONE_UNKNOWN)
def test_an_unknown_part_beside_a_known_one_is_reported_by_itself(
    text: str, codes: list[str], unknown: list[str]
) -> None:
    assert read(text) == (
        sorted([*codes, "medication.not_recognized"]),
        [("medication", part) for part in unknown],
    )


def test_an_entry_with_no_known_part_is_reported_whole_as_before() -> None:
    assert read("tafamidis 61 mg and vutrisiran") == (
        ["medication.not_recognized"],
        [("medication", "tafamidis 61 mg and vutrisiran")],
    )


def test_the_unknown_part_is_named_with_the_entry_it_came_from() -> None:
    rec = evaluate(
        Profile(
            age=50,
            sex="female",
            kidney=Kidney(egfr=90),
            medications=(Medication("metformin 500 mg and tafamidis 61 mg"),),
        )
    )
    assert [n.reason for n in rec.not_checked] == [
        "interactions with tafamidis 61 mg (listed as 'metformin 500 mg and tafamidis 61 mg') "
        "were not checked"
    ]
    (finding,) = rec.findings
    assert finding.evidence == {"medications": ["tafamidis 61 mg"]}


def test_the_sandbox_prescribables_read_without_unknown_parts() -> None:
    for name in sandbox_names().values():
        codes, not_checked = read(name)
        assert not_checked == [], name
        assert "medication.not_recognized" not in codes, name


# Entries the tables recognise, written out (common, interacting, combinations, magnesium).
RECOGNISED = [
    "metformin 500 mg",
    "Lipitor 20 mg daily",
    "Cipro 500 mg",
    "lisinopril-HCTZ 20-12.5",
    "Dyazide",
    "Juluca",
    "dolutegravir/rilpivirine",
    "Magnesium Oxide 400 MG Oral Capsule",
    "Milk of Magnesia 30 mL at bedtime",
    "Fluticasone 0.1 MG/ACTUAT [Flovent]",
    "Levothyroxin 50 mcg",
    "Ciprofloxasin 500",
    "Nexium 24HR",
    "Mag-Ox 400",
    "120 ACTUAT Albuterol 0.09 MG/ACTUAT Metered Dose Inhaler",
]


@SETTINGS
@given(
    body=profiles(),
    entry=st.sampled_from(RECOGNISED),
    unknown=UNKNOWN_NAMES,
    joiner=st.sampled_from([" and ", " / ", ", ", "; ", " + ", " with "]),
)
def test_an_unknown_part_appended_to_a_recognised_entry_is_always_not_checked(
    body, entry, unknown, joiner
):
    profile = load(body)
    rec = evaluate(
        dataclasses.replace(
            profile, medications=(*profile.medications, Medication(entry + joiner + unknown))
        )
    )
    assert ("medication", unknown) in [(n.kind, n.item) for n in rec.not_checked]
    assert "medication.not_recognized" in {f.code for f in rec.findings}
