"""Patient → age, sex, and whether the patient has died."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from service.cds_hooks.fhir.elements import ref, text
from service.cds_hooks.fhir.notes import Reading, UnreadableResource

BIRTH_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
GENDERS = ("male", "female", "other", "unknown")


@dataclass(frozen=True)
class Demographics:
    age: int | None = None
    sex: str = "unknown"
    deceased: bool = False


def read_patient(resources: list[dict[str, Any]], today: date) -> Reading[Demographics]:
    """The first Patient's demographics; a missing or unreadable one is said."""
    patient = next((r for r in resources if r.get("resourceType") == "Patient"), None)
    if patient is None:
        reading = Reading(Demographics())
        reading.note(
            "prefetch patient", "no Patient resource: age and sex are unknown", affects_safety=True
        )
        return reading
    source = ref(patient)
    try:
        return _demographics(patient, source, today)
    except UnreadableResource as error:
        reading = Reading(Demographics())
        reading.unreadable(source, error)
        return reading


def _demographics(patient: dict[str, Any], source: str, today: date) -> Reading[Demographics]:
    notes: Reading[None] = Reading(None)
    age = None
    born = text(patient, "birthDate", source)
    match = BIRTH_DATE.fullmatch(born) if born else None
    if match:
        year, month, day = (int(g) if g else 1 for g in match.groups())
        try:
            birth = date(year, month, day)
        except ValueError:
            birth = None
        if birth is not None and birth <= today:
            if match.group(3) is None:
                notes.note(source, f"birthDate {born} is partial: age counted from its first day")
            age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    if age is None:
        notes.note(source, "no usable birthDate: age unknown", affects_safety=True)
    gender = text(patient, "gender", source)
    sex = gender.lower() if gender and gender.lower() in GENDERS else "unknown"
    if gender is None:
        notes.note(source, "no gender: sex taken as unknown")
    elif sex == "unknown" and gender.lower() != "unknown":
        notes.note(source, f"gender {gender!r} is not a FHIR gender: sex taken as unknown")
    deceased = patient.get("deceasedBoolean") is True or bool(
        text(patient, "deceasedDateTime", source)
    )
    return Reading(Demographics(age, sex, deceased), notes.notes)
