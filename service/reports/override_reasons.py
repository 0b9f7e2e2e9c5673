"""Override reasons: this service's own, and the HL7 CDS Hooks non-adherence categories.

The CDS Hooks 3.0 ballot defines the code system
http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes (from the AHRQ CDSiC
override taxonomy): six categories, each with specific sub-codes. Cards offer the six
categories beside this service's four reasons; the feedback report counts every reason
under its HL7 category, so reports compare across services.
"""

from __future__ import annotations

from typing import Any

HL7_SYSTEM = "http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes"
HL7_CATEGORIES: dict[str, str] = {
    "cds-not-applicable": "PC CDS does not apply to patient",
    "cds-suboptimal-context": "PC CDS delivered in suboptimal context",
    "recipient-disagrees-evidence": (
        "Recipient disagrees with recommendation because of issues with the evidence"
    ),
    "recipient-concerns-outcomes": "Recipient has concerns regarding potential health outcomes",
    "does-not-align-preferences": (
        "Recommendation does not align with patient preferences or values"
    ),
    "not-convenient-feasible": "Recommendation is not convenient or feasible",
}
# Sub-codes of the code system, by category (a client may send the specific code).
HL7_SUBCODES: dict[str, str] = {
    **dict.fromkeys(
        (
            "patient-ineligible",
            "indication-order-exists",
            "action-completed",
            "action-unsuccessful",
            "action-performed-no-adverse-effect",
            "action-not-priority",
        ),
        "cds-not-applicable",
    ),
    **dict.fromkeys(
        ("limited-time", "wrong-time-workflow", "inappropriate-recipient", "need-more-info"),
        "cds-suboptimal-context",
    ),
    **dict.fromkeys(
        (
            "does-not-align-latest-evidence",
            "expert-contradicts",
            "policy-contradicts",
            "recipient-does-not-trust",
        ),
        "recipient-disagrees-evidence",
    ),
    **dict.fromkeys(
        (
            "risk-benefit-ratio",
            "mitigate-risk-negative-outcome",
            "likely-negative-health-outcomes",
            "patient-contraindication",
        ),
        "recipient-concerns-outcomes",
    ),
    **dict.fromkeys(
        (
            "patient-fears-discomfort",
            "patient-does-not-want-change",
            "cultural-religious-reason",
            "prefers-alternative",
            "patient-refuses",
        ),
        "does-not-align-preferences",
    ),
    **dict.fromkeys(
        (
            "inadequate-support",
            "service-not-available",
            "implementation-challenges",
            "too-costly-uncovered",
            "recipient-does-not-understand",
            "comorbidity-disability",
        ),
        "not-convenient-feasible",
    ),
}
# This service's reasons (service.cds_hooks.cards) under the HL7 category each belongs to.
SERVICE_TO_HL7: dict[str, str] = {
    "benefit-outweighs-risk": "recipient-concerns-outcomes",  # risk-benefit-ratio
    "already-managed": "cds-not-applicable",  # action-completed / indication-order-exists
    "record-incorrect": "cds-not-applicable",  # the patient does not meet the criteria
    "patient-declined": "does-not-align-preferences",  # patient-refuses
}

HL7_OVERRIDE_CATEGORIES: tuple[dict[str, str], ...] = tuple(
    {"system": HL7_SYSTEM, "code": code, "display": display}
    for code, display in HL7_CATEGORIES.items()
)


def hl7_category(coding: Any) -> str | None:
    """The HL7 category a reason Coding falls under; None when it is not recognised."""
    if not isinstance(coding, dict):
        return None
    from service.cds_hooks.cards import OVERRIDE_REASONS_SYSTEM

    code, system = str(coding.get("code")), coding.get("system")
    if system == HL7_SYSTEM:
        return code if code in HL7_CATEGORIES else HL7_SUBCODES.get(code)
    if system == OVERRIDE_REASONS_SYSTEM:
        return SERVICE_TO_HL7.get(code)
    return None
