"""The domain: a patient profile in, an explained recommendation out.

Frozen dataclasses only; no Flask, no marshmallow. Every edge (JSON API, CDS Hooks,
web form, CLI) builds a `Profile` and renders the same `Recommendation`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Sex = Literal["female", "male", "other", "unknown"]
Disposition = Literal["refer", "avoid", "caution", "suitable"]
Effect = Literal["refer", "avoid", "caution", "info"]
Severity = Literal["critical", "warning", "info"]
Urgency = Literal["emergency", "urgent", "prompt"]

DISPOSITIONS: tuple[Disposition, ...] = ("refer", "avoid", "caution", "suitable")
URGENCY_ORDER: tuple[Urgency, ...] = ("emergency", "urgent", "prompt")


# --- the profile (input) -------------------------------------------------------------------


@dataclass(frozen=True)
class Creatinine:
    value: float
    unit: Literal["mg/dL", "µmol/L"]


@dataclass(frozen=True)
class Kidney:
    egfr: float | None = None  # mL/min/1.73 m²; None when unknown
    dialysis: bool = False
    # Serum creatinine: eGFR (CKD-EPI 2021) and clearance (Cockcroft–Gault) are computed
    # from it in rules.kidney_function (CLINICAL.md §3).
    creatinine: Creatinine | None = None


@dataclass(frozen=True)
class LabValue:
    value: float
    unit: Literal["mg/dL", "mmol/L", "mEq/L"]


@dataclass(frozen=True)
class BackPain:
    onset: Literal["sudden", "gradual"] | None = None
    severity: int | None = None  # 0–10
    radiating: bool = False
    duration_weeks: float | None = None
    # The profile says the patient has back pain, even without details (an empty
    # `back_pain` object): a child under 5 with back pain is referred (CLINICAL.md §6).
    reported: bool = False

    @property
    def described(self) -> bool:
        """True when back pain is reported or any of its features is given."""
        return (
            self.reported
            or self.radiating
            or self.onset is not None
            or self.severity is not None
            or self.duration_weeks is not None
        )


@dataclass(frozen=True)
class Medication:
    name: str
    rxnorm: str | None = None


@dataclass(frozen=True)
class MagnesiumProduct:
    form: str
    route: Literal["oral", "topical"] = "oral"
    dose_mg: float | None = None
    dose_basis: Literal["elemental", "compound"] | None = None
    times_per_day: int = 1
    purpose: Literal["supplement", "antacid_laxative"] = "supplement"


@dataclass(frozen=True)
class NotChecked:
    """Something the knowledge base could not use, said rather than dropped (CLINICAL.md §13)."""

    kind: Literal["medication", "code", "unit", "value", "resource", "input"]
    item: str  # as a reader recognises it: "Zyrtec 10 mg", "RxNorm 123456", "eGFR"
    reason: str  # plain language: "interactions with Zyrtec 10 mg were not checked"


@dataclass(frozen=True)
class Profile:
    age: int
    sex: Sex
    pregnant: bool = False
    lactating: bool = False
    kidney: Kidney = field(default_factory=Kidney)
    serum_magnesium: LabValue | None = None
    back_pain: BackPain = field(default_factory=BackPain)
    red_flags: frozenset[str] = frozenset()
    symptoms: frozenset[str] = frozenset()
    medications: tuple[Medication, ...] = ()
    magnesium_products: tuple[MagnesiumProduct, ...] = ()
    route_preference: Literal["oral", "topical", "any"] = "any"
    weight_kg: float | None = None  # with creatinine: Cockcroft–Gault clearance (§3)
    conditions: frozenset[str] = frozenset()  # CLINICAL.md §11 tokens
    # What an edge (e.g. the FHIR mapping) could not read, passed on to the recommendation.
    not_checked: tuple[NotChecked, ...] = ()


# --- the recommendation (output) -----------------------------------------------------------


@dataclass(frozen=True)
class Source:
    key: str  # e.g. "IOM97"
    title: str
    locator: str  # page, section or table row
    url: str | None = None


@dataclass(frozen=True)
class RuleRef:
    id: str
    version: str


@dataclass(frozen=True)
class Separation:
    drug: str
    drug_before_magnesium_hours: float | None = None
    drug_after_magnesium_hours: float | None = None
    note: str | None = None


@dataclass(frozen=True)
class Finding:
    code: str
    category: str
    severity: Severity
    effect: Effect
    title: str
    explanation: str
    action: str
    evidence: Mapping[str, Any]
    details: Mapping[str, Any]
    sources: tuple[Source, ...]
    rule: RuleRef
    urgency: Urgency | None = None
    # What would change this answer (rules.counterfactual), for the findings that decide
    # it (effect = disposition); None for the others (info and weaker findings).
    counterfactual: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Plan:
    form: str
    route: Literal["oral", "topical"]
    max_supplemental_elemental_mg_per_day: float
    separations: tuple[Separation, ...] = ()
    monitoring: tuple[str, ...] = ()
    # CLINICAL.md §12: "self_care", or "clinician_directed" (moderate kidney disease: the
    # ceiling is an upper bound for the clinician, not a dose to take).
    dosing: Literal["self_care", "clinician_directed"] = "self_care"
    # What the ceiling limits, in words every edge shows beside the number.
    ceiling_label: str = "at most, from supplements and magnesium-containing medicines together"
    notes: tuple[str, ...] = ()  # plain sentences the reader must see with the plan


@dataclass(frozen=True)
class Referral:
    urgency: Urgency
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ProductIntake:
    form: str
    route: str
    purpose: str
    dose_mg: float | None
    dose_basis: str | None
    times_per_day: int
    elemental_fraction: float | None
    elemental_mg_per_day: float | None  # None: a magnesium medicine whose amount is unknown
    counted_toward_upper_limit: bool
    dose_known: bool = True
    # How the figure was reached, for reading: "1000 mg compound × 0.141 × 2/day = 282 mg
    # elemental" (CLINICAL.md §12: computed here, rendered as is by every edge).
    arithmetic: str = ""
    source: Literal["profile", "medication list"] = "profile"
    name: str | None = None  # the medication text it was read from, for "medication list"


@dataclass(frozen=True)
class Intake:
    supplemental_elemental_mg_per_day: float
    antacid_laxative_elemental_mg_per_day: float
    upper_limit_mg: float | None  # None under 1 year: no UL set
    rda_mg: float | None
    products: tuple[ProductIntake, ...]
    # Over the UL, from the exact sum (rounded for reading, never to 0 when over).
    excess_mg_per_day: float = 0.0
    over_upper_limit: bool = False  # the decision intake.ul_exceeded makes
    # Unrounded sums: the rules decide on these (the figures above are for reading).
    exact_supplemental_mg: float = field(default=0.0, repr=False)
    exact_antacid_laxative_mg: float = field(default=0.0, repr=False)


@dataclass(frozen=True)
class KnowledgeBaseRun:
    version: str
    rules_evaluated: int
    rules_fired: tuple[str, ...]


@dataclass(frozen=True)
class Recommendation:
    evaluation_id: str
    disposition: Disposition
    summary: str
    findings: tuple[Finding, ...]
    plan: Plan | None
    referral: Referral | None
    intake: Intake
    knowledge_base: KnowledgeBaseRun
    # The profile's own not_checked, then the knowledge base's, in a stable order (§13).
    not_checked: tuple[NotChecked, ...] = ()
