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

from dataclasses import dataclass


@dataclass(frozen=True)
class Input:
    label: str
    kind: str  # number, excess, count, known, choice, flag, drug
    unit: str = ""
    fixed: str | None = None  # why it cannot change; None: a clinician or patient can change it
    step: float = 1.0  # the nearest value across a strict bound
    companion: str | None = None  # for a `*_known` flag: the value it makes known
    described: bool = True  # False: a field this table does not know (worded by its name)


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
    "egfr": Input("eGFR", "number", "mL/min/1.73 m²"),
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
}
TOKEN = Input("reported red flag or symptom", "flag", fixed="a reported red flag or symptom")


def input_for(field: str) -> Input:
    """The description of `field`; red-flag and symptom tokens (`t_*`) are fixed."""
    if field in INPUTS:
        return INPUTS[field]
    if field.startswith("t_"):
        return Input(field[2:].replace("_", " "), TOKEN.kind, fixed=TOKEN.fixed)
    label = field.removesuffix("_known").replace("_", " ")
    if field.endswith("_known"):
        return Input(label, "known", companion=field[:-6], described=False)
    return Input(label, "number", described=False)


UNDESCRIBED = "an input rules/data/inputs.py does not describe"
