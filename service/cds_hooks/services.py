"""The CDS Services this server offers, as data: discovery renders them as they are.

Every service asks for the same FHIR R4 data (prefetch templates below); they differ in
the hook, and the order hooks also read the draft orders in `context.draftOrders`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from service.cds_hooks.fhir.codes import (
    BODY_WEIGHT_CODES,
    CREATININE_CODES,
    EGFR_CODES,
    EGFR_PANEL_CODES,
    LOINC,
    MAGNESIUM_CODES,
    PREGNANCY_STATUS_CODES,
)

__all__ = ["EGFR_CODES", "PREFETCH", "SERVICES", "CdsService"]


def _codes(*groups: tuple[str, ...] | dict[str, str]) -> str:
    unique = dict.fromkeys(code for group in groups for code in group)
    return ",".join(f"{LOINC}|{code}" for code in unique)


_PATIENT = "{{context.patientId}}"
PREFETCH: dict[str, str] = {
    "patient": f"Patient/{_PATIENT}",
    "egfr": (
        f"Observation?patient={_PATIENT}&code={_codes(EGFR_CODES, EGFR_PANEL_CODES)}"
        "&_sort=-date&_count=5"
    ),
    "creatinine": (
        f"Observation?patient={_PATIENT}&code={_codes(CREATININE_CODES)}&_sort=-date&_count=2"
    ),
    "weight": (
        f"Observation?patient={_PATIENT}&code={_codes(BODY_WEIGHT_CODES)}&_sort=-date&_count=1"
    ),
    "magnesium": (
        f"Observation?patient={_PATIENT}&code={_codes(MAGNESIUM_CODES)}&_sort=-date&_count=2"
    ),
    "pregnancy": (
        f"Observation?patient={_PATIENT}&code={_codes(PREGNANCY_STATUS_CODES)}&_sort=-date&_count=1"
    ),
    "medicationRequests": f"MedicationRequest?patient={_PATIENT}&status=active",
    "medicationStatements": f"MedicationStatement?patient={_PATIENT}&status=active",
    "conditions": f"Condition?patient={_PATIENT}&clinical-status=active",
}

USAGE_REQUIREMENTS = (
    "FHIR R4. Needs every prefetch key, either prefetched or readable on fhirServer with the "
    "fhirAuthorization token (scopes patient/Patient.read, patient/Observation.read, "
    "patient/MedicationRequest.read, patient/MedicationStatement.read, "
    "patient/Condition.read); answers 412 when neither is possible. Supports clinicians; it "
    "does not dose intravenous magnesium."
)


@dataclass(frozen=True)
class CdsService:
    id: str
    hook: str
    title: str
    description: str
    prefetch: dict[str, str] = field(default_factory=lambda: dict(PREFETCH))
    usage_requirements: str = USAGE_REQUIREMENTS

    @property
    def reads_draft_orders(self) -> bool:
        return self.hook in ("order-select", "order-sign")

    def discovery(self) -> dict[str, Any]:
        """This service as the discovery endpoint lists it."""
        return {
            "hook": self.hook,
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "prefetch": self.prefetch,
            "usageRequirements": self.usage_requirements,
        }


SERVICES: dict[str, CdsService] = {
    s.id: s
    for s in (
        CdsService(
            id="magnesium-back-pain-review",
            hook="patient-view",
            title="Magnesium for back pain: safety review",
            description=(
                "When a chart opens, reviews magnesium for a patient with back pain: kidney "
                "function, serum magnesium, interacting drugs, magnesium already taken against "
                "the upper limit, pregnancy and back-pain red flags. Cards only when there is "
                "something to say."
            ),
        ),
        CdsService(
            id="magnesium-order-check",
            hook="order-select",
            title="Magnesium order check",
            description=(
                "Checks a magnesium order as it is selected (context.draftOrders): elemental "
                "dose against the upper limit, kidney function, interacting drugs and red "
                "flags. Suggests an order within the limit when the dose exceeds it."
            ),
        ),
        CdsService(
            id="magnesium-order-sign-check",
            hook="order-sign",
            title="Magnesium order check at signing",
            description=(
                "The magnesium order check, run again on the draft orders about to be signed."
            ),
        ),
    )
}
