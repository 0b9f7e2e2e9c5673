"""Derive what the rules read from a profile: flat, plain facts for the engine.

Arithmetic (elemental mg, unit conversion, drug matching) happens here once; thresholds
stay in the rules and their data tables. The raw profile is never asserted: the engine
holds about 250 properties per fact and compares loosely, so only validated values go in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rules.conditions import flag
from rules.data.limits import MEQ_PER_MMOL, MG_DL_PER_MMOL_L
from rules.data.tokens import (
    ALL_TOKENS,
    CONDITION_TOKENS,
    INFLAMMATORY_FEATURES,
    TOXICITY_CARDINAL,
    TOXICITY_SIGNS,
)
from rules.errors import ProfileError
from rules.intake import compute_intake
from rules.interactions import MatchedDrug, read_medications
from rules.kidney_function import KidneyFunction, assess
from rules.model import Intake, LabValue, NotChecked, Profile


@dataclass(frozen=True)
class Facts:
    """A profile with everything the rules and their explanations need, computed once."""

    profile: Profile
    tokens: frozenset[str]
    serum_mg_dl: float | None
    intake: Intake
    matched_drugs: tuple[MatchedDrug, ...]
    kidney: KidneyFunction  # eGFR given or computed, clearance, the lower deciding (§3)
    # What the knowledge base itself could not use (unrecognised medications, codes).
    not_checked: tuple[NotChecked, ...] = ()

    @property
    def dose_ceiling_mg(self) -> float:
        """The plan's ceiling: the age UL minus what antacids/laxatives already supply."""
        ul = self.intake.upper_limit_mg or 0.0
        return max(0.0, round(ul - self.intake.antacid_laxative_elemental_mg_per_day, 1))

    def engine_facts(self) -> list[dict[str, Any]]:
        """Return the profile fact and one fact per matched drug, as the engine takes them.

        Only fields some rule reads: every field is JSON the engine parses per evaluation.
        """
        p, intake = self.profile, self.intake
        ul = intake.upper_limit_mg
        oral_products = [x for x in intake.products if x.route == "oral"]
        fact: dict[str, Any] = {
            "kind": "profile",
            "ref": "profile",
            "age": p.age,
            "pregnant": p.pregnant,
            "lactating": p.lactating,
            # The kidney rules read the lower of eGFR (given or computed) and clearance.
            "egfr_known": self.kidney.value is not None,
            "kidney_computed": self.kidney.computed,
            "dialysis": p.kidney.dialysis,
            "serum_known": self.serum_mg_dl is not None,
            "onset": p.back_pain.onset or "unknown",
            "severity_known": p.back_pain.severity is not None,
            "radiating": p.back_pain.radiating,
            "duration_known": p.back_pain.duration_weeks is not None,
            "inflammatory_features": sum(1 for t in INFLAMMATORY_FEATURES if t in self.tokens),
            "route_preference": p.route_preference,
            "ul_known": ul is not None,
            "compound_products": sum(1 for x in oral_products if x.dose_basis == "compound"),
            "antacid_products": sum(1 for x in oral_products if x.purpose == "antacid_laxative"),
            "topical_products": sum(1 for x in intake.products if x.route == "topical"),
            "taking_oxide": any(x.form == "oxide" for x in oral_products),
            "oral_products": len(oral_products),
            "dose_unknown_products": sum(1 for x in oral_products if not x.dose_known),
            "unrecognized_medications": len(self.not_checked),
            "back_pain_described": p.back_pain.described,
            "cardinal_signs": sum(1 for t in TOXICITY_CARDINAL if t in self.tokens),
            "toxicity_signs": sum(1 for t in TOXICITY_SIGNS if t in self.tokens),
            "on_digoxin": any(m.drug.drug_class == "digoxin" for m in self.matched_drugs),
        }
        if self.kidney.value is not None:
            fact["egfr"] = _engine_number(self.kidney.value)
        if self.serum_mg_dl is not None:
            fact["serum_mg_dl"] = _engine_number(self.serum_mg_dl)
        if p.back_pain.severity is not None:
            fact["severity"] = p.back_pain.severity
        if p.back_pain.duration_weeks is not None:
            fact["duration_weeks"] = _engine_number(p.back_pain.duration_weeks)
        if ul is not None:
            fact["oral_over_ul_mg"] = _engine_number(intake.exact_supplemental_mg - ul)
            fact["antacid_over_ul_mg"] = _engine_number(intake.exact_antacid_laxative_mg - ul)
        for token in ALL_TOKENS:
            fact[flag(token)] = token in self.tokens
        for token in CONDITION_TOKENS:
            fact[flag(token)] = token in p.conditions
        facts = [fact]
        for i, m in enumerate(self.matched_drugs):
            facts.append(
                {
                    "kind": "medication",
                    "ref": f"medication:{i}",
                    "index": i,
                    "drug": m.drug.generic,
                    "drug_class": m.drug.drug_class,
                }
            )
        return facts


def _engine_number(value: float) -> float:
    """Return a client's number as the engine can take it, without moving it over a threshold.

    Python prints numbers under 0.0001 with an exponent, which the engine rejects; they
    become 0 here (no threshold lies that close to 0). Everything else is passed unrounded:
    rounding 29.9996 to 30 would put it on the other side of the eGFR threshold.
    """
    return 0.0 if abs(value) < 1e-4 else value


def serum_to_mg_dl(lab: LabValue) -> float:
    """Convert a serum magnesium value to mg/dL (1 mmol/L = 2.431 mg/dL = 2 mEq/L)."""
    if lab.unit == "mg/dL":
        return lab.value
    if lab.unit == "mmol/L":
        return lab.value * MG_DL_PER_MMOL_L
    if lab.unit == "mEq/L":
        return lab.value / MEQ_PER_MMOL * MG_DL_PER_MMOL_L
    raise ProfileError("serum_magnesium.unit", f"unit {lab.unit!r} cannot be converted")


def derive(profile: Profile) -> Facts:
    """Compute the facts for `profile`; raise ProfileError when it cannot be evaluated."""
    for name, given, known in (
        ("red_flags", profile.red_flags, ALL_TOKENS),
        ("symptoms", profile.symptoms, ALL_TOKENS),
        ("conditions", profile.conditions, CONDITION_TOKENS),
    ):
        unknown = given - known
        if unknown:
            raise ProfileError(name, f"unknown tokens: {', '.join(sorted(unknown))}")
    serum = None
    if profile.serum_magnesium is not None:
        # 9 places undo the conversion's float noise (4.8 mg/dL sent in mmol/L comes back
        # as 4.8), and are far below a lab's precision, so no real value crosses a threshold.
        serum = round(serum_to_mg_dl(profile.serum_magnesium), 9)
    medication_list = read_medications(profile.medications)  # cached per distinct list
    return Facts(
        profile=profile,
        tokens=profile.red_flags | profile.symptoms,
        serum_mg_dl=serum,
        intake=compute_intake(profile, medication_list.medicines),
        matched_drugs=medication_list.drugs,
        not_checked=medication_list.not_checked,
        kidney=assess(profile),
    )
