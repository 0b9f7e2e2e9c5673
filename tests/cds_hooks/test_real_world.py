"""Issue 12 end to end: what real clients send (the spec's examples, the sandbox, HAPI, the
FHIR f205 eGFR) gets complete, consistent answers. Every response is checked field by field
against the CDS Hooks 2.0 card rules (spec.py)."""

from __future__ import annotations

import copy
import json

import pytest

from tests.cds_hooks import external, scenarios
from tests.cds_hooks.conftest import SERVICE_URL
from tests.cds_hooks.spec import assert_response
from tests.cds_hooks.test_views import ORDER_SELECT, ORDER_SIGN, PATIENT_VIEW, by_code

RXNORM = scenarios.RXNORM
UCUM = "http://unitsofmeasure.org"


def post(client, url, request):
    response = client.post(url, json=request)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert_response(body)
    text = json.dumps(body["cards"])
    assert "None" not in text and "null" not in text  # no Python or JSON nulls in card text
    for card in body["cards"]:
        assert not card["source"]["label"].startswith("Project choice")
    return body


def sandbox_order(oid, code, value=2, unit="{pill}", per_day=1):
    """A draft order as the CDS Hooks sandbox builds it: an RxNorm code, no text, {pill}."""
    resource = {
        "resourceType": "MedicationRequest",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": f"Patient/{scenarios.B}"},
        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": code}]},
        "dosageInstruction": [
            {
                "doseAndRate": [{"doseQuantity": {"value": value, "system": UCUM, "code": unit}}],
                "timing": {"repeat": {"frequency": per_day, "period": 1, "periodUnit": "d"}},
            }
        ],
    }  # fmt: skip
    if oid is not None:
        resource["id"] = oid
    return resource


def order_request(*drafts, hook="order-sign", egfr=88, sciatica=False):
    request = scenarios.scenario_b_request()
    request["hook"] = hook
    request["context"]["draftOrders"]["entry"] = [{"resource": d} for d in drafts]
    request["context"].pop("selections")
    request["prefetch"]["egfr"]["entry"][0]["resource"]["valueQuantity"]["value"] = egfr
    if not sciatica:
        scenarios.without_sciatica(request)
    return request


def suggested(body):
    """(finding code, label, action type, resource id) for every suggestion in the response."""
    return [
        (
            card["source"].get("topic", {}).get("code"),
            suggestion["label"],
            action["type"],
            action.get("resourceId") or action["resource"]["id"],
        )
        for card in body["cards"]
        for suggestion in card.get("suggestions", [])
        for action in suggestion["actions"]
    ]


# --- eGFR ------------------------------------------------------------------------------------


def test_the_f205_egfr_above_60_gives_no_kidney_card_and_no_noise(client):
    request = scenarios.scenario_a_request()
    request["prefetch"]["egfr"] = scenarios.searchset(external.f205())
    body = post(client, PATIENT_VIEW, request)
    assert not [code for code in by_code(body) if code.startswith("kidney.")]
    assert "org.magnesium-cds.unmapped" not in body["extension"]


def test_f205_components_of_20_give_the_critical_kidney_card(client):
    observation = external.f205()
    for component in observation["component"]:
        component["valueQuantity"]["value"] = 20
        component["valueQuantity"].pop("comparator", None)
    request = scenarios.scenario_a_request()
    request["prefetch"]["egfr"] = scenarios.searchset(observation)
    cards = by_code(post(client, PATIENT_VIEW, request))
    assert cards["kidney.severe"]["indicator"] == "critical"


@pytest.mark.parametrize("code", ["69405-9", "77147-7"])
def test_egfr_coded_with_the_other_loinc_codes_is_used(client, code):
    request = scenarios.scenario_a_request()
    request["prefetch"]["egfr"]["entry"][0]["resource"]["code"]["coding"][0]["code"] = code
    assert "kidney.severe" in by_code(post(client, PATIENT_VIEW, request))


def test_egfr_as_text_over_60_gives_no_kidney_card(client):
    request = scenarios.scenario_a_request()
    for entry in request["prefetch"]["egfr"]["entry"]:
        del entry["resource"]["valueQuantity"]
        entry["resource"]["valueString"] = ">60"
    body = post(client, PATIENT_VIEW, request)
    assert not [code for code in by_code(body) if code.startswith("kidney.")]


# --- the sandbox's orders ----------------------------------------------------------------------


def test_the_sandbox_pill_order_of_a_code_only_magnesium_oxide_is_counted(client):
    names = external.sandbox_names()
    assert names["252430"] == "Magnesium Oxide 400 MG Oral Capsule"
    body = post(client, ORDER_SIGN, order_request(sandbox_order("mg-1", "252430")))
    limit = by_code(body)["intake.ul_exceeded"]  # 2 × 400 mg × 0.603 = 482.4 mg a day
    assert (
        "- magnesium oxide: 800 mg compound × 0.603 × 1/day = 482.4 mg elemental"
        in (limit["detail"])
    )
    assert suggested(body) == [
        (
            "intake.ul_exceeded",
            "Remove magnesium oxide 400 mg",
            "delete",
            "MedicationRequest/mg-1",
        )
    ]


@pytest.mark.parametrize(
    ("code", "finding"),
    [("313988", "interaction.loop_thiazide_diuretic"), ("199026", "interaction.tetracycline")],
)
def test_code_only_current_medications_are_checked(client, code, finding):
    request = order_request(sandbox_order("mg-1", "252430", value=1))
    request["prefetch"]["medicationRequests"] = scenarios.searchset(
        {
            "resourceType": "MedicationRequest",
            "id": "current",
            "status": "active",
            "intent": "order",
            "subject": {"reference": f"Patient/{scenarios.B}"},
            "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": code}]},
        }
    )
    assert finding in by_code(post(client, ORDER_SIGN, request))


def test_an_unknown_code_alone_is_said_in_the_not_checked_card(client):
    request = order_request(sandbox_order("mg-1", "252430", value=1))
    request["prefetch"]["medicationRequests"] = scenarios.searchset(
        {
            "resourceType": "MedicationRequest",
            "id": "mystery",
            "status": "active",
            "intent": "order",
            "subject": {"reference": f"Patient/{scenarios.B}"},
            "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "99999999"}]},
        }
    )
    body = post(client, ORDER_SIGN, request)
    [card] = [c for c in body["cards"] if "topic" not in c["source"]]
    assert card["indicator"] == "warning"
    assert "RxNorm 99999999 is not in the knowledge base's RxNorm tables" in card["detail"]


# --- one coherent set of suggestions ----------------------------------------------------------


def test_kidney_avoid_and_over_the_limit_offer_only_removal(client):
    order = scenarios.draft_magnesium_order()
    body = post(client, ORDER_SIGN, order_request(order, egfr=20))
    cards = by_code(body)
    assert {"kidney.severe", "intake.ul_exceeded"} <= set(cards)
    assert suggested(body) == [
        (
            "kidney.severe",
            "Remove magnesium oxide 400 mg",
            "delete",
            f"MedicationRequest/{scenarios.MG_ORDER_ID}",
        )
    ]


def test_two_drafts_get_labels_that_name_them_and_act_on_their_ids(client):
    oxide = sandbox_order("ox", "252430", value=1)
    citrate = scenarios.medication_request(
        "cit", scenarios.B, "0", "Magnesium Citrate 1000 MG Oral Tablet", status="draft",
        dose=scenarios.dosage(1, 1, "1 tablet daily"),
    )  # fmt: skip
    body = post(client, ORDER_SIGN, order_request(oxide, citrate, egfr=20))
    assert sorted(suggested(body)) == [
        ("kidney.severe", "Remove magnesium citrate 1000 mg", "delete", "MedicationRequest/cit"),
        ("kidney.severe", "Remove magnesium oxide 400 mg", "delete", "MedicationRequest/ox"),
    ]
    [card] = [c for c in body["cards"] if c.get("suggestions")]
    assert card["selectionBehavior"] == "at-most-one"
    assert not any(s.get("isRecommended") for s in card["suggestions"])


def test_a_draft_without_an_id_gets_no_action_and_the_card_says_why(client):
    body = post(client, ORDER_SIGN, order_request(sandbox_order(None, "252430"), egfr=20))
    assert "MedicationRequest/None" not in json.dumps(body)
    assert suggested(body) == []
    assert (
        "The draft order for magnesium oxide 400 mg has no id, so no change to it can be "
        "offered here: remove or change it in the order screen."
    ) in by_code(body)["kidney.severe"]["detail"]


# --- order-select --------------------------------------------------------------------------


def spec_order_select(prefetch):
    """The spec's order-select example (a diet order and amoxicillin, both selected)."""
    request = external.load("cdshooks-hook-examples.json")["order-select"][0]
    request.update(hook="order-select", hookInstance="d1577c69-dfbe-44ad-ba6d-3e05e953b2ea")
    request["prefetch"] = prefetch
    return request


def test_the_spec_order_select_example_without_magnesium_says_nothing(client):
    prefetch = scenarios.prefetch_of(scenarios.scenario_b_resources())
    body = post(client, ORDER_SELECT, spec_order_select(prefetch))
    assert body["cards"] == []


def test_selecting_another_drug_shows_only_its_interactions_with_the_magnesium_taken(client):
    record = scenarios.scenario_b_resources()
    record["medicationRequests"] = []
    record["conditions"] = []
    record["medicationStatements"] = [
        scenarios.medication_statement(
            "mg", scenarios.B, "0", "Magnesium Oxide 400 MG Oral Tablet",
            scenarios.dosage(2, 1, "2 tablets daily"),
        )
    ]  # fmt: skip
    request = spec_order_select(scenarios.prefetch_of(record))
    amoxicillin = request["context"]["draftOrders"]["entry"][1]["resource"]
    amoxicillin["medicationCodeableConcept"] = scenarios.medication("1649988", "Doxycycline 100 MG")
    amoxicillin["medicationCodeableConcept"]["coding"][0]["code"] = "3640"
    body = post(client, ORDER_SELECT, request)
    assert set(by_code(body)) == {"interaction.tetracycline"}  # not the upper limit again


def test_order_select_advises_on_the_selected_magnesium_order(client):
    request = scenarios.without_sciatica(scenarios.scenario_b_request())
    body = post(client, ORDER_SELECT, request)
    assert "intake.ul_exceeded" in by_code(body)


def test_an_incomplete_draft_is_skipped_quietly(client):
    request = scenarios.scenario_b_request()
    draft = {"resourceType": "MedicationRequest", "id": "new", "status": "draft", "intent": "order"}
    request["context"]["draftOrders"]["entry"] = [{"resource": draft}]
    request["context"]["selections"] = ["MedicationRequest/new"]
    assert post(client, ORDER_SELECT, request)["cards"] == []


# --- smaller misses ----------------------------------------------------------------------------


def test_a_deceased_patient_gets_one_info_card_and_no_advice(client):
    request = scenarios.scenario_a_request()
    request["prefetch"]["patient"]["deceasedBoolean"] = True
    [card] = post(client, PATIENT_VIEW, request)["cards"]
    assert card["indicator"] == "info"
    assert card["summary"] == "Patient recorded as deceased: no magnesium advice given"


def test_hapi_patient_reference_is_read_as_the_id(tmp_path, fhir_server):
    from tests.cds_hooks.test_prefetch import make_client

    client = make_client(tmp_path, fhir_server.url)  # the FHIR server allowed, as deployed
    hapi = external.load("hapi-cds-hooks-test-requests.json")["CdsServiceRequestJson"]
    assert hapi["context"]["patientId"] == "Patient/123"
    record = scenarios.scenario_a_resources()
    record["patient"][0]["id"] = "123"
    fhir_server.record = record
    request = scenarios.without_prefetch(scenarios.scenario_a_request(), fhir_server.url)
    request["context"]["patientId"] = hapi["context"]["patientId"]
    body = post(client, PATIENT_VIEW, request)
    assert "kidney.severe" in by_code(body)
    paths = [path for path, _ in fhir_server.seen]
    assert "/Patient/123?" in paths and not any("Patient/Patient" in p for p in paths)


def test_a_paged_prefetch_says_the_list_is_incomplete(client):
    request = scenarios.scenario_a_request()
    bundle = request["prefetch"]["medicationRequests"]
    bundle["total"] = 4
    bundle["link"] = [{"relation": "next", "url": "http://hapi.example/fhir?_getpages=abc"}]
    body = post(client, PATIENT_VIEW, request)
    [card] = [c for c in body["cards"] if "topic" not in c["source"]]
    assert card["indicator"] == "warning"
    # Said once, with the fetch's own reason (no fhirServer to read the next page from).
    assert card["detail"].count("the list is incomplete") == 1
    assert (
        "**prefetch medicationRequests**: the list is incomplete (more pages not read: "
        "no fhirServer to fetch them from)"
    ) in card["detail"]


def test_hapi_date_only_outcome_timestamp_is_accepted(client):
    request = scenarios.without_sciatica(scenarios.scenario_b_request())
    card = post(client, ORDER_SELECT, request)["cards"][0]
    timestamp = external.load("hapi-cds-hooks-test-requests.json")["feedbackOutcomeTimestamp"]
    item = {"card": card["uuid"], "outcome": "overridden", "outcomeTimestamp": timestamp}
    response = client.post(ORDER_SELECT + "/feedback", json={"feedback": [item]})
    assert response.status_code == 200 and response.get_json()["recorded"] == 1


def test_the_spec_feedback_examples_are_valid_bodies(client):
    examples = external.load("cdshooks-spec-examples.json")["feedback_examples"]
    for example in examples:
        response = client.post(ORDER_SELECT + "/feedback", json=copy.deepcopy(example))
        # The cards are not ours: the body passes validation and the card is refused (422).
        assert response.status_code == 422, response.get_json()
        assert response.get_json()["issue"][0]["expression"] == ["feedback[0].card"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", ORDER_SELECT, 405),
        ("put", "/cds-services", 405),
        ("get", "/cds-services/nope/feedback/more", 404),
        ("get", ORDER_SELECT + "/feedback", 405),
    ],
)
def test_routing_errors_are_operation_outcomes(client, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response.mimetype == "application/fhir+json"
    assert response.get_json()["resourceType"] == "OperationOutcome"


def test_routing_errors_elsewhere_stay_problem_details(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_trailing_slashes_work(client):
    assert client.get("/cds-services/").status_code == 200
    body = post(client, PATIENT_VIEW + "/", scenarios.scenario_a_request())
    assert "kidney.severe" in by_code(body)


def test_a_trailing_slash_keeps_the_jwt_audience(secured_client, rsa_signer):
    token = rsa_signer.token(SERVICE_URL + PATIENT_VIEW)  # signed for the URL without it
    response = secured_client.post(
        PATIENT_VIEW + "/",
        json=scenarios.scenario_a_request(),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.get_json()


def test_card_sources_are_citations(client):
    request = scenarios.scenario_a_request()
    del request["prefetch"]["egfr"]  # unknown kidney function at 82: a project-choice rule
    request["prefetch"]["egfr"] = None
    request["prefetch"]["creatinine"] = None
    body = post(client, PATIENT_VIEW, request)
    labels = {
        c["source"]["topic"]["code"]: c["source"]["label"]
        for c in body["cards"]
        if "topic" in c["source"]
    }
    assert labels["kidney.unknown_older_adult"] != ""
    assert all("CLINICAL.md" not in label for label in labels.values())


def test_selecting_another_drug_checks_it_against_a_magnesium_medicine_in_the_list(client):
    record = scenarios.scenario_b_resources()
    record["conditions"] = []
    record["medicationRequests"] = [
        scenarios.medication_request(
            "mom", scenarios.B, "0", "Milk of Magnesia 30 mL at bedtime"
        )  # no structured dosage: the knowledge base reads the words
    ]
    request = spec_order_select(scenarios.prefetch_of(record))
    doxycycline = request["context"]["draftOrders"]["entry"][1]["resource"]
    doxycycline["medicationCodeableConcept"] = scenarios.medication("3640", "Doxycycline 100 MG")
    body = post(client, ORDER_SELECT, request)
    assert set(by_code(body)) == {"interaction.tetracycline"}


def test_a_lab_value_out_of_range_is_left_out_and_the_rest_evaluated(client):
    request = scenarios.scenario_a_request()
    creatinine = request["prefetch"]["creatinine"]["entry"][0]["resource"]
    creatinine["valueQuantity"] = {"value": 168, "code": "mg/dL"}  # µmol/L sent as mg/dL
    body = post(client, PATIENT_VIEW, request)
    cards = by_code(body)
    assert "kidney.severe" in cards  # the eGFR still decides
    [notes] = [c for c in body["cards"] if "topic" not in c["source"]]
    assert "serum creatinine 168 mg/dL is out of range" in notes["detail"]
