"""Properties of the FHIR reading: any JSON where FHIR is expected is read or said, never a crash.

The reading has no blanket try/except (a bug must surface), so these properties are what
shows every element is checked before it is used.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.cds_hooks.fhir import map_patient
from tests.cds_hooks import scenarios as s

TODAY = date(2026, 11, 25)
LEAVES = st.none() | st.booleans() | st.integers(-10, 10**6) | st.floats(allow_nan=False)
JSON = st.recursive(
    LEAVES | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a member of `value` (dict keys and list indexes)."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((*prefix, key))
            found.extend(paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.append((*prefix, i))
            found.extend(paths(item, (*prefix, i)))
    return found


def record() -> tuple[dict, dict]:
    """Scenario B's prefetch with a magnesium statement, and its draft orders."""
    resources = s.scenario_b_resources()
    resources["medicationStatements"] = [
        s.medication_statement(
            "mg", s.B, "0", "Magnesium Oxide 400 MG Oral Tablet", s.dosage(1, 2, "twice daily")
        )
    ]
    request = s.scenario_b_request()
    return s.prefetch_of(resources), request["context"]["draftOrders"]


BASE = record()
# Below the prefetch object and the draft Bundle, which the request schema checks.
TARGETS = [p for p in paths({"prefetch": BASE[0], "drafts": BASE[1]}) if len(p) > 1]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(TARGETS), JSON)
def test_any_json_anywhere_is_read_or_said_never_a_crash(path, junk):
    data = copy.deepcopy({"prefetch": BASE[0], "drafts": BASE[1]})
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = junk
    drafts = data["drafts"] if isinstance(data["drafts"], dict) else None
    result = map_patient(data["prefetch"], drafts, TODAY)
    assert isinstance(result.profile["medications"], list)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(BASE[0])), JSON, max_size=4))
def test_any_json_as_a_prefetch_value_is_read_or_said(values):
    prefetch = {**copy.deepcopy(BASE[0]), **values}
    map_patient(prefetch, None, TODAY)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(TARGETS), JSON)
def test_removing_or_breaking_a_magnesium_order_never_lowers_what_is_said(path, junk):
    """Breaking part of the record never silently makes the answer less complete: either the
    magnesium is still counted, or something is said (a note, or a text the KB reads)."""
    data = copy.deepcopy({"prefetch": BASE[0], "drafts": BASE[1]})
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = junk
    drafts = data["drafts"] if isinstance(data["drafts"], dict) else None
    result = map_patient(data["prefetch"], drafts, TODAY)
    statements = [
        m for m in result.profile["medications"] if "magnesium" in m["name"].lower()
    ] + result.profile["magnesium_products"]
    if not statements:
        # The magnesium statement and draft are gone only when something was said, or the
        # junk replaced what named them (a name, a status, the resource itself).
        assert result.notes or any(
            str(p).lower() in {"medicationcodeableconcept", "text", "display", "status",
                               "resource", "entry", "medicationstatements", "prefetch", "drafts",
                               "resourcetype", "coding", "code", "0", "1", "draftorders"}
            for p in path
        ), path  # fmt: skip


JUNK = ("x", 7, -1.5, True, [], ["x"], [{"x": 1}], {}, {"x": [1]}, None)


def test_every_member_replaced_by_every_kind_of_junk_is_read_or_said():
    """Exhaustive over the record's members (Hypothesis samples; this visits all)."""
    for path in TARGETS:
        for junk in JUNK:
            data = copy.deepcopy({"prefetch": BASE[0], "drafts": BASE[1]})
            target = data
            for part in path[:-1]:
                target = target[part]
            target[path[-1]] = junk
            drafts = data["drafts"] if isinstance(data["drafts"], dict) else None
            map_patient(data["prefetch"], drafts, TODAY)
