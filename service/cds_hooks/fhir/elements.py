"""Typed access to FHIR JSON: each accessor checks the shape and raises UnreadableResource.

Checks are explicit rather than a blanket try/except, so a bug in this service surfaces
as a bug, and only data that is not FHIR R4 becomes a note.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from service.cds_hooks.fhir.notes import UnreadableResource

Resource = Mapping[str, Any]
_PARTIAL = re.compile(r"\d{4}(-\d{2})?")


def ref(resource: Resource) -> str:
    """'Type/id' for notes; '(no id)' when the resource has none."""
    rtype = resource.get("resourceType")
    rid = resource.get("id")
    kind = rtype if isinstance(rtype, str) else "Resource"
    return f"{kind}/{rid if isinstance(rid, str) and rid else '(no id)'}"


def obj(parent: Resource, key: str, where: str) -> Mapping[str, Any] | None:
    """An optional object element."""
    value = parent.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise UnreadableResource(where, f"{key} is not an object")
    return value


def objects(parent: Resource, key: str, where: str) -> list[Mapping[str, Any]]:
    """An optional array of objects (one object alone is accepted: some clients send that)."""
    value = parent.get(key)
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise UnreadableResource(where, f"{key} is not a list of objects")
    return value


def text(parent: Resource, key: str, where: str) -> str | None:
    """An optional string element ('' counts as absent)."""
    value = parent.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise UnreadableResource(where, f"{key} is not a string")
    return value


def number(parent: Resource, key: str, where: str) -> float | None:
    """An optional decimal element."""
    value = parent.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UnreadableResource(where, f"{key} is not a number")
    return float(value)


def codes(
    concept: Mapping[str, Any] | None, systems: str | tuple[str, ...], where: str
) -> list[str]:
    """The codes of a CodeableConcept in `systems`."""
    if concept is None:
        return []
    wanted = (systems,) if isinstance(systems, str) else systems
    found = []
    for coding in objects(concept, "coding", where):
        if coding.get("system") in wanted:
            code = text(coding, "code", where)
            if code:
                found.append(code.strip())
    return found


def concept_words(concept: Mapping[str, Any] | None, where: str) -> str:
    """The text and displays of a CodeableConcept, for matching by words."""
    if concept is None:
        return ""
    words = [text(concept, "text", where) or ""]
    words += [text(c, "display", where) or "" for c in objects(concept, "coding", where)]
    return " ".join(w for w in words if w)


def instant(value: Any) -> datetime | None:
    """A FHIR date or dateTime as an aware datetime (a partial date from its first day)."""
    if not isinstance(value, str) or not value:
        return None
    if _PARTIAL.fullmatch(value):
        value = value + "-01-01"[len(value) - 4 :]
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def status(resource: Resource, where: str) -> str | None:
    """The status, lower-cased (some servers send 'Active')."""
    value = text(resource, "status", where)
    return value.strip().lower() if value else None
