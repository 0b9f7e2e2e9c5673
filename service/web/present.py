"""Turn the dumped recommendation into what the page shows: words, numbers, chart geometry.

Everything here reads the JSON rendering (`dump_recommendation`); nothing re-derives a
clinical decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

HEADLINES = {
    "refer": "Refer: assess the patient before any magnesium",
    "avoid": "Avoid magnesium",
    "caution": "Magnesium, with precautions",
    "suitable": "Magnesium is reasonable",
}
URGENCY_WORDS = {
    "emergency": "Emergency",
    "urgent": "Urgent",
    "prompt": "Prompt evaluation",
}
SEVERITY_WORDS = {"critical": "Critical", "warning": "Warning", "info": "Information"}
EFFECT_WORDS = {"refer": "Refer", "avoid": "Avoid", "caution": "Caution", "info": "Note"}
EVIDENCE_WORDS = {
    "egfr": "eGFR (mL/min/1.73 m²)",
    "age": "Age (years)",
    "supplemental_elemental_mg_per_day": "Oral magnesium counted toward the UL (mg/day)",
    "antacid_laxative_elemental_mg_per_day": "From antacids and laxatives (mg/day)",
    "upper_limit_mg": "Upper limit, UL (mg/day)",
    "rda_mg": "RDA (mg/day)",
    "serum_mg_dl": "Serum magnesium (mg/dL)",
    "duration_weeks": "Duration (weeks)",
    "egfr_estimated": "eGFR estimated from creatinine (mL/min/1.73 m²)",
    "creatinine_clearance": "Creatinine clearance, Cockcroft–Gault (mL/min)",
    "creatinine": "Serum creatinine",
    "weight_kg": "Weight (kg)",
    "kidney_function": "Kidney function used (the lower value)",
    "decided_by": "Decided by",
    "oral_magnesium": "Oral magnesium taken",
    "risk_context": "Risk context",
    "signs": "Signs",
    "conditions": "Conditions",
}
DOSING_WORDS = {
    "self_care": "Self-care dose",
    "clinician_directed": "Clinician-directed dose only",
}
NOT_CHECKED_KINDS = {
    "medication": "Medication",
    "code": "Code",
    "unit": "Unit",
    "value": "Value",
    "resource": "Record",
    "input": "Input",
}


def num(value: Any) -> str:
    """350.0 → "350", 352.5 → "352.5", None → "—"."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


def words(key: str) -> str:
    """A field name as a heading ("excess_mg_per_day" → "Excess mg per day")."""
    return EVIDENCE_WORDS.get(key) or key.replace("_", " ").capitalize()


def show(value: Any) -> str:
    """Any evidence value as short text."""
    if isinstance(value, dict):
        return "; ".join(f"{words(k).lower()}: {show(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(show(v) for v in value) or "none"
    if isinstance(value, str):
        return value.replace("_", " ")
    return num(value)


def separation_text(sep: dict[str, Any]) -> str:
    """ "Take ciprofloxacin at least 2 h before magnesium, or at least 6 h after it.\""""
    before, after = sep.get("drug_before_magnesium_hours"), sep.get("drug_after_magnesium_hours")
    parts = []
    if before is not None:
        parts.append(f"at least {num(before)} h before magnesium")
    if after is not None:
        parts.append(
            f"at least {num(after)} h after it"
            if parts
            else f"at least {num(after)} h after magnesium"
        )
    text = f"Take {sep['drug']} " + ", or ".join(parts) + "." if parts else ""
    note = sep.get("note")
    return " ".join(p for p in (text, note) if p)


def arithmetic(product: dict[str, Any]) -> str:
    """How one product's elemental mg/day was reached: the knowledge base's own line."""
    if product.get("arithmetic"):
        return str(product["arithmetic"])
    if product["route"] != "oral":
        return "not counted: topical"
    times = product["times_per_day"]
    if product.get("dose_basis") == "compound" and product.get("elemental_fraction"):
        return (
            f"{num(product['dose_mg'])} mg compound × {num(product['elemental_fraction'])} "
            f"× {times}/day"
        )
    return f"{num(product['dose_mg'])} mg elemental × {times}/day"


@dataclass(frozen=True)
class Bar:
    label: str
    detail: str
    mg: float
    width: float  # percent of the scale
    within: float  # percent up to the UL
    kind: str  # "product", "uncounted", "unknown" (amount not known) or "total"
    over_ul: bool


@dataclass(frozen=True)
class Chart:
    bars: tuple[Bar, ...]
    ul: float | None
    rda: float | None
    ul_at: float | None  # percent of the scale
    rda_at: float | None
    total: float
    excess: float


def product_label(product: dict[str, Any]) -> str:
    """ "glycinate (oral)", or the medication text a magnesium medicine was read from."""
    purpose = (
        "antacid or laxative" if product.get("purpose") == "antacid_laxative" else product["route"]
    )
    if product.get("source") == "medication list" and product.get("name"):
        return f"{product['name']} (medication list, {purpose})"
    return f"{product['form']} ({purpose})"


def chart(intake: dict[str, Any]) -> Chart:
    """Geometry of the intake chart: one bar per product, one for the total, UL and RDA lines.

    The excess over the UL and whether intake is over it are the knowledge base's figures
    (`excess_mg_per_day`, `over_upper_limit`), never recomputed here from rounded totals.
    """
    ul, rda = intake.get("upper_limit_mg"), intake.get("rda_mg")
    total = float(intake.get("supplemental_elemental_mg_per_day") or 0.0)
    products = intake.get("products") or []
    amounts = [p["elemental_mg_per_day"] or 0.0 for p in products]
    biggest = max([total, ul or 0.0, rda or 0.0] + amounts)
    scale = max(biggest * 1.1, 1.0)

    def pct(mg: float | None) -> float | None:
        return None if mg is None else round(min(mg / scale, 1.0) * 100, 2)

    over_total = bool(intake.get("over_upper_limit"))

    def bar(label: str, detail: str, mg: float, kind: str) -> Bar:
        limit = mg if ul is None else min(mg, ul)
        if kind == "total":
            over = over_total
        else:  # geometry only: the part of this bar drawn beyond the UL line
            over = ul is not None and kind == "product" and mg > ul
        return Bar(label, detail, mg, pct(mg) or 0.0, pct(limit) or 0.0, kind, over)

    bars = []
    for p in products:
        mg = p["elemental_mg_per_day"]
        if mg is None:
            kind = "unknown"
        else:
            kind = "product" if p.get("counted_toward_upper_limit") else "uncounted"
        bars.append(bar(product_label(p), arithmetic(p), mg or 0.0, kind))
    bars.append(
        bar("Total counted toward the UL", "oral supplements and medicines", total, "total")
    )
    excess = float(intake.get("excess_mg_per_day") or 0.0)
    return Chart(tuple(bars), ul, rda, pct(ul), pct(rda), total, excess)
