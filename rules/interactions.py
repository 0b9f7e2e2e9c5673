"""Drug interactions and their timing (CLINICAL.md §5).

Medication names arrive as free text ("CIPROFLOXACIN HCL 500MG TAB", " LaSiX "): brand or
generic names are matched case-insensitively as whole words, and RxNorm ingredient codes
where given. Each matched drug is its own fact; one rule per drug class reads it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rules.conditions import F
from rules.data.drugs import CLASSES, DRUGS, Drug
from rules.model import Medication, Separation
from rules.rule import Explanation, Rule

if TYPE_CHECKING:
    from rules.facts import Facts

VERSION = "1.0.0"


@dataclass(frozen=True)
class MatchedDrug:
    drug: Drug
    matched: str  # the medication text as the client sent it
    by: str  # "name" or "rxnorm"
    medication_index: int

    @property
    def separation(self) -> Separation | None:
        d = self.drug
        if d.before_hours is None and d.after_hours is None:
            return None
        return Separation(d.generic, d.before_hours, d.after_hours, d.timing_note)


def _pattern(drug: Drug) -> re.Pattern[str]:
    names = sorted({drug.generic, *drug.brands}, key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9])(" + "|".join(map(re.escape, names)) + r")(?![a-z0-9])")


_PATTERNS = tuple((drug, _pattern(drug)) for drug in DRUGS)
_BY_RXNORM = {code: drug for drug in DRUGS for code in drug.rxnorm}


def match_medications(medications: tuple[Medication, ...]) -> tuple[MatchedDrug, ...]:
    """Return each interacting drug found in the medication list, once per generic name."""
    found: dict[str, MatchedDrug] = {}
    for index, med in enumerate(medications):
        code = (med.rxnorm or "").strip()
        if code in _BY_RXNORM:
            drug = _BY_RXNORM[code]
            found.setdefault(drug.generic, MatchedDrug(drug, med.name, "rxnorm", index))
        text = med.name.lower()
        for drug, pattern in _PATTERNS:
            if pattern.search(text):
                found.setdefault(drug.generic, MatchedDrug(drug, med.name, "name", index))
    return tuple(found.values())


def _explain(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    matched = facts.matched_drugs[int(fact["index"])]
    drug, cls = matched.drug, CLASSES[matched.drug.drug_class]
    details: dict[str, Any] = {
        "drug": drug.generic,
        "matched": matched.matched,
        "matched_by": matched.by,
    }
    timing = ""
    separation = matched.separation
    if separation is not None:
        details["separation"] = {
            "drug_before_magnesium_hours": separation.drug_before_magnesium_hours,
            "drug_after_magnesium_hours": separation.drug_after_magnesium_hours,
        }
        timing = " " + _timing_sentence(separation)
    if drug.not_recommended:
        details["not_recommended"] = True
        timing = (
            f" {drug.generic.capitalize()} and magnesium products are not recommended together."
        )
    return Explanation(
        explanation=(
            f"{matched.matched.strip()} contains {drug.generic} ({cls.name}). "
            f"{cls.mechanism}{timing}"
        ),
        action=cls.action,
        evidence={"medication": matched.matched},
        details=details,
        sources=(drug.source,) if drug.source else (),
    )


def _timing_sentence(sep: Separation) -> str:
    parts = []
    if sep.drug_before_magnesium_hours is not None:
        parts.append(f"at least {sep.drug_before_magnesium_hours:g} h before magnesium")
    if sep.drug_after_magnesium_hours is not None:
        parts.append(f"at least {sep.drug_after_magnesium_hours:g} h after it")
    sentence = f"Take {sep.drug} " + " or ".join(parts) + "."
    return sentence + (f" ({sep.note})" if sep.note else "")


def _rule(class_key: str, title: str) -> Rule:
    cls = CLASSES[class_key]
    return Rule(
        id=f"interaction-{class_key.replace('_', '-')}",
        version=VERSION,
        code=cls.code,
        category="interaction",
        effect="caution",
        title=title,
        when=F.drug_class == class_key,
        explain=_explain,
        sources=cls.sources,
        fact_kind="medication",
    )


RULES: tuple[Rule, ...] = (
    _rule("fluoroquinolone", "Fluoroquinolone antibiotic: separate from magnesium"),
    _rule("tetracycline", "Tetracycline antibiotic: separate from magnesium"),
    _rule("bisphosphonate", "Bisphosphonate: take it first, magnesium later"),
    _rule("levothyroxine", "Levothyroxine: keep 4 hours from magnesium"),
    _rule("integrase_inhibitor", "HIV integrase inhibitor: magnesium lowers its levels"),
    _rule("gabapentin", "Gabapentin: take it 2 hours after magnesium"),
    _rule("loop_thiazide_diuretic", "Loop or thiazide diuretic: monitor magnesium"),
    _rule("potassium_sparing_diuretic", "Potassium-sparing diuretic: magnesium may build up"),
    _rule("ppi", "Proton pump inhibitor: check for low magnesium"),
    _rule("digoxin", "Digoxin: low magnesium raises toxicity risk"),
)
