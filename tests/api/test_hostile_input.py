"""Hostile input gets a 400/422 problem (or, inside FHIR data, a note), never a 500.

Each request is sent raw (so duplicate keys and 5,000-digit numbers reach the server as
written), on SQLite and on PostgreSQL, to the JSON API, the web form, the CDS Services
and CDS Hooks feedback.
"""

from __future__ import annotations

import copy
import json
import re

import pytest

from service import create_app
from tests.cds_hooks.scenarios import scenario_a_request

HUGE = "9" * 5000  # past Python's int-string limit (4,300 digits)
PATIENT_VIEW = "/cds-services/magnesium-back-pain-review"
FEEDBACK = PATIENT_VIEW + "/feedback"


@pytest.fixture
def client(db_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": db_url,
            "SECRET_KEY": "x",
            "SPOOL_DIR": str(tmp_path / "spool"),
        }
    )
    yield app.test_client()
    app.extensions["audit"].close()


def raw(client, path: str, text: str):
    return client.post(path, data=text, content_type="application/json")


def hook_text(**replace: str) -> str:
    """Scenario A's hook request as text, with marked values swapped for raw JSON text."""
    request = copy.deepcopy(scenario_a_request())
    magnesium = request["prefetch"]["magnesium"]["entry"][0]["resource"]
    magnesium["valueQuantity"]["value"] = "@MG@"
    request["context"]["patientId"] = "@PATIENT@"
    text = json.dumps(request)
    text = text.replace('"@MG@"', replace.get("mg", "2.0"))
    return text.replace('"@PATIENT@"', replace.get("patient", '"pv-older-woman"'))


JSON_API = [
    ("a 5,000-digit age", '{"age": ' + HUGE + ', "sex": "male"}', 400),
    (
        "10**400 as a dose",
        '{"age": 50, "sex": "male", "supplements": [{"product": "x", '
        '"elemental_mg": 1' + "0" * 400 + "}]}",
        400,
    ),
    ("1e400", '{"age": 1e400, "sex": "male"}', 400),
    ("-1e400", '{"age": -1e400, "sex": "male"}', 400),
    ("NaN", '{"age": NaN, "sex": "male"}', 400),
    ("Infinity", '{"age": Infinity, "sex": "male"}', 400),
    ("a duplicate key", '{"age": 50, "sex": "male", "age": 90}', 400),
    (
        "a nested duplicate key",
        '{"age": 50, "sex": "male", "kidney": {"egfr": 50, "egfr": 5}}',
        400,
    ),
    (
        "NUL in a string",
        '{"age": 50, "sex": "male", "medications": [{"name": "Cipro\\u0000"}]}',
        400,
    ),
    ("NUL in a key", '{"age": 50, "sex": "male", "x\\u0000": 1}', 400),
    ("NUL in a nested list", '{"age": 50, "sex": "male", "red_flags": [["fever\\u0000"]]}', 400),
    ("nested too deeply", "[" * 100_000 + "]" * 100_000, 400),
    ("1e308 as an age", '{"age": 1e308, "sex": "male"}', 422),
    ("a string as the age", '{"age": "fifty", "sex": "male"}', 422),
    ("a list as the body", "[1, 2, 3]", 422),
]


@pytest.mark.parametrize(("name", "text", "status"), JSON_API, ids=[c[0] for c in JSON_API])
def test_json_api(client, name, text, status):
    response = raw(client, "/v1/recommendations", text)
    assert response.status_code == status, name
    assert response.content_type == "application/problem+json"
    assert response.get_json()["status"] == status


@pytest.mark.parametrize("evaluation_id", ["a\x00b", "%00", "x" * 5000, "🙂"])
def test_evaluation_lookups(client, evaluation_id):
    response = client.get("/v1/evaluations/" + evaluation_id.replace("\x00", "%00"))
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


FORM = [
    ("a 5,000-digit age", {"age": HUGE, "sex": "male"}),
    ("a 5,000-digit eGFR", {"age": "50", "sex": "male", "kidney.egfr": HUGE}),
    ("a 5,000-digit severity", {"age": "50", "sex": "male", "back_pain.severity": HUGE}),
    ("10**400 as an age", {"age": "1" + "0" * 400, "sex": "male"}),
    ("NUL in a medication", {"age": "50", "sex": "male", "medications": "Cipro\x00"}),
]


@pytest.mark.parametrize(("name", "data"), FORM, ids=[c[0] for c in FORM])
def test_web_form(client, name, data):
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/", data={"csrf_token": token, **data})
    assert response.status_code in (200, 400, 422), name  # the form, with its errors
    assert response.status_code != 500


CDS_HOOKS = [
    ("a 5,000-digit lab value", hook_text(mg=HUGE), 400),
    ("10**400 as a lab value", hook_text(mg="1" + "0" * 400), 400),
    ("1e400 as a lab value", hook_text(mg="1e400"), 400),
    ("NUL in the patient id", hook_text(patient='"pv\\u0000x"'), 400),
    ("a duplicate key", hook_text().replace('"hook":', '"hook": "order-sign", "hook":', 1), 400),
    ("a number as the patient id", hook_text(patient=HUGE), 400),
]


@pytest.mark.parametrize(("name", "text", "status"), CDS_HOOKS, ids=[c[0] for c in CDS_HOOKS])
def test_cds_hooks(client, name, text, status):
    response = raw(client, PATIENT_VIEW, text)
    assert response.status_code == status, (name, response.get_data(as_text=True)[:300])
    assert response.get_json()["resourceType"] == "OperationOutcome"


def feedback(card: str = "00000000-0000-0000-0000-000000000000", **item: object) -> str:
    body = {
        "card": card,
        "outcome": "overridden",
        "outcomeTimestamp": "2026-11-25T12:00:00Z",
        **item,
    }
    return json.dumps({"feedback": [body]})


FEEDBACK_CASES = [
    ("the last moment, west of UTC", feedback(outcomeTimestamp="9999-12-31T23:59:59-05:00"), 400),
    ("the first moment, east of UTC", feedback(outcomeTimestamp="0001-01-01T00:00:00+05:00"), 400),
    ("a number as the timestamp", feedback(outcomeTimestamp=1e300), 400),
    ("NUL in the card id", feedback(card="card\x00id"), 400),
    ("a 5,000-digit outcome", feedback().replace('"overridden"', HUGE), 400),
    ("an unknown card", feedback(), 422),
]


@pytest.mark.parametrize(
    ("name", "text", "status"), FEEDBACK_CASES, ids=[c[0] for c in FEEDBACK_CASES]
)
def test_feedback(client, name, text, status):
    response = raw(client, FEEDBACK, text)
    assert response.status_code == status, (name, response.get_data(as_text=True)[:300])


def hook_with(change) -> str:
    request = copy.deepcopy(scenario_a_request())
    change(request["prefetch"])
    return json.dumps(request)


def _set(path: list, value: object):
    def change(prefetch: dict) -> None:
        target = prefetch
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return change


# (name, change, read): `read` when the service reads that field, so a bad value is a note.
FHIR_TYPES = [
    ("Bundle.entry: 5", _set(["egfr", "entry"], 5), True),
    (
        "MedicationRequest.status: [active]",
        _set(["medicationRequests", "entry", 0, "resource", "status"], ["active"]),
        True,
    ),
    (
        "basedOn.reference: {}",
        _set(["medicationRequests", "entry", 0, "resource", "basedOn"], [{"reference": {}}]),
        False,
    ),
    ("entry: [5]", _set(["conditions", "entry"], [5]), True),
    ("birthDate: 1944", _set(["patient", "birthDate"], 1944), True),
    (
        "valueQuantity.value: 1e300",
        _set(["egfr", "entry", 0, "resource", "valueQuantity", "value"], 1e300),
        True,
    ),
]


@pytest.mark.parametrize(
    ("name", "change", "read"),
    [pytest.param(n, c, read) for n, c, read in FHIR_TYPES],
    ids=[c[0] for c in FHIR_TYPES],
)
def test_fhir_fields_of_the_wrong_type(client, name, change, read):
    response = raw(client, PATIENT_VIEW, hook_with(change))
    assert response.status_code in (200, 400, 412, 422), name  # a note or a refusal
    if read and response.status_code == 200:  # a field the service reads: said, not dropped
        assert response.get_json()["extension"]["org.magnesium-cds.unmapped"], name
