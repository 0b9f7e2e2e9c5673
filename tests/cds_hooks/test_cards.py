"""Recommendation → cards: indicators, detail, folding, suggestions, and the spec's shape."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from rules import evaluate
from service.cds_hooks.cards import SUMMARY_MAX, _summary, md, prune, render_cards
from service.cds_hooks.fhir_mapping import DataNote, DraftMagnesiumOrder, MappedPatient
from service.schemas import ProfileSchema
from tests.cds_hooks import scenarios as s
from tests.cds_hooks.spec import assert_card

OXIDE_TWICE = {"form": "oxide", "dose_mg": 400, "dose_basis": "compound", "times_per_day": 2}


def cards_for(profile: dict, drafts: list[int] = (), notes: list[DataNote] = (), order_hook=True):
    recommendation = evaluate(ProfileSchema().load({"age": 50, "sex": "male", **profile}))
    orders = [
        DraftMagnesiumOrder(s.draft_magnesium_order(), i, "magnesium oxide 400 mg") for i in drafts
    ]
    mapped = MappedPatient(profile, list(notes), orders)
    issued = render_cards(recommendation, mapped, suggest_order_changes=order_hook)
    for item in issued:
        assert_card(item.card)
    return {item.finding_code: item.card for item in issued}


def test_a_plain_adult_gets_no_cards():
    assert cards_for({}) == {}


def test_upper_limit_card_folds_the_arithmetic_findings():
    cards = cards_for(
        {
            "magnesium_products": [
                OXIDE_TWICE,
                {
                    "form": "hydroxide",
                    "dose_mg": 100,
                    "dose_basis": "elemental",
                    "purpose": "antacid_laxative",
                },
            ]
        }
    )
    assert (
        "intake.compound_converted" not in cards and "intake.antacid_laxative_counted" not in cards
    )
    detail = cards["intake.ul_exceeded"]["detail"]
    assert "- magnesium oxide: 400 mg compound × 0.603 × 2/day = 482.4 mg elemental" in detail
    assert "- magnesium hydroxide: 100 mg elemental × 1/day = 100 mg elemental" in detail
    assert (
        "Total 582.4 mg/day elemental against an upper limit of 350 mg/day: 232.4 mg/day over"
        in detail
    )
    assert "(antacids and laxatives: 100 mg/day)" in detail


def test_suggestion_leaves_room_for_the_other_products():
    statement = {"form": "glycinate", "dose_mg": 100, "dose_basis": "elemental"}
    cards = cards_for({"magnesium_products": [statement, OXIDE_TWICE]}, drafts=[1])
    [suggestion] = cards["intake.ul_exceeded"]["suggestions"]
    # 350 − 100 leaves 250 mg: one 241.2 mg dose fits, two do not.
    assert (
        suggestion["actions"][0]["resource"]["dosageInstruction"][0]["text"]
        == "1 tablet once daily"
    )


def test_when_even_one_dose_is_too_much_the_suggestion_is_to_remove_the_order():
    statement = {"form": "glycinate", "dose_mg": 200, "dose_basis": "elemental"}
    cards = cards_for({"magnesium_products": [statement, OXIDE_TWICE]}, drafts=[1])
    [action] = cards["intake.ul_exceeded"]["suggestions"][0]["actions"]
    assert (
        action["type"] == "delete" and action["resourceId"] == f"MedicationRequest/{s.MG_ORDER_ID}"
    )


def test_no_suggestions_on_patient_view():
    cards = cards_for({"magnesium_products": [OXIDE_TWICE]}, drafts=[0], order_hook=False)
    assert "suggestions" not in cards["intake.ul_exceeded"]
    assert "selectionBehavior" not in cards["intake.ul_exceeded"]


def test_indicators_follow_severity_and_info_cards_have_no_override_reasons():
    cards = cards_for(
        {
            "kidney": {"egfr": 45},
            "magnesium_products": [
                {"form": "glycinate", "dose_mg": 1000, "dose_basis": "compound"}
            ],
        }
    )
    assert (
        cards["kidney.moderate"]["indicator"] == "warning"
        and cards["kidney.moderate"]["overrideReasons"]
    )
    assert cards["intake.compound_converted"]["indicator"] == "info"
    assert "overrideReasons" not in cards["intake.compound_converted"]


def test_the_detail_has_explanation_evidence_action_and_sources():
    detail = cards_for({"kidney": {"egfr": 45}})["kidney.moderate"]["detail"]
    for part in (
        "**Evidence:** dialysis: no; egfr: 45",
        "**Action:**",
        "**Sources:**",
        "finding `kidney.moderate`",
    ):
        assert part in detail


@pytest.mark.parametrize(
    ("notes", "indicator"),
    [
        ([DataNote("Patient/p", "birthDate is partial")], "info"),
        (
            [DataNote("Patient/p", "birthDate is partial"), DataNote("prefetch x", "error", True)],
            "warning",
        ),
    ],
)
def test_notes_card(notes, indicator):
    card = cards_for({}, notes=notes)[None]
    assert card["indicator"] == indicator
    assert ("overrideReasons" in card) == (indicator == "warning")
    assert "**Patient/p**: birthDate is partial" in card["detail"]


def test_summary_stays_under_140_characters():
    assert len(_summary("word " * 60)) == SUMMARY_MAX and _summary("word " * 60).endswith("…")


def test_prune_drops_null_and_empty_members():
    assert prune(
        {"a": None, "b": "", "c": [], "d": {}, "e": [{"f": None}], "g": 0, "h": False}
    ) == {"g": 0, "h": False}
    # Any Mapping (evidence is read-only), nested lists, and values kept as they are.
    assert prune([MappingProxyType({"x": None, "y": [1, "", {"z": 0.0}]}), None, "t"]) == [
        {"y": [1, {"z": 0.0}]},
        "t",
    ]


def test_markdown_from_the_record_is_escaped():
    assert md("*x* [a](b) <i>") == "\\*x\\* \\[a\\](b) \\<i\\>"


def test_the_upper_limit_card_shows_medicines_from_the_medication_list_as_computed():
    cards = cards_for(
        {
            "medications": [{"name": "Milk of Magnesia 30 mL at bedtime"}],
            "magnesium_products": [OXIDE_TWICE],
        }
    )
    detail = cards["intake.ul_exceeded"]["detail"]
    assert (
        "- magnesium oxide: 400 mg compound × 0.603 × 2/day = 482.4 mg elemental\n"
        "- milk of magnesia: 30 mL × 400 mg/5 mL = 2400 mg magnesium hydroxide (compound) × "
        "0.417 × 1/day = 1000.8 mg elemental\n"
        "- Total 1483.2 mg/day elemental against an upper limit of 350 mg/day: 1133.2 mg/day "
        "over (antacids and laxatives: 1000.8 mg/day)"
    ) in detail
