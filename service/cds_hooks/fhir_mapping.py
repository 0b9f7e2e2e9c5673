"""The FHIR reading's public entry point, kept here for existing imports (see fhir/)."""

from service.cds_hooks.fhir import (
    CAUDA_EQUINA_TOKEN,
    DataNote,
    DraftMagnesiumOrder,
    MappedPatient,
    UnreadableResource,
    map_patient,
)

__all__ = [
    "CAUDA_EQUINA_TOKEN",
    "DataNote",
    "DraftMagnesiumOrder",
    "MappedPatient",
    "UnreadableResource",
    "map_patient",
]
