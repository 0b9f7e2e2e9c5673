"""What each engine fact field means to a reader, and whether a clinician could change it.

The counterfactual ("what would change this answer", `rules.counterfactual`) reads rule
conditions generically; this table only says, per *field* (never per rule), how to word
a value and whether it is fixed. A field missing here is worded by its name: a measured
value compared with a threshold is treated as changeable, a yes/no or a category as fixed
(the safe reading: never promise that a recorded condition can be changed away).
When a rule reads a new field, describe it here and, if a clinician can change it, give
`rules.counterfactual._SETTERS` a way to set it on a profile: the Hypothesis property in
tests/governance/test_counterfactual.py fails (CannotApply) until then.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rules.data.tokens import CONDITION_TOKENS


@dataclass(frozen=True)
class Input:
    label: str
    kind: str  # number, excess, count, known, choice, flag, drug
    unit: str = ""
    fixed: str | None = None  # why it cannot change; None: a clinician or patient can change it
    step: float = 1.0  # the nearest value across a strict bound
    companion: str | None = None  # for a `*_known` flag: the value it makes known
    described: bool = True  # False: a field this table does not know (worded by its name)
    # (fact field, label, unit): worded so instead when that field of the fact is true.
    when: tuple[str, str, str] | None = None

    def worded(self, fact: Mapping[str, Any]) -> tuple[str, str]:
        """The label and unit for this fact."""
        if self.when is not None and fact.get(self.when[0]) is True:
            return self.when[1], self.when[2]
        return self.label, self.unit


INPUTS: dict[str, Input] = {
    "age": Input("age", "number", "years", fixed="age"),
    "pregnant": Input("pregnancy", "flag", fixed="pregnancy"),
    "lactating": Input("breastfeeding", "flag", fixed="breastfeeding"),
    "dialysis": Input("dialysis", "flag", fixed="dialysis"),
    "radiating": Input("radiating pain", "flag", fixed="a red flag"),
    "onset": Input("onset of the pain", "choice", fixed="how the pain began"),
    "inflammatory_features": Input(
        "features of inflammatory back pain", "count", fixed="reported features"
    ),
    "duration_weeks": Input("duration of the pain", "number", "weeks", fixed="time"),
    "ul_known": Input("an upper limit for the age", "known", fixed="age"),
    "egfr_known": Input("eGFR", "known", companion="egfr"),
    "serum_known": Input("serum magnesium", "known", companion="serum_mg_dl"),
    "severity_known": Input("pain severity", "known", companion="severity"),
    "duration_known": Input("duration of the pain", "known", fixed="time"),
    # The lower of eGFR (given or computed from creatinine) and creatinine clearance (§3 v2).
    "egfr": Input(
        "eGFR",
        "number",
        "mL/min/1.73 m²",
        when=(
            "kidney_computed",
            "kidney function computed from creatinine (the lower of eGFR and clearance)",
            "mL/min",
        ),
    ),
    "kidney_computed": Input(
        "kidney function computed from creatinine", "flag", fixed="how kidney function was measured"
    ),
    "serum_mg_dl": Input("serum magnesium", "number", "mg/dL", step=0.1),
    "severity": Input("pain severity", "number", "/10"),
    "oral_over_ul_mg": Input("oral magnesium counted toward the upper limit", "excess", "mg/day"),
    "antacid_over_ul_mg": Input("magnesium from antacids and laxatives", "excess", "mg/day"),
    "antacid_products": Input("magnesium antacids or laxatives", "count"),
    "compound_products": Input("products dosed by compound weight", "count"),
    "topical_products": Input("topical magnesium products", "count"),
    "taking_oxide": Input("magnesium oxide", "flag"),
    "route_preference": Input("route preference", "choice"),
    "drug_class": Input("the interacting medicine", "drug"),
    # v2 (CLINICAL.md §4, §6, §12, §13).
    "back_pain_described": Input("back pain", "flag", fixed="a reported symptom"),
    "oral_products": Input(
        "oral magnesium products or medicines",
        "count",
        fixed="magnesium already taken: stopping it does not undo the signs",
    ),
    "cardinal_signs": Input(
        "cardinal signs of magnesium toxicity", "count", fixed="reported signs"
    ),
    "toxicity_signs": Input(
        "signs of magnesium toxicity, flushing and nausea included", "count", fixed="reported signs"
    ),
    "on_digoxin": Input("digoxin", "flag", fixed="digoxin already taken"),
    "dose_unknown_products": Input("magnesium medicines of unknown daily amount", "count"),
    "unrecognized_medications": Input("medications not recognised", "count"),
}
# Reported tokens a clinician or patient can change: symptoms that resolve, dehydration
# that is corrected (§7, §11). Every other token is fixed: red flags, signs of toxicity
# (nausea is one: §4 digoxin), and conditions such as myasthenia gravis.
CHANGEABLE_TOKENS: dict[str, str] = {
    "diarrhea": "diarrhea",
    "abdominal_cramping": "abdominal cramping",
    "constipation": "constipation",
    "dehydration": "dehydration",
}
TOKEN = Input("reported red flag or symptom", "flag", fixed="a reported red flag or symptom")
CONDITION = Input("recorded condition", "flag", fixed="a recorded condition")


def input_for(field: str) -> Input:
    """The description of `field`; reported tokens (`t_*`) are fixed unless changeable."""
    if field in INPUTS:
        return INPUTS[field]
    if field.startswith("t_"):
        token = field[2:]
        if token in CHANGEABLE_TOKENS:
            return Input(CHANGEABLE_TOKENS[token], "flag")
        fixed = CONDITION.fixed if token in CONDITION_TOKENS else TOKEN.fixed
        return Input(token.replace("_", " "), TOKEN.kind, fixed=fixed)
    label = field.removesuffix("_known").replace("_", " ")
    if field.endswith("_known"):
        return Input(label, "known", companion=field[:-6], described=False)
    return Input(label, "number", described=False)


UNDESCRIBED = "an input rules/data/inputs.py does not describe"
