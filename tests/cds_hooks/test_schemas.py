"""The hook request and feedback schemas on the bodies other projects send."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from service.cds_hooks.schemas import FEEDBACK_SCHEMA, HOOK_REQUEST_SCHEMA
from tests.cds_hooks import external


def test_the_spec_patient_view_request_loads_as_sent():
    request = external.load("cdshooks-spec-examples.json")["patient_view_request"]
    loaded = HOOK_REQUEST_SCHEMA.load(request)
    assert loaded["context"] == {
        "userId": "Practitioner/example",
        "patientId": "1288992",
        "encounterId": "89284",
    }
    assert loaded["prefetch"] == request["prefetch"]
    assert loaded["fhirAuthorization"]["subject"] == "cds-service4"


def test_hapi_requests_load_with_the_patient_reference_read_as_its_id():
    hapi = external.load("hapi-cds-hooks-test-requests.json")
    loaded = HOOK_REQUEST_SCHEMA.load(hapi["ASLPCrdServiceRequest"])
    assert loaded["context"]["patientId"] == "123"
    selections = HOOK_REQUEST_SCHEMA.load({**hapi["CdsServiceRequestJson"], "hookInstance": "x"})[
        "context"
    ]["selections"]
    assert selections == ["MedicationRequest/456", "MedicationRequest/789"]


@pytest.mark.parametrize(
    ("change", "messages"),
    [
        (
            lambda r: r["context"].update(selections="MedicationRequest/1"),
            {"context": {"selections": ["Not a valid list."]}},
        ),
        (
            lambda r: r["context"].update(draftOrders={"resourceType": "Patient"}),
            {"context": {"draftOrders": ["The draft orders are required, as a FHIR Bundle."]}},
        ),
        (
            lambda r: r.update(fhirAuthorization={"token_type": "Bearer"}),
            {"fhirAuthorization": {"access_token": ["Missing data for required field."]}},
        ),
        (
            lambda r: r.update(prefetch=[]),
            {"prefetch": ["Not a valid mapping type."]},
        ),
    ],
)
def test_what_the_request_schema_refuses(change, messages):
    request = {
        "hook": "order-select",
        "hookInstance": "h",
        "fhirServer": "https://ehr.example.org/fhir",
        "context": {"patientId": "p1"},
    }
    change(request)
    with pytest.raises(ValidationError) as error:
        HOOK_REQUEST_SCHEMA.load(request)
    assert error.value.messages == messages


@pytest.mark.parametrize(
    ("timestamp", "stored"),
    [
        ("2020-12-16", "2020-12-16T00:00:00.000Z"),  # HAPI's date-only form
        ("2021-12-11T10:05:31Z", "2021-12-11T10:05:31.000Z"),
        ("2021-12-11T12:05:31+02:00", "2021-12-11T10:05:31.000Z"),
        ("2021-12-11T10:05:31", "2021-12-11T10:05:31.000Z"),  # no offset: UTC, as the spec says
    ],
)
def test_outcome_timestamps_in_one_spelling(timestamp, stored):
    item = {"card": "c", "outcome": "overridden", "outcomeTimestamp": timestamp}
    assert FEEDBACK_SCHEMA.load({"feedback": [item]})["feedback"][0]["outcomeTimestamp"] == stored


@pytest.mark.parametrize("timestamp", ["yesterday", "2020-13-01", "", 20201216])
def test_outcome_timestamps_that_are_not_dates_are_refused(timestamp):
    item = {"card": "c", "outcome": "overridden", "outcomeTimestamp": timestamp}
    with pytest.raises(ValidationError) as error:
        FEEDBACK_SCHEMA.load({"feedback": [item]})
    assert error.value.messages == {
        "feedback": {0: {"outcomeTimestamp": ["Must be an ISO 8601 date-time or date."]}}
    }
