"""One patient's record → one result row: the same mapping, schema and knowledge base as CDS Hooks.

A row is a plain dict (`results.FIELDS`), so both engines write it as it is. A patient
that cannot be evaluated is a row with `status` "not_evaluated" and the reason; never
dropped, never "suitable" by default.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from marshmallow import ValidationError

from rules import EvaluationError, ProfileError, default_knowledge_base
from service.problems import field_errors
from service.schemas import PROFILE_SCHEMA
from service.screening.cds_mapping import map_resources

log = logging.getLogger(__name__)

EVALUATED, NOT_EVALUATED = "evaluated", "not_evaluated"
# The kind a record note gets in `not_checked` (the knowledge base's NotChecked kinds).
RECORD_NOTE_KIND = "resource"

# A record: (resource type, resource id, file, line, resource). Sorted, so the mapping sees
# the same order whatever order an engine grouped the lines in.
Record = tuple[str, str, str, int, dict[str, Any]]


def sort_key(record: Record) -> tuple[str, str, str, int]:
    return record[0], record[1], record[2], record[3]


def knowledge_base_version() -> str:
    return default_knowledge_base().version


def evaluate_patient(
    patient_id: str,
    records: Sequence[Record],
    today: date,
    shared: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The result row for one patient's records (in any order); `shared`: the Medications."""
    ordered = sorted(records, key=sort_key)
    row = _row(patient_id)
    patients = [r[4] for r in ordered if r[0] == "Patient"]
    if len(patients) > 1:  # the same resource twice is one; two different ones are a conflict
        patients = list({json.dumps(p, sort_keys=True): p for p in patients}.values())
    if not patients:
        return _not_evaluated(
            row, "no Patient resource with this id: only other resources refer to it"
        )
    if len(patients) > 1:
        return _not_evaluated(row, f"{len(patients)} different Patient resources with this id")
    try:
        mapped = map_resources([r[4] for r in ordered], today, shared)
        _add_notes(row, mapped.notes)
        try:
            profile = PROFILE_SCHEMA.load(mapped.profile)
        except ValidationError as error:
            problems = "; ".join(
                f"{e['field']}: {e['message']}" for e in field_errors(error.messages)
            )
            return _not_evaluated(row, f"the record cannot be evaluated: {problems}")
        recommendation = default_knowledge_base().evaluate(profile)
    except ProfileError as error:
        return _not_evaluated(
            row, f"the record cannot be evaluated: {error.field}: {error.message}"
        )
    except EvaluationError as error:
        return _not_evaluated(row, f"the knowledge base failed: {error}")
    except Exception as error:
        log.exception("screening: unexpected error for one patient")  # no patient data logged
        return _not_evaluated(row, f"internal error while evaluating ({type(error).__name__})")
    row["status"] = EVALUATED
    row["disposition"] = recommendation.disposition
    row["finding_codes"] = [f.code for f in recommendation.findings]
    # Before the knowledge base carries `not_checked` (rules/model.py), there is none.
    kb_items = [
        {"kind": str(n.kind), "item": str(n.item), "reason": str(n.reason)}
        for n in getattr(recommendation, "not_checked", ())
    ]
    row["not_checked"] = _unique(kb_items + row["not_checked"])
    row["knowledge_base_version"] = recommendation.knowledge_base.version
    return row


def _row(patient_id: str) -> dict[str, Any]:
    return {
        "patient_id": patient_id,
        "status": NOT_EVALUATED,
        "disposition": None,
        "finding_codes": [],
        "not_checked": [],
        "notes": [],
        "reason": None,
        "knowledge_base_version": knowledge_base_version(),
    }


def _not_evaluated(row: dict[str, Any], reason: str) -> dict[str, Any]:
    row["status"] = NOT_EVALUATED
    row["reason"] = reason
    return row


def _add_notes(row: dict[str, Any], notes: Sequence[Any]) -> None:
    """The mapping's notes: those that may leave a check incomplete are `not_checked`."""
    for note in notes:
        if note.affects_safety:
            row["not_checked"].append(
                {"kind": RECORD_NOTE_KIND, "item": str(note.source), "reason": str(note.text)}
            )
        else:
            row["notes"].append({"source": str(note.source), "text": str(note.text)})


def _unique(items: list[Mapping[str, str]]) -> list[dict[str, str]]:
    """Items once each, in order (the knowledge base may repeat what the mapping noted)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for item in items:
        key = (item["item"], item["reason"])
        if key not in seen:
            seen.add(key)
            out.append(dict(item))
    return out
