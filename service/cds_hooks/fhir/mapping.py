"""The FHIR record → the profile the knowledge base reads, with a note for what was not used.

`map_patient` runs one reader per resource kind (patient, observations, conditions,
medications), each returning its value and its notes, and assembles the profile as
ProfileSchema input, so validation stays in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from marshmallow import ValidationError

from rules import NotChecked
from rules.data.tokens import CAUDA_EQUINA
from service.cds_hooks.fhir import bundle
from service.cds_hooks.fhir.conditions import read_conditions
from service.cds_hooks.fhir.medications import DraftMagnesiumOrder, read_medications
from service.cds_hooks.fhir.notes import DataNote, Reading
from service.cds_hooks.fhir.observations import (
    read_creatinine,
    read_egfr,
    read_pregnancy_status,
    read_serum_magnesium,
    read_weight,
)
from service.cds_hooks.fhir.patient import read_patient
from service.problems import field_errors
from service.schemas.profile import ProfileSchema

# Without an eGFR value, a stage is read as the top of its KDIGO band: every value in the
# band gives the same kidney finding, and the top never overstates the stage.
EGFR_FOR_STAGE = {5: 14.0, 4: 29.0}
# Prefetch keys whose templates ask for the latest few (`_count`): more pages are expected
# and are not a gap (services.PREFETCH; a test keeps the two in step).
LATEST_ONLY_KEYS = frozenset({"egfr", "creatinine", "weight", "magnesium", "pregnancy"})
# Values the profile schema may refuse (out of range: a unit mix-up in the record) and
# where they came from. Without one the rest is still evaluated; anything else refused
# (no age) makes the record one that cannot be evaluated, said in one card.
DROPPABLE = {  # profile field: (prefetch key, what a reader calls it)
    "kidney.egfr": ("prefetch egfr", "eGFR"),
    "kidney.creatinine": ("prefetch creatinine", "serum creatinine"),
    "serum_magnesium": ("prefetch magnesium", "serum magnesium"),
    "weight_kg": ("prefetch weight", "body weight"),
}
_SCHEMA = ProfileSchema()
# The token vocabulary has no diagnosis-level token for cauda equina syndrome; use one when
# the knowledge base adds it, until then the group's first token (said in a note).
CAUDA_EQUINA_TOKEN = (
    "cauda_equina_syndrome" if "cauda_equina_syndrome" in CAUDA_EQUINA else CAUDA_EQUINA[0]
)


@dataclass
class MappedPatient:
    profile: dict[str, Any]
    notes: list[DataNote] = field(default_factory=list)
    draft_orders: list[DraftMagnesiumOrder] = field(default_factory=list)
    deceased: bool = False
    # order-select: how many selected drafts name a medication, and the non-magnesium ones.
    selected_drafts: int = 0
    selected_medications: list[str] = field(default_factory=list)

    def not_checked(self) -> tuple[NotChecked, ...]:
        """The notes that leave a check incomplete, as the profile's not_checked (§13)."""
        return tuple(NotChecked(n.kind, n.source, n.text) for n in self.notes if n.affects_safety)


def map_patient(
    prefetch: Mapping[str, Any],
    draft_orders: Mapping[str, Any] | None = None,
    today: date | None = None,
    *,
    selections: list[str] | None = None,
) -> MappedPatient:
    """Map the prefetch values (keys as in services.PREFETCH) and the draft orders to a profile."""
    today = today or datetime.now(UTC).date()
    notes: list[DataNote] = []

    def take(reading: Reading[Any]) -> Any:
        notes.extend(reading.notes)
        return reading.value

    seen: set[str] = set()
    urls: dict[str, Any] = {}
    values = {
        key: take(bundle.unwrap(key, value, seen, urls, whole_list=key not in LATEST_ONLY_KEYS))
        for key, value in prefetch.items()
    }
    drafts = (
        take(bundle.unwrap("context.draftOrders", draft_orders, set(), urls))
        if draft_orders
        else []
    )
    everything = [r for rs in values.values() for r in rs] + drafts

    profile: dict[str, Any] = {}
    demographics = take(read_patient(values.get("patient", []), today))
    if demographics.age is not None:
        profile["age"] = demographics.age
    profile["sex"] = demographics.sex

    conditions = take(read_conditions(values.get("conditions", [])))
    kidney: dict[str, Any] = {
        "egfr": take(read_egfr(values.get("egfr", []))),
        "dialysis": conditions.dialysis,
    }
    if kidney["egfr"] is None and conditions.ckd_stage is not None:
        kidney["egfr"] = EGFR_FOR_STAGE[conditions.ckd_stage]
        notes.append(
            DataNote(
                conditions.ckd_source or "prefetch conditions",
                f"no eGFR value: CKD stage {conditions.ckd_stage} from the problem list read "
                f"as eGFR {EGFR_FOR_STAGE[conditions.ckd_stage]:g}",
            )
        )
    creatinine = take(read_creatinine(values.get("creatinine", [])))
    if creatinine is not None:
        kidney["creatinine"] = creatinine  # the knowledge base computes eGFR and clearance
    profile["kidney"] = kidney
    weight = take(read_weight(values.get("weight", [])))
    if weight is not None:
        profile["weight_kg"] = weight

    magnesium = take(read_serum_magnesium(values.get("magnesium", [])))
    if magnesium is not None:
        profile["serum_magnesium"] = magnesium
    if take(read_pregnancy_status(values.get("pregnancy", []))) or conditions.pregnant:
        profile["pregnant"] = True
    if conditions.sciatica:
        profile["back_pain"] = {"radiating": True}
    if conditions.cauda_equina:
        profile["red_flags"] = [CAUDA_EQUINA_TOKEN]
        if CAUDA_EQUINA_TOKEN != "cauda_equina_syndrome":
            notes.append(
                DataNote(
                    "prefetch conditions",
                    "cauda equina syndrome is recorded as the cauda equina red flag "
                    f"'{CAUDA_EQUINA_TOKEN}' (no diagnosis token exists)",
                )
            )
    if conditions.tokens:
        profile["conditions"] = sorted(conditions.tokens)

    index = bundle.reference_index(everything, urls)
    medications = take(
        read_medications(
            values.get("medicationRequests", []),
            values.get("medicationStatements", []),
            drafts,
            index,
            selections,
        )
    )
    profile["medications"] = medications.medications
    profile["magnesium_products"] = medications.magnesium_products
    notes.extend(_drop_refused_values(profile))
    return MappedPatient(
        profile,
        notes,
        medications.draft_orders,
        deceased=demographics.deceased,
        selected_drafts=medications.selected_drafts,
        selected_medications=medications.selected_medications,
    )


def _drop_refused_values(profile: dict[str, Any]) -> list[DataNote]:
    """Leave out (and say) a lab value or weight the profile schema refuses."""
    try:
        _SCHEMA.load(profile)
    except ValidationError as error:
        refused = field_errors(error.messages)
    else:
        return []
    notes = []
    for root, (source, name) in DROPPABLE.items():
        messages = [e["message"] for e in refused if e["field"].startswith(root)]
        if not messages:
            continue
        parent, _, key = root.rpartition(".")
        holder = profile[parent] if parent else profile
        value = holder.get(key)
        if isinstance(value, dict):  # {value, unit}
            value = f"{value.get('value'):g} {value.get('unit')}"
        if root == "kidney.egfr":
            holder[key] = None
        else:
            holder.pop(key, None)
        notes.append(
            DataNote(
                source,
                f"{name} {value} is out of range ({' '.join(messages)}): not used",
                affects_safety=True,
                kind="value",
            )
        )
    return notes
