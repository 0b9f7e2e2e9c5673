"""Magnesium intake: elemental arithmetic and the tolerable upper intake level.

CLINICAL.md §1 (UL by age; supplements and magnesium medicines count, food and topical
products do not) and §2 (elemental fraction by form). Oral intake strictly above the UL
raises `intake.ul_exceeded`; exactly the UL does not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rules.conditions import F
from rules.data.forms import ELEMENTAL_FRACTION, FRACTION_SOURCE, normalise_form
from rules.data.limits import (
    ANTACID_COUNTED_SOURCE,
    UPPER_LIMIT_SOURCE,
    rda_for,
    upper_limit_for,
)
from rules.data.sources import cite
from rules.errors import UnconvertibleDoseError
from rules.magnesium_medicines import MagnesiumMedicine
from rules.model import Intake, MagnesiumProduct, ProductIntake, Profile
from rules.rule import Explanation, Rule

if TYPE_CHECKING:
    from rules.facts import Facts

# Each rule's own version (recorded in rules/data/versions.json): 1.0.0 for a rule new in
# 2026.12.0 or unchanged since 2026.11.1, 2.0.0 for one 2026.12.0 changed (CHANGELOG).
VERSIONS: dict[str, str] = {
    "intake-ul-exceeded": "2.0.0",
    "intake-no-headroom": "2.0.0",
    "intake-dose-unknown": "1.0.0",
    "intake-compound-converted": "2.0.0",
    "intake-antacid-laxative-counted": "2.0.0",
}


def elemental_mg_per_day(product: MagnesiumProduct, index: int = 0) -> tuple[float, float | None]:
    """Return (elemental mg/day, fraction used) for an oral product; 0 for topical ones."""
    if product.route != "oral":
        return 0.0, None
    field = f"magnesium_products[{index}]"
    if product.dose_mg is None or product.dose_basis is None:
        raise UnconvertibleDoseError(
            f"{field}.dose_mg", "an oral product needs dose_mg and dose_basis to be counted"
        )
    form = normalise_form(product.form)
    if product.dose_basis == "elemental":
        return product.dose_mg * product.times_per_day, None
    fraction = ELEMENTAL_FRACTION.get(form)
    if fraction is None:
        raise UnconvertibleDoseError(
            f"{field}.form",
            f"cannot convert a compound dose of magnesium {product.form!r}: its elemental "
            "fraction is not in the table; give the elemental dose from the label instead",
        )
    return product.dose_mg * fraction * product.times_per_day, fraction


def compute_intake(profile: Profile, medicines: Sequence[MagnesiumMedicine] = ()) -> Intake:
    """Sum oral elemental magnesium per day; list topical products without counting them.

    `medicines` are the magnesium medicines read from the medication list (§12): counted
    like a profile product when their amount is known, listed with `dose_known` False
    when it is not. Limits are decided on the exact sums (350.03 mg is above a UL of 350
    even though it shows as 350.0); the rounded figures are for reading.
    """
    products = []
    total = antacid = 0.0
    for i, product in enumerate(profile.magnesium_products):
        mg, fraction = elemental_mg_per_day(product, i)
        counted = product.route == "oral"
        form = normalise_form(product.form)
        products.append(
            ProductIntake(
                form=form,
                route=product.route,
                purpose=product.purpose,
                dose_mg=product.dose_mg,
                dose_basis=product.dose_basis,
                times_per_day=product.times_per_day,
                elemental_fraction=fraction,
                elemental_mg_per_day=round(mg, 1),
                counted_toward_upper_limit=counted,
                arithmetic=arithmetic_line(product, fraction, mg),
            )
        )
        if counted:
            total += mg
            if product.purpose == "antacid_laxative":
                antacid += mg
    for medicine in medicines:
        item, mg = medicine_intake(medicine)
        products.append(item)
        total += mg
        if medicine.purpose == "antacid_laxative":
            antacid += mg
    ul = upper_limit_for(profile.age)
    # 6 places drop float noise (2500 mg × 0.14 is 350.00000000000006, not over 350).
    exact_total = round(total, 6)
    over = ul is not None and exact_total > ul
    return Intake(
        supplemental_elemental_mg_per_day=round(total, 2),
        antacid_laxative_elemental_mg_per_day=round(antacid, 2),
        upper_limit_mg=ul,
        rda_mg=rda_for(profile.age, profile.sex, profile.pregnant, profile.lactating),
        products=tuple(products),
        excess_mg_per_day=reading_excess(exact_total - ul) if over and ul is not None else 0.0,
        over_upper_limit=over,
        exact_supplemental_mg=exact_total,
        exact_antacid_laxative_mg=round(antacid, 6),
    )


def reading_excess(excess: float) -> float:
    """Round an excess over the UL for reading, never to 0 (350.004 mg is 0.004 mg over)."""
    shown = round(excess, 1)
    return shown if shown > 0 else float(f"{excess:.1g}")


def arithmetic_line(product: MagnesiumProduct, fraction: float | None, mg: float) -> str:
    """Return how a product's elemental mg/day was reached, as a reader checks it."""
    if product.route != "oral":
        return "topical: not counted toward the upper limit"
    if product.dose_mg is None:
        return "amount unknown: not counted"
    per_day = f"{product.times_per_day}/day"
    if fraction is None:
        return f"{product.dose_mg:g} mg elemental × {per_day} = {_mg(mg)} mg elemental"
    return f"{product.dose_mg:g} mg compound × {fraction:g} × {per_day} = {_mg(mg)} mg elemental"


def _mg(mg: float) -> str:
    return f"{round(mg, 1):g}"


def medicine_intake(medicine: MagnesiumMedicine) -> tuple[ProductIntake, float]:
    """Return a medication-list magnesium medicine as intake, and the mg/day it counts.

    A known dose with no stated frequency counts once a day, as the least it can be, and
    stays marked `dose_known` False; an unknown amount, or one taken as needed or less
    than daily, counts 0.
    """
    form = medicine.form or "unspecified"
    fraction = ELEMENTAL_FRACTION.get(form) if medicine.dose_basis == "compound" else None
    oral = medicine.route == "oral"
    mg: float | None = None
    # Counted when how often is known, or not stated at all (then once a day, the least);
    # as needed, weekly or monthly: how much a day is not known, so not counted.
    if medicine.dose_mg is not None and (
        medicine.times_per_day is not None or medicine.frequency is None
    ):
        mg = medicine.dose_mg * (fraction or 1.0) * (medicine.times_per_day or 1)
    known = mg is not None and medicine.times_per_day is not None
    return (
        ProductIntake(
            form=form,
            route=medicine.route,
            purpose=medicine.purpose,
            dose_mg=medicine.dose_mg,
            dose_basis=medicine.dose_basis,
            times_per_day=medicine.times_per_day or 1,
            elemental_fraction=fraction,
            elemental_mg_per_day=round(mg, 1) if mg is not None else None,
            counted_toward_upper_limit=oral and mg is not None,
            dose_known=known,
            arithmetic=_medicine_arithmetic(medicine, fraction, mg),
            source="medication list",
            name=medicine.text.strip(),
        ),
        mg if oral and mg is not None else 0.0,
    )


def _medicine_arithmetic(m: MagnesiumMedicine, fraction: float | None, mg: float | None) -> str:
    if m.route != "oral":
        return f"{m.name}, topical: not counted toward the upper limit"
    if m.dose_mg is None or mg is None:
        return f"{m.name}: amount unknown ({m.unknown}); not counted"
    salt = f"magnesium {m.form}" if m.form else "magnesium"
    if m.volume_ml is not None and m.strength_mg is not None and m.per_volume_ml:
        dose = (
            f"{m.volume_ml:g} mL × {m.strength_mg:g} mg/{m.per_volume_ml:g} mL = "
            f"{_mg(m.dose_mg)} mg {salt}"
        )
    elif m.units and m.units != 1 and m.strength_mg is not None:
        dose = f"{m.units:g} × {m.strength_mg:g} mg = {_mg(m.dose_mg)} mg {salt}"
    else:
        dose = f"{_mg(m.dose_mg)} mg {salt}"
    basis = "compound" if m.dose_basis == "compound" else "elemental"
    times = m.times_per_day or 1
    line = f"{m.name}: {dose} ({basis})"
    if fraction is not None:
        line += f" × {fraction:g}"
    line += f" × {times}/day = {_mg(mg)} mg elemental"
    if m.times_per_day is None:
        line += " (how often is not stated: counted once a day, the least it can be)"
    return line


# --- explanations ---------------------------------------------------------------------------


def _arithmetic(facts: Facts) -> str:
    parts = [
        f"{p.form} {p.elemental_mg_per_day:g} mg"
        for p in facts.intake.products
        if p.counted_toward_upper_limit and p.elemental_mg_per_day is not None
    ]
    return " + ".join(parts) + f" = {facts.intake.supplemental_elemental_mg_per_day:g} mg/day"


def _explain_ul_exceeded(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    intake, ul = facts.intake, facts.intake.upper_limit_mg
    assert ul is not None  # the rule requires ul_known
    return Explanation(
        explanation=(
            f"Oral magnesium from supplements and medicines comes to {_arithmetic(facts)} "
            f"elemental, above the tolerable upper intake level of {ul:g} mg/day for age "
            f"{facts.profile.age}. Above the UL, diarrhoea, nausea and cramping become more "
            "likely. The UL counts supplements and medicines only, not food, which is why it "
            "is lower than the RDA."
        ),
        action=(
            f"Reduce supplemental magnesium to at most {facts.dose_ceiling_mg:g} mg elemental "
            "per day (the plan's ceiling)."
        ),
        evidence={
            "supplemental_elemental_mg_per_day": intake.supplemental_elemental_mg_per_day,
            "upper_limit_mg": ul,
            "age": facts.profile.age,
        },
        details={"excess_mg_per_day": intake.excess_mg_per_day},
    )


def _explain_no_headroom(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    antacid, ul = facts.intake.antacid_laxative_elemental_mg_per_day, facts.intake.upper_limit_mg
    return Explanation(
        explanation=(
            f"Magnesium-containing antacids or laxatives already supply {antacid:g} mg "
            f"elemental per day, which reaches the upper limit of {ul:g} mg/day on their own. "
            "There is no room for a magnesium supplement."
        ),
        action=(
            "Do not add a magnesium supplement. Review the antacid or laxative with the "
            "prescriber or pharmacist first."
        ),
        evidence={"antacid_laxative_elemental_mg_per_day": antacid, "upper_limit_mg": ul},
    )


def _explain_compound(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    converted = [
        p for p in facts.intake.products if p.dose_basis == "compound" and p.route == "oral"
    ]
    lines = [f"{p.form}: {p.arithmetic}" for p in converted]
    return Explanation(
        explanation=(
            "Labels that give the weight of the whole salt were converted to elemental "
            "magnesium, which is what limits refer to: " + "; ".join(lines) + "."
        ),
        action="Check the label: doses here are elemental magnesium.",
        evidence={"products": [p.form for p in converted]},
        details={
            "conversions": [
                {
                    "form": p.form,
                    "compound_mg": p.dose_mg,
                    "fraction": p.elemental_fraction,
                    "times_per_day": p.times_per_day,
                    "elemental_mg_per_day": p.elemental_mg_per_day,
                }
                for p in converted
            ]
        },
    )


def _explain_antacid(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    antacid = facts.intake.antacid_laxative_elemental_mg_per_day
    unknown = [
        p.name or p.form
        for p in facts.intake.products
        if p.purpose == "antacid_laxative" and p.route == "oral" and not p.dose_known
    ]
    also = f", plus {'; '.join(unknown)} in an amount not known" if unknown else ""
    return Explanation(
        explanation=(
            f"Magnesium-containing antacids or laxatives supply {antacid:g} mg elemental per "
            f"day{also}. They count toward the upper limit like a supplement, and reduce the "
            "room left for one."
        ),
        action="Include antacids and laxatives when adding up magnesium.",
        evidence={"antacid_laxative_elemental_mg_per_day": antacid},
    )


def _explain_dose_unknown(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    unknown = [p for p in facts.intake.products if p.route == "oral" and not p.dose_known]
    names = [p.name or p.form for p in unknown]
    return Explanation(
        explanation=(
            f"{'; '.join(names)} contain{'s' if len(names) == 1 else ''} magnesium in an "
            "amount that could not be read, so oral intake may be above the upper limit. "
            "The plan's ceiling is computed from the amounts known and may be too high."
        ),
        action=(
            "Find out the strength, the amount taken and how often, then check the total "
            "against the upper limit before adding a magnesium supplement."
        ),
        evidence={"products": names},
        details={
            "products": [
                {"name": p.name or p.form, "form": p.form, "arithmetic": p.arithmetic}
                for p in unknown
            ]
        },
    )


# Facts carry `oral_over_ul_mg` = oral elemental mg/day − the age UL, and
# `antacid_over_ul_mg` = antacid/laxative elemental mg/day − the age UL (rules.facts).
RULES: tuple[Rule, ...] = (
    Rule(
        id="intake-ul-exceeded",
        version=VERSIONS["intake-ul-exceeded"],
        code="intake.ul_exceeded",
        category="intake",
        effect="caution",
        title="Magnesium intake above the upper limit",
        when=(F.ul_known == True) & (F.oral_over_ul_mg > 0),  # strictly above
        explain=_explain_ul_exceeded,
        sources=(UPPER_LIMIT_SOURCE, cite("ART", "When to consult a doctor: UL 350 mg/day")),
    ),
    Rule(
        id="intake-no-headroom",
        version=VERSIONS["intake-no-headroom"],
        code="intake.no_headroom",
        category="intake",
        effect="avoid",
        title="Antacids or laxatives already reach the upper limit",
        when=(F.ul_known == True) & (F.antacid_products > 0) & (F.antacid_over_ul_mg >= 0),
        explain=_explain_no_headroom,
        sources=(UPPER_LIMIT_SOURCE, ANTACID_COUNTED_SOURCE),
    ),
    Rule(
        id="intake-dose-unknown",
        version=VERSIONS["intake-dose-unknown"],
        code="intake.dose_unknown",
        category="intake",
        effect="caution",
        title="Magnesium in an unknown amount",
        when=F.dose_unknown_products > 0,
        explain=_explain_dose_unknown,
        sources=(UPPER_LIMIT_SOURCE, cite("CHOICE", "CLINICAL.md §12: amount cannot be read")),
    ),
    Rule(
        id="intake-compound-converted",
        version=VERSIONS["intake-compound-converted"],
        code="intake.compound_converted",
        category="intake",
        effect="info",
        title="Compound weight converted to elemental magnesium",
        when=F.compound_products > 0,
        explain=_explain_compound,
        sources=(FRACTION_SOURCE,),
    ),
    Rule(
        id="intake-antacid-laxative-counted",
        version=VERSIONS["intake-antacid-laxative-counted"],
        code="intake.antacid_laxative_counted",
        category="intake",
        effect="info",
        title="Antacids and laxatives counted toward the upper limit",
        when=F.antacid_products > 0,
        explain=_explain_antacid,
        sources=(ANTACID_COUNTED_SOURCE,),
    ),
)
