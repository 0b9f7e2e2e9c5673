"""One patient's Bulk FHIR resources → the CDS Hooks prefetch → the profile the rules read.

The only module of the screen that touches the CDS Hooks FHIR mapping: it imports
`map_patient` (the mapping's one public entry point) and the prefetch templates the CDS
Services declare, and builds from a patient's resources exactly the prefetch a CDS client
would send, so a screened patient is read by the same code as a patient in the EHR.

Routing follows the templates themselves (`service/cds_hooks/services.py`), so a key the
CDS Hooks engineers add (a new Observation kind, say weight) is filled without a change
here:

- `Type/{{context.patientId}}` (a read): the patient's resource of that type.
- `Type?patient=…&code=system|code,…`: the patient's resources of that type whose `code`
  has one of the listed codings (an Observation goes only to the keys whose codes it
  carries: the mapping reads each resource once, so one copy per key would be lost).
- `Type?patient=…` without `code`: every resource of that type.

A Medication a patient's medication resource refers to (`medicationReference`
"Medication/<id>") is added to that key's Bundle, as `_include` would add it, so the mapping
reads its code; one that is not in the export is left out, and the mapping says the
medication could not be named.

Other search parameters (`status`, `clinical-status`, `_sort`, `_count`) are not applied:
the mapping filters status itself and picks the most recent value, so passing every
candidate gives it a superset of what an EHR would send, never less. A template of any
other shape stops the screen at start (`PrefetchRouteError`), rather than leaving a key
empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import parse_qs

from service.cds_hooks.fhir_mapping import map_patient
from service.cds_hooks.services import PREFETCH

_READ = re.compile(r"^([A-Z][A-Za-z]+)/\{\{\s*context\.patientId\s*\}\}$")
_SEARCH = re.compile(r"^([A-Z][A-Za-z]+)\?(.*)$")
_PATIENT_TOKEN = re.compile(r"^\{\{\s*context\.patientId\s*\}\}$")
# Search parameters whose meaning the mapping applies again itself (see the docstring).
_REAPPLIED = {"patient", "subject", "code", "status", "clinical-status", "_sort", "_count"}


class PrefetchRouteError(Exception):
    """A CDS Hooks prefetch template the screen cannot build from a Bulk export."""


@dataclass(frozen=True)
class Route:
    """Which of a patient's resources fill one prefetch key."""

    key: str
    resource_type: str
    single: bool  # a read (one resource), else a searchset Bundle
    codings: frozenset[tuple[str, str]] | None  # (system, code); None: every resource

    def takes(self, resource: Mapping[str, Any]) -> bool:
        if resource.get("resourceType") != self.resource_type:
            return False
        return self.codings is None or not self.codings.isdisjoint(_codings(resource))


def routes(templates: Mapping[str, str] = PREFETCH) -> tuple[Route, ...]:
    """The routes for `templates`; raise PrefetchRouteError for one that cannot be built."""
    out = []
    for key, template in templates.items():
        read = _READ.match(template)
        if read:
            out.append(Route(key, read.group(1), True, None))
            continue
        search = _SEARCH.match(template)
        if not search:
            raise PrefetchRouteError(f"prefetch {key}: {template!r} is neither a read nor a search")
        params = parse_qs(search.group(2), keep_blank_values=True)
        unknown = sorted(set(params) - _REAPPLIED)
        patient = params.get("patient") or params.get("subject") or [""]
        if unknown or not _PATIENT_TOKEN.match(patient[0]):
            raise PrefetchRouteError(
                f"prefetch {key}: {template!r} is not a search by patient"
                + (f" (parameters {', '.join(unknown)} are not supported)" if unknown else "")
            )
        codings = None
        if "code" in params:
            codings = frozenset(
                tuple(token.split("|", 1))  # type: ignore[misc]
                for value in params["code"]
                for token in value.split(",")
                if "|" in token
            )
            if not codings:
                raise PrefetchRouteError(f"prefetch {key}: codes without a system in {template!r}")
        out.append(Route(key, search.group(1), False, codings))
    return tuple(out)


ROUTES = routes()
# The resource types a patient's record needs; everything else in an export is counted
# as not read.
READ_TYPES = frozenset(r.resource_type for r in ROUTES)
_BY_TYPE = {t: tuple(r for r in ROUTES if r.resource_type == t) for t in READ_TYPES}
# Resources outside any patient's record that the record's resources refer to.
SHARED_TYPES = frozenset({"Medication"})


def wanted(resource: Mapping[str, Any]) -> bool:
    """Whether a prefetch key takes `resource`: its type, and its code where a key asks for one.

    The readers drop what no key takes (a heart rate, say) before it is partitioned or
    shuffled: most of a real export's Observations.
    """
    routes_of_type = _BY_TYPE.get(resource.get("resourceType"))  # type: ignore[arg-type]
    if not routes_of_type:
        return False
    if any(route.codings is None for route in routes_of_type):
        return True
    codings = _codings(resource)
    return any(not route.codings.isdisjoint(codings) for route in routes_of_type if route.codings)


def prefetch_for(
    resources: Sequence[Mapping[str, Any]], shared: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """The prefetch a CDS client would send for a patient with `resources`.

    `shared` maps "Medication/<id>" to the export's Medication resources.
    """
    chosen: dict[str, list[Mapping[str, Any]]] = {route.key: [] for route in ROUTES}
    for resource in resources:
        routes_of_type = _BY_TYPE.get(resource.get("resourceType"))  # type: ignore[arg-type]
        if not routes_of_type:
            continue
        codings = None
        for route in routes_of_type:
            if route.codings is not None:
                codings = _codings(resource) if codings is None else codings
                if route.codings.isdisjoint(codings):
                    continue
            chosen[route.key].append(resource)
    if shared:
        for route in ROUTES:
            chosen[route.key] += _included(chosen[route.key], shared)
    return {
        route.key: (chosen[route.key][0] if chosen[route.key] else None)
        if route.single
        else _searchset(chosen[route.key])
        for route in ROUTES
    }


def map_resources(
    resources: Sequence[Mapping[str, Any]],
    today: date,
    shared: Mapping[str, Mapping[str, Any]] | None = None,
) -> Any:
    """Map one patient's resources with the CDS Hooks mapping (returns its MappedPatient)."""
    return map_patient(prefetch_for(resources, shared), None, today)


def _included(
    resources: Sequence[Mapping[str, Any]], shared: Mapping[str, Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """The shared resources `resources` refer to by medicationReference, each once."""
    found: dict[str, Mapping[str, Any]] = {}
    for resource in resources:
        reference = resource.get("medicationReference")
        target = reference.get("reference") if isinstance(reference, Mapping) else None
        if isinstance(target, str) and target in shared:
            found.setdefault(target, shared[target])
    return list(found.values())


def _searchset(resources: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    entries = [{"resource": r, "search": {"mode": "match"}} for r in resources]
    if not entries:
        return None  # the CDS Hooks spec's "no data" for a prefetch key
    return {"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries}


def _codings(resource: Mapping[str, Any]) -> set[tuple[str, str]]:
    concept = resource.get("code")
    if not isinstance(concept, Mapping):
        return set()
    codings = concept.get("coding")
    if not isinstance(codings, list):
        return set()  # unreadable: the mapping says so when the resource reaches it
    return {
        (str(c.get("system")), str(c.get("code")))
        for c in codings
        if isinstance(c, Mapping) and c.get("system") and c.get("code")
    }
