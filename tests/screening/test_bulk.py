"""Every line of an export is read, ignored or rejected with a reason; none is lost."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.screening.bulk import patient_reference, read_line

EGFR = {"coding": [{"system": "http://loinc.org", "code": "98979-8"}]}


def obs(subject, code=EGFR):
    return {"resourceType": "Observation", "id": "o1", "code": code, "subject": subject}


@pytest.mark.parametrize(
    ("reference", "patient"),
    (
        ("Patient/123", "123"),
        ("Patient/a-b.c", "a-b.c"),
        ("https://ehr.example.org/fhir/Patient/123", "123"),
        ("Patient/123/_history/4", "123"),
        ("Group/9", None),
        ("Patient/", None),
        ("Patient/has space", None),
        ("urn:uuid:d5582579-7193-4866-5560-a01e723b6552", "d5582579-7193-4866-5560-a01e723b6552"),
        ("urn:oid:1.2.3", None),
        ("Group/urn:uuid:1", None),
        ("Patient/" + "x" * 65, None),
    ),
)
def test_patient_reference(reference, patient):
    assert patient_reference(obs({"reference": reference})) == patient


def test_the_patient_field_is_read_when_there_is_no_subject():
    resource = {"resourceType": "Condition", "patient": {"reference": "Patient/7"}}
    assert patient_reference(resource) == "7"


@pytest.mark.parametrize(
    ("text", "reason"),
    (
        ("{not json", "not valid JSON"),
        ('{"resourceType": "Observation", "value": NaN}', "not valid JSON"),
        (b"\xff\xfe{}", "not valid JSON"),
        ("[1, 2]", "not a FHIR resource (no resourceType)"),
        ('{"id": "x"}', "not a FHIR resource (no resourceType)"),
        ('{"resourceType": 3}', "not a FHIR resource (no resourceType)"),
        ('{"resourceType": "Patient"}', "Patient without a valid id"),
        ('{"resourceType": "Patient", "id": "a b"}', "Patient without a valid id"),
        (
            json.dumps(obs(None)),
            "Observation without a Patient reference in subject or patient",
        ),
        (
            json.dumps(obs({"reference": "Group/1"})),
            "Observation without a Patient reference in subject or patient",
        ),
        (
            json.dumps({"resourceType": "MedicationRequest", "subject": "Patient/1"}),
            "MedicationRequest without a Patient reference in subject or patient",
        ),
    ),
)
def test_rejected_lines_say_why(text, reason):
    line = read_line(text)
    assert (line.rejected, line.patient_id) == (reason, None)


def test_a_type_the_screen_does_not_read_is_counted_not_rejected():
    line = read_line('{"resourceType": "Encounter", "subject": {"reference": "Patient/1"}}')
    assert (line.resource_type, line.patient_id, line.rejected) == ("Encounter", None, None)


@pytest.mark.parametrize(
    "code",
    (
        {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},  # heart rate
        {"coding": [{"system": "http://example.org/local", "code": "98979-8"}]},
        {"text": "eGFR"},  # no coding: no key can ask for it
        None,
    ),
)
def test_an_observation_no_prefetch_key_asks_for_is_counted_not_read(code):
    for subject in ({"reference": "Patient/1"}, None):
        line = read_line(json.dumps(obs(subject, code)))
        assert (line.resource_type, line.patient_id, line.rejected) == ("Observation", None, None)


def test_resources_are_filed_under_their_patient():
    patient = read_line('{"resourceType": "Patient", "id": "p1"}')
    assert (patient.resource_type, patient.patient_id) == ("Patient", "p1")
    condition = read_line(
        json.dumps(obs({"reference": "Patient/p1"}) | {"resourceType": "Condition"})
    )
    assert (condition.resource_type, condition.patient_id) == ("Condition", "p1")


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200)))
def test_any_line_is_read_ignored_or_rejected(text):
    line = read_line(text)
    read = line.patient_id is not None and line.resource is not None
    ignored = line.patient_id is None and line.rejected is None and line.resource_type is not None
    assert [read, ignored, line.rejected is not None].count(True) == 1
