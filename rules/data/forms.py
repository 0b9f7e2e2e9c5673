"""Magnesium forms: elemental fraction of compound weight (CLINICAL.md §2).

Fractions are computed from molar masses; published tables agree within a point.
A compound dose of a form not listed here cannot be converted and is rejected.
"""

from rules.data.sources import cite

ELEMENTAL_FRACTION: dict[str, float] = {
    "oxide": 0.603,
    "hydroxide": 0.417,
    "carbonate": 0.288,
    "citrate": 0.1616,
    "malate": 0.155,
    "glycinate": 0.141,
    "glycerophosphate": 0.125,
    "orotate": 0.073,
    "lactate": 0.120,
    "chloride": 0.120,
    "sulfate": 0.0986,
    "taurate": 0.089,
    "pidolate": 0.087,
    "aspartate": 0.084,
    "l-threonate": 0.083,
    "gluconate": 0.059,
}
FRACTION_SOURCE = cite("IOM97", "elemental magnesium by salt, from molar masses (CLINICAL.md §2)")

# Names people and labels use for the same salt.
FORM_ALIASES: dict[str, str] = {
    "bisglycinate": "glycinate",
    "diglycinate": "glycinate",
    "glycinate chelate": "glycinate",
    "milk of magnesia": "hydroxide",
    "epsom salt": "sulfate",
    "epsom salts": "sulfate",
    "threonate": "l-threonate",
    "l threonate": "l-threonate",
    "chloride hexahydrate": "chloride",
    "sulfate heptahydrate": "sulfate",
}

# Forms the plan may recommend (CLINICAL.md §8); oxide never, for muscle use.
GLYCINATE = "glycinate"
CITRATE = "citrate"
TOPICAL_CHLORIDE = "chloride"
# Forms whose osmotic laxative effect makes GI symptoms worse (CLINICAL.md §7).
LAXATIVE_FORMS = frozenset({"citrate", "oxide", "hydroxide"})


def normalise_form(form: str) -> str:
    """Return the canonical form name for a label's wording ("Bisglycinate" → "glycinate")."""
    key = " ".join(form.strip().lower().replace("_", " ").split())
    key = key.removeprefix("magnesium ").strip()
    return FORM_ALIASES.get(key, key)
