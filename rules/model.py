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
class Kidney:
    egfr: float | None = None  # mL/min/1.73 m²; None when unknown
    dialysis: bool = False


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
    # What would change this answer (rules.counterfactual); None for info findings.
    counterfactual: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Plan:
    form: str
    route: Literal["oral", "topical"]
    max_supplemental_elemental_mg_per_day: float
    separations: tuple[Separation, ...] = ()
    monitoring: tuple[str, ...] = ()


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
    elemental_mg_per_day: float
    counted_toward_upper_limit: bool


@dataclass(frozen=True)
class Intake:
    supplemental_elemental_mg_per_day: float
    antacid_laxative_elemental_mg_per_day: float
    upper_limit_mg: float | None  # None under 1 year: no UL set
    rda_mg: float | None
    products: tuple[ProductIntake, ...]
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
