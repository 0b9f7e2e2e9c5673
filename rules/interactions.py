"""Drug interactions, their timing, and what the medication list could not tell (§5, §13).

Medication names arrive as free text ("CIPROFLOXACIN HCL 500MG TAB", " LaSiX ") and as
RxNorm codes: `rules.terminology` finds the drugs in them. Each matched drug is its own
fact; one rule per drug class reads it. A combination product raises one finding per
interacting ingredient, and one separation for the product in the plan. A medication that
names no known drug and no magnesium medicine is reported (`medication.not_recognized`)
and listed in `not_checked`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rules.conditions import F
from rules.data.common_drugs import COMMON_DRUGS_SOURCE
from rules.data.drugs import CLASSES, COMBINATIONS, Combination, Drug
from rules.data.sources import cite
from rules.magnesium_medicines import MagnesiumMedicine, read_magnesium_medicine
from rules.model import Medication, NotChecked, Separation
from rules.rule import Explanation, Rule
from rules.terminology import (
    APPROXIMATE_NOTE,
    NameMatch,
    drug_parts,
    has_readable_name,
    read_rxnorm,
    read_text,
)

if TYPE_CHECKING:
    from rules.facts import Facts

# Each rule's own version (recorded in rules/data/versions.json): 1.0.0 for a rule new in
# 2026.12.0 or unchanged since 2026.11.1, 2.0.0 for one 2026.12.0 changed (CHANGELOG).
VERSIONS: dict[str, str] = {
    "interaction-fluoroquinolone": "2.0.0",
    "interaction-tetracycline": "2.0.0",
    "interaction-bisphosphonate": "2.0.0",
    "interaction-levothyroxine": "2.0.0",
    "interaction-integrase-inhibitor": "2.0.0",
    "interaction-gabapentin": "2.0.0",
    "interaction-loop-thiazide-diuretic": "2.0.0",
    "interaction-potassium-sparing-diuretic": "2.0.0",
    "interaction-ppi": "2.0.0",
    "interaction-digoxin": "2.0.0",
    "interaction-absorption-reduced": "1.0.0",
    "interaction-potassium-binder": "1.0.0",
    "interaction-magnesium-wasting": "1.0.0",
    "medication-not-recognized": "1.0.0",
}


@dataclass(frozen=True)
class MatchedDrug:
    drug: Drug
    matched: str  # the medication text as the client sent it
    by: str  # "name", "rxnorm" or "approximate_spelling"
    medication_index: int
    term: str = ""  # the name found in the text, normalised ("cipro")
    product: Combination | None = None  # the combination product it is part of

    @property
    def separation(self) -> Separation | None:
        """The drug's own timing against magnesium, or None when it is monitored instead."""
        d = self.drug
        if d.not_recommended:
            return None
        if d.before_hours is None and d.after_hours is None and not d.separation_by_note:
            return None
        return Separation(d.generic, d.before_hours, d.after_hours, d.timing_note)


@dataclass(frozen=True)
class MedicationReading:
    """The medication list as the knowledge base reads it (computed once per list)."""

    drugs: tuple[MatchedDrug, ...]
    medicines: tuple[MagnesiumMedicine, ...]  # magnesium medicines: intake (§2, §12)
    not_checked: tuple[NotChecked, ...]
    unrecognized: tuple[str, ...]  # the texts of medications matching nothing


def _combinations_by_ingredients() -> dict[frozenset[str], Combination]:
    """Products whose label gives their own timing, by interacting ingredients no other shares."""
    out: dict[frozenset[str], Combination] = {}
    shared: set[frozenset[str]] = set()
    for combo in COMBINATIONS:
        key = frozenset(combo.ingredients)
        own_timing = combo.before_hours is not None or combo.after_hours is not None
        if len(key) < 2 or not own_timing or key in shared:
            continue
        if key in out:
            shared.add(key)
            del out[key]
        else:
            out[key] = combo
    return out


_BY_INGREDIENTS = _combinations_by_ingredients()


def _named_by_ingredients(matches: Sequence[NameMatch]) -> Combination | None:
    """The product a text names by its generics ("dolutegravir/rilpivirine" is Juluca).

    CLINICAL.md §5 v2: a combination product's separation is the product's own (Juluca 4 / 6)
    whether the record names its brand or its ingredients. None when the text names a
    product already, or names no product with its own timing by these ingredients alone.
    """
    if len(matches) < 2 or any(m.product is not None for m in matches):
        return None
    return _BY_INGREDIENTS.get(frozenset(m.drug.generic for m in matches))


@lru_cache(maxsize=8192)
def unread_parts(text: str) -> tuple[str, ...]:
    """Return the parts of an entry that name something the tables do not know (§13).

    "metformin 500 mg and tafamidis 61 mg" → ("tafamidis 61 mg",): the common name of one
    part does not vouch for the other. A part is known when it names an interacting or a
    common drug, or is a magnesium medicine.
    """
    return tuple(
        part
        for part in drug_parts(text)
        if not read_text(part).recognised and read_magnesium_medicine(part) is None
    )


@lru_cache(maxsize=2048)
def read_medications(medications: tuple[Medication, ...]) -> MedicationReading:
    """Read every medication: interacting drugs, magnesium medicines, and what is unknown."""
    found: dict[str, MatchedDrug] = {}
    medicines: list[MagnesiumMedicine] = []
    not_checked: list[NotChecked] = []
    unrecognized: list[str] = []
    for index, med in enumerate(medications):
        code = (med.rxnorm or "").strip()
        by_code = read_rxnorm(code) if code else None
        product = _named_by_ingredients(by_code or ())
        for m in by_code or ():
            found.setdefault(
                m.drug.generic,
                MatchedDrug(m.drug, med.name, "rxnorm", index, m.term, m.product or product),
            )
        reading = read_text(med.name)
        product = _named_by_ingredients(reading.drugs)
        for m in reading.drugs:
            by = "approximate_spelling" if m.approximate else "name"
            found.setdefault(
                m.drug.generic,
                MatchedDrug(m.drug, med.name, by, index, m.term, m.product or product),
            )
        medicine = read_magnesium_medicine(med.name, code or None)
        if medicine is not None:
            medicines.append(medicine)
        if by_code is not None:
            continue
        text = med.name.strip()
        if reading.recognised or medicine is not None:
            for part in unread_parts(med.name):
                item = NotChecked(
                    "medication",
                    part,
                    f"interactions with {part} (listed as {text!r}) were not checked",
                )
                not_checked.append(item)
                unrecognized.append(item.item)
            continue
        if has_readable_name(text):
            shown = f"{text} (RxNorm {code})" if code else text
            reason = f"interactions with {shown} were not checked"
            item = NotChecked("medication", shown, reason)
        elif code:
            item = NotChecked(
                "code",
                f"RxNorm {code}",
                f"RxNorm {code} is not in the knowledge base's tables and came with no "
                "readable name: interactions with it were not checked",
            )
        else:
            shown = text or "(blank)"
            item = NotChecked(
                "medication", shown, f"{shown!r} names no drug: interactions were not checked"
            )
        not_checked.append(item)
        unrecognized.append(item.item)
    return MedicationReading(
        tuple(found.values()), tuple(medicines), tuple(not_checked), tuple(unrecognized)
    )


def match_medications(medications: tuple[Medication, ...]) -> tuple[MatchedDrug, ...]:
    """Return each interacting drug found in the medication list, once per generic name."""
    return read_medications(medications).drugs


def plan_separations(matched: tuple[MatchedDrug, ...]) -> tuple[Separation, ...]:
    """Return the plan's separations: one per drug, one per combination product.

    A combination product with several interacting ingredients gets its label's own figure
    when the table has one (Juluca 4 / 6), else the stricter of its ingredients' timings.
    """
    out: list[Separation] = []
    seen_products: set[tuple[int, str]] = set()
    for m in matched:
        product = m.product
        parts = [
            x
            for x in matched
            if product is not None
            and x.product == product
            and x.medication_index == m.medication_index
            and x.separation is not None
        ]
        if product is None or len(parts) < 2:
            if m.separation is not None:
                out.append(m.separation)
            continue
        key = (m.medication_index, product.name)
        if key in seen_products:
            continue
        seen_products.add(key)
        names = ", ".join(x.drug.generic for x in parts)
        if product.before_hours is not None or product.after_hours is not None:
            out.append(
                Separation(
                    product.name,
                    product.before_hours,
                    product.after_hours,
                    f"the {product.name} label's own timing ({names})",
                )
            )
            continue
        befores = [x.drug.before_hours for x in parts if x.drug.before_hours is not None]
        afters = [x.drug.after_hours for x in parts if x.drug.after_hours is not None]
        out.append(
            Separation(
                product.name,
                max(befores, default=None),
                max(afters, default=None),
                f"the stricter of its ingredients' timings ({names})",
            )
        )
    return tuple(out)


# --- explanations ---------------------------------------------------------------------------


def _explain(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    matched = facts.matched_drugs[int(fact["index"])]
    drug, cls = matched.drug, CLASSES[matched.drug.drug_class]
    details: dict[str, Any] = {
        "drug": drug.generic,
        "matched": matched.matched,
        "matched_by": matched.by,
    }
    if matched.product is not None:
        details["product"] = matched.product.name
    opening = f"{matched.matched.strip()} contains {drug.generic} ({cls.name})."
    if matched.by == "approximate_spelling":
        details["note"] = APPROXIMATE_NOTE
        opening = (
            f"{matched.matched.strip()} was read as {drug.generic} ({cls.name}), "
            f"{APPROXIMATE_NOTE}."
        )
    timing = ""
    separation = matched.separation
    if separation is not None:
        details["separation"] = {
            "drug_before_magnesium_hours": separation.drug_before_magnesium_hours,
            "drug_after_magnesium_hours": separation.drug_after_magnesium_hours,
        }
        if separation.note:
            details["timing_note"] = separation.note
        timing = " " + _timing_sentence(separation)
    if matched.product is not None:
        whole = [s for s in plan_separations(facts.matched_drugs) if s.drug == matched.product.name]
        if whole:  # several interacting ingredients: the product's own timing decides
            details["product_separation"] = {
                "drug_before_magnesium_hours": whole[0].drug_before_magnesium_hours,
                "drug_after_magnesium_hours": whole[0].drug_after_magnesium_hours,
            }
            timing += f" For {matched.product.name} as a whole: " + _timing_sentence(whole[0])
    if drug.not_recommended:
        details["not_recommended"] = True
        timing = (
            f" {drug.generic.capitalize()} and magnesium products are not recommended together."
        )
    extra = ""
    if cls.code == "interaction.potassium_binder" and _takes_hydroxide(facts):
        details["alkalosis_risk"] = True
        extra = (
            " Magnesium hydroxide is among this patient's magnesium products: with a "
            "cation-exchange resin such as sodium polystyrene sulfonate it has caused "
            "metabolic alkalosis, so do not take them together."
        )
    return Explanation(
        explanation=f"{opening} {drug.mechanism or cls.mechanism}{timing}{extra}",
        action=cls.action,
        evidence={"medication": matched.matched},
        details=details,
        sources=(drug.source,) if drug.source else (),
    )


def _takes_hydroxide(facts: Facts) -> bool:
    return any(p.form == "hydroxide" and p.route == "oral" for p in facts.intake.products)


def _timing_sentence(sep: Separation) -> str:
    parts = []
    if sep.drug_before_magnesium_hours is not None:
        parts.append(f"at least {sep.drug_before_magnesium_hours:g} h before magnesium")
    if sep.drug_after_magnesium_hours is not None:
        parts.append(f"at least {sep.drug_after_magnesium_hours:g} h after it")
    if not parts:
        return f"{sep.drug.capitalize()}: {sep.note}." if sep.note else ""
    sentence = f"Take {sep.drug} " + " or ".join(parts) + "."
    return sentence + (f" ({sep.note})" if sep.note else "")


def _explain_not_recognized(facts: Facts, fact: Mapping[str, Any]) -> Explanation:
    texts = read_medications(facts.profile.medications).unrecognized
    listed = "; ".join(texts)
    return Explanation(
        explanation=(
            f"Interactions with {listed} were not checked: the knowledge base does not "
            "recognise the name as a drug that interacts with magnesium, nor as a common "
            "drug known not to."
        ),
        action=(
            "Check these medications against the label or a pharmacist before starting magnesium."
        ),
        evidence={"medications": list(texts)},
        details={"not_checked": list(texts)},
    )


def _rule(class_key: str, title: str) -> Rule:
    cls = CLASSES[class_key]
    rule_id = f"interaction-{class_key.replace('_', '-')}"
    return Rule(
        id=rule_id,
        version=VERSIONS[rule_id],
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
    _rule("absorption_reduced", "Magnesium lowers this medicine's absorption: keep them apart"),
    _rule("potassium_binder", "Potassium binder: keep 3 hours from magnesium"),
    _rule("magnesium_wasting", "Medicine that lowers magnesium: check serum magnesium"),
    Rule(
        id="medication-not-recognized",
        version=VERSIONS["medication-not-recognized"],
        code="medication.not_recognized",
        category="medication",
        effect="info",
        title="Medication not recognised: interactions not checked",
        when=F.unrecognized_medications > 0,
        explain=_explain_not_recognized,
        sources=(
            cite("CHOICE", "CLINICAL.md §13: say what was not checked"),
            COMMON_DRUGS_SOURCE,
        ),
    ),
)
