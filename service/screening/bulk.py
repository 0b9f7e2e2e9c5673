"""Reading a FHIR Bulk Data export: its files, their lines, and whose record each line is.

An export (`$export`) is a folder of NDJSON files, one resource per line, usually one file
or several per resource type (`Observation.ndjson`, `Observation.002.ndjson.gz`). Every
line is read on its own (`read_line`) and becomes one of:

- a resource of a patient (`Line.patient_id` set): a Patient by its id, the other types
  the CDS Hooks prefetch reads by their `subject` (or `patient`) reference;
- a shared resource (`Line.shared`): a Medication, which belongs to no patient; the
  MedicationRequests and MedicationStatements that refer to it ("Medication/<id>") get it
  with them, as a FHIR server's `_include` would add it;
- an ignored resource: a type the prefetch does not read (Encounter, Procedure…), or an
  Observation with a code no prefetch key asks for (a heart rate), counted by type in the
  summary;
- a rejected line, with the reason: not JSON, not a FHIR resource, a resource with no
  patient to file it under. The summary reports each with its file and line number.

Both engines use this module, so they read every line the same way.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

from service.screening.cds_mapping import READ_TYPES, SHARED_TYPES, wanted

EXPORT_SUFFIXES = (".ndjson", ".ndjson.gz")
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
# "Patient/123", an absolute URL ending in it, optionally a version ("/_history/2"); or
# "urn:uuid:<Patient.id>", as Synthea writes references: such a line is filed under the id,
# and a row says "no Patient resource" if no Patient has that id (never a silent drop).
_PATIENT_REFERENCE = re.compile(
    r"(?:(?:^|/)Patient/|^urn:uuid:)([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$"
)
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Line:
    """What one line of an export is."""

    resource: dict[str, Any] | None = None
    resource_type: str | None = None
    patient_id: str | None = None  # set for a resource of a patient's record
    rejected: str | None = None  # why the line could not be used
    shared: bool = False  # a resource patients' resources refer to (a Medication)


def read_line(text: str | bytes) -> Line:
    """Parse one NDJSON line and say whose record it belongs to."""
    try:
        resource = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return Line(rejected="not valid JSON")
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        return Line(rejected="not a FHIR resource (no resourceType)")
    kind = resource["resourceType"]
    if kind not in READ_TYPES and kind not in SHARED_TYPES:
        return Line(resource_type=kind)
    if kind == "Patient" or kind in SHARED_TYPES:
        rid = resource.get("id")
        if not isinstance(rid, str) or not _FHIR_ID.fullmatch(rid):
            return Line(resource_type=kind, rejected=f"{kind} without a valid id")
        if kind in SHARED_TYPES:
            return Line(resource, kind, shared=True)
        return Line(resource, kind, rid)
    if not wanted(resource):
        return Line(resource_type=kind)  # e.g. an Observation no prefetch key asks for
    patient = patient_reference(resource)
    if patient is None:
        return Line(
            resource_type=kind,
            rejected=f"{kind} without a Patient reference in subject or patient",
        )
    return Line(resource, kind, patient)


def patient_reference(resource: dict[str, Any]) -> str | None:
    """The patient id that `subject` (or `patient`) refers to, or None."""
    for field in ("subject", "patient"):
        reference = resource.get(field)
        if isinstance(reference, dict) and isinstance(reference.get("reference"), str):
            match = _PATIENT_REFERENCE.search(reference["reference"])
            if match:
                return match.group(1)
    return None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def export_files(root: Path) -> tuple[list[Path], list[Path]]:
    """The NDJSON files under `root` (a folder or one file), and the other files found."""
    if root.is_file():
        return [root], []
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such file or folder")
    found: list[Path] = []
    others: list[Path] = []
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            path = Path(folder, name)
            (found if name.endswith(EXPORT_SUFFIXES) else others).append(path)
    return found, others


def open_export_file(path: Path) -> BinaryIO:
    """Open an export file for reading bytes, gunzipping it when it is gzip."""
    with open(path, "rb") as probe:
        gzipped = probe.read(2) == GZIP_MAGIC
    if gzipped:
        return cast(BinaryIO, gzip.GzipFile(path, "rb"))
    return open(path, "rb")


def lines(path: Path, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """The lines of `path` (its byte range [start, end) when not gzip), newline included."""
    with open_export_file(path) as stream:
        if start:
            stream.seek(start)
        position = start
        for line in stream:
            if end is not None and position >= end:
                return
            position += len(line)
            yield line
