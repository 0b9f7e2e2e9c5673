"""The two scenarios of the issue, end to end: FHIR R4 in, cards that say what the KB says."""

from __future__ import annotations

import copy

import pytest

from service.audit import audit_store
from tests.cds_hooks import scenarios
from tests.cds_hooks.spec import assert_response

PATIENT_VIEW = "/cds-services/magnesium-back-pain-review"
ORDER_SELECT = "/cds-services/magnesium-order-check"
ORDER_SIGN = "/cds-services/magnesium-order-sign-check"


def by_code(body):
    return {c["source"]["topic"]["code"]: c for c in body["cards"] if "topic" in c["source"]}


def test_patient_view_older_woman_with_egfr_24_on_furosemide(client):
    response = client.post(PATIENT_VIEW, json=scenarios.scenario_a_request())
    assert response.status_code == 200
    body = response.get_json()
    assert_response(body)
    cards = by_code(body)
    assert set(cards) == {
        "kidney.severe",
        "interaction.loop_thiazide_diuretic",
        "intake.compound_converted",
        "form.oxide_low_absorption",
    }
    kidney = cards["kidney.severe"]
    assert kidney["indicator"] == "critical"
    assert "egfr 24" in kidney["detail"].lower()  # the newest eGFR, not the older 41
    assert "overrideReasons" in kidney
    diuretic = cards["interaction.loop_thiazide_diuretic"]
    assert diuretic["indicator"] == "warning"
    assert (
        "furosemide" in diuretic["detail"] and "Furosemide 40 MG Oral Tablet" in diuretic["detail"]
    )
    assert "spacing the doses does nothing" in diuretic["detail"]
    converted = cards["intake.compound_converted"]
    assert converted["indicator"] == "info" and "overrideReasons" not in converted
    assert "400 mg compound × 0.603 × 1/day = 241.2 mg elemental" in converted["detail"]
    assert [c["indicator"] for c in body["cards"]] == ["critical", "warning", "info", "info"]
    assert body["extension"]["org.magnesium-cds.evaluation"]["disposition"] == "avoid"
    assert "org.magnesium-cds.unmapped" not in body["extension"]


def test_order_select_over_the_upper_limit_on_doxycycline_with_sciatica(client):
    response = client.post(ORDER_SELECT, json=scenarios.scenario_b_request())
    assert response.status_code == 200
    body = response.get_json()
    assert_response(body)
    cards = by_code(body)
    assert set(cards) == {
        "red_flag.radiating_pain",
        "intake.ul_exceeded",
        "interaction.tetracycline",
        "form.oxide_low_absorption",
    }
    assert cards["red_flag.radiating_pain"]["indicator"] == "critical"
    assert "**Urgency:** prompt" in cards["red_flag.radiating_pain"]["detail"]
    tetracycline = cards["interaction.tetracycline"]
    assert tetracycline["indicator"] == "warning"
    assert "doxycycline" in tetracycline["detail"]
    assert "at least 2 h before magnesium or at least 6 h after it" in tetracycline["detail"]

    limit = cards["intake.ul_exceeded"]
    assert limit["indicator"] == "warning"
    assert (
        "- magnesium oxide: 400 mg compound × 0.603 × 2/day = 482.4 mg elemental"
        in (limit["detail"])
    )
    assert (
        "Total 482.4 mg/day elemental against an upper limit of 350 mg/day: 132.4 mg/day over"
        in limit["detail"]
    )
    # Referred (radiating pain): removing the order is the one suggestion; no dose change.
    assert "suggestions" not in limit
    [suggestion] = cards["red_flag.radiating_pain"]["suggestions"]
    assert suggestion["label"] == "Remove magnesium oxide 400 mg"
    assert suggestion["actions"][0]["resourceId"] == f"MedicationRequest/{scenarios.MG_ORDER_ID}"
    assert body["extension"]["org.magnesium-cds.evaluation"]["disposition"] == "refer"


def test_over_the_upper_limit_only_the_dose_change_is_offered(client):
    request = scenarios.without_sciatica(scenarios.scenario_b_request())
    body = client.post(ORDER_SELECT, json=request).get_json()
    assert_response(body)
    cards = by_code(body)
    assert [code for code, card in cards.items() if "suggestions" in card] == ["intake.ul_exceeded"]
    limit = cards["intake.ul_exceeded"]
    assert limit["selectionBehavior"] == "at-most-one"
    [suggestion] = limit["suggestions"]
    assert suggestion["isRecommended"] is True
    assert suggestion["label"] == (
        "Change magnesium oxide 400 mg to once daily (241.2 mg elemental/day, within the "
        "350 mg limit)"
    )
    [action] = suggestion["actions"]
    assert action["type"] == "update"
    order = action["resource"]
    assert order["id"] == scenarios.MG_ORDER_ID and order["resourceType"] == "MedicationRequest"
    assert order["dosageInstruction"][0]["timing"]["repeat"] == {
        "frequency": 1,
        "period": 1,
        "periodUnit": "d",
    }
    assert body["extension"]["org.magnesium-cds.evaluation"]["disposition"] == "caution"


def test_order_sign_uses_the_same_check(client):
    request = scenarios.scenario_b_request()
    request["hook"] = "order-sign"
    del request["context"]["selections"]
    body = client.post(ORDER_SIGN, json=request).get_json()
    assert "intake.ul_exceeded" in by_code(body)


def test_avoid_on_an_order_suggests_removing_it(client):
    request = scenarios.scenario_b_request()
    request["prefetch"]["egfr"]["entry"][0]["resource"]["valueQuantity"]["value"] = 12
    body = client.post(ORDER_SELECT, json=request).get_json()
    assert_response(body)
    failure = by_code(body)["kidney.failure"]
    [action] = failure["suggestions"][0]["actions"]
    assert action == {
        "type": "delete",
        "resourceId": f"MedicationRequest/{scenarios.MG_ORDER_ID}",
        "description": action["description"],
    }


def test_nothing_to_say_is_an_empty_card_list(client):
    request = scenarios.scenario_b_request()
    request["context"]["draftOrders"]["entry"] = []
    request["prefetch"]["conditions"] = None
    request["prefetch"]["medicationRequests"] = None
    body = client.post(ORDER_SELECT, json=request).get_json()
    assert body["cards"] == []
    assert_response(body)


def test_data_that_could_not_be_used_is_said_in_a_card(client):
    request = scenarios.scenario_a_request()
    statement = request["prefetch"]["medicationStatements"]["entry"][0]["resource"]
    statement["medicationCodeableConcept"] = {"text": "Quuxoprine 10 MG Oral Tablet"}
    statement["dosage"][0]["doseAndRate"][0]["doseQuantity"] = {"value": 1, "code": "{puff}"}
    request["prefetch"]["medicationStatements"]["entry"].append(
        {
            "resource": {
                **statement,
                "id": "ms-2",
                "medicationCodeableConcept": {"text": "Magnesium Oxide 400 MG Oral Tablet"},
            }
        }
    )
    request["prefetch"]["pregnancy"] = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "timeout"}],
    }
    body = client.post(PATIENT_VIEW, json=request).get_json()
    assert_response(body)
    # One card holds the knowledge base's not_checked and the mapping's notes.
    [notes] = [c for c in body["cards"] if "topic" not in c["source"]]
    assert notes["indicator"] == "warning"
    assert notes["summary"] == (
        "Not everything could be checked: the magnesium checks may be incomplete"
    )
    assert notes["detail"] == (
        "**Not checked:**\n\n"
        "- **Quuxoprine 10 MG Oral Tablet**: interactions with Quuxoprine 10 MG Oral Tablet "
        "were not checked\n\n"
        "**Read from the record as described, or not used:**\n\n"
        "- **prefetch pregnancy**: the EHR returned an error (OperationOutcome) instead of "
        "data: treated as no data\n"
        "- **MedicationStatement/ms-2**: Magnesium Oxide 400 MG Oral Tablet: dose 1 {puff} "
        "could not be converted to mg, so the order's dose was not used"
    )
    unmapped = body["extension"]["org.magnesium-cds.unmapped"]
    assert {u["source"] for u in unmapped} == {"MedicationStatement/ms-2", "prefetch pregnancy"}
    assert "intake.dose_unknown" in by_code(body)  # the magnesium it could not quantify


def test_issued_cards_are_linked_to_their_evaluation(app, client):
    body = client.post(PATIENT_VIEW, json=scenarios.scenario_a_request()).get_json()
    evaluation_id = body["extension"]["org.magnesium-cds.evaluation"]["evaluationId"]
    with app.app_context():
        store = audit_store()
        for card in body["cards"]:
            row = store.card(card["uuid"])
            assert row["evaluation_id"] == evaluation_id
            assert row["service_id"] == "magnesium-back-pain-review"
            assert row["finding_code"] == card["source"]["topic"]["code"]
        evaluation = store.get_evaluation(evaluation_id)
        assert evaluation["interface"] == "cds-hooks"
        assert "kidney.severe" in evaluation["finding_codes"]


def test_record_text_cannot_inject_markdown(client):
    request = scenarios.scenario_a_request()
    resource = request["prefetch"]["medicationRequests"]["entry"][0]["resource"]
    resource["medicationCodeableConcept"] = {"text": "Furosemide [click](javascript:alert(1)) <b>"}
    body = client.post(PATIENT_VIEW, json=copy.deepcopy(request)).get_json()
    detail = by_code(body)["interaction.loop_thiazide_diuretic"]["detail"]
    assert "\\[click\\](javascript:alert(1)) \\<b\\>" in detail


def _break(path: str, value):
    def change(request):
        target = request
        *parents, last = path.split(".")
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        target[last] = value

    return change


@pytest.mark.parametrize(
    "change",
    [
        _break("prefetch.egfr.entry.0.resource.valueQuantity", {"value": "24"}),
        _break("prefetch.egfr.entry.0.resource.code", {"coding": "98979-8"}),
        _break(
            "prefetch.medicationStatements.entry.0.resource.dosage", [{"timing": {"repeat": 2}}]
        ),
        _break(
            "prefetch.medicationStatements.entry.0.resource.dosage.0.timing.repeat.frequency", "x"
        ),
        _break("prefetch.medicationRequests.entry", {"resource": 1}),
        _break("prefetch.conditions.entry.0.resource.clinicalStatus", "active"),
        _break("prefetch.magnesium", ["not", "a", "resource"]),
    ],
)
def test_malformed_fhir_is_noted_never_a_500(client, change):
    request = scenarios.scenario_a_request()
    change(request)
    response = client.post(PATIENT_VIEW, json=request)
    assert response.status_code == 200, response.get_json()
    assert_response(response.get_json())


def test_an_unknown_drug_beside_a_common_one_is_said_in_the_not_checked_card(client):
    # CLINICAL.md §13: the common name (metformin) does not vouch for the other part.
    request = scenarios.scenario_a_request()
    statement = request["prefetch"]["medicationStatements"]["entry"][0]["resource"]
    statement["medicationCodeableConcept"] = {"text": "metformin 500 mg and tafamidis 61 mg"}
    body = client.post(PATIENT_VIEW, json=request).get_json()
    assert_response(body)
    [notes] = [c for c in body["cards"] if "topic" not in c["source"]]
    assert notes["detail"] == (
        "**Not checked:**\n\n"
        "- **tafamidis 61 mg**: interactions with tafamidis 61 mg (listed as "
        "'metformin 500 mg and tafamidis 61 mg') were not checked"
    )
