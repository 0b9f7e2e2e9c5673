"""MedicationRequest / MedicationStatement and draft orders → medications and magnesium products.

Every current medication becomes either a medication for the interaction check or a
magnesium product; one that cannot be named is reported, never dropped. Names come from
the text, a display, a contained or Bundle Medication (by relative reference, `#id`, or an
absolute URL equal to an entry's fullUrl), or the knowledge base's RxNorm tables for a
code sent alone.

Magnesium medicines are recognised by the knowledge base's reader
(rules.magnesium_medicines), so both interfaces read "Mag-Ox 400" alike. When the FHIR
dosage gives the dose and how often, the medicine becomes a magnesium product; when it
does not, it goes to the medication list with its dosage text, and the knowledge base
reads the amount from the words or says it is unknown (intake.dose_unknown).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rules.magnesium_medicines import MagnesiumMedicine, read_magnesium_medicine
from rules.terminology import lookup_rxnorm
from service.cds_hooks.fhir import dosage as dosing
from service.cds_hooks.fhir.bundle import reference_of, resolve_reference
from service.cds_hooks.fhir.codes import RXNORM_CODE_SYSTEMS
from service.cds_hooks.fhir.elements import codes, obj, objects, ref, status, text
from service.cds_hooks.fhir.notes import Reading, UnreadableResource

Resource = Mapping[str, Any]

# FHIR R4 status value sets, lower case. Anything else is not R4: said, and read as current.
REQUEST_CURRENT = {"active", "on-hold"}
# "unknown" is neither: it may be current, so it is checked and said.
REQUEST_NOT_CURRENT = {"cancelled", "completed", "entered-in-error", "stopped", "draft"}
STATEMENT_CURRENT = {"active", "intended", "on-hold"}
STATEMENT_NOT_CURRENT = {"completed", "entered-in-error", "stopped", "not-taken"}
DRAFT_NOT_CURRENT = {"cancelled", "entered-in-error", "stopped", "completed", "revoked"}
DSTU2_TYPES = {"MedicationOrder"}  # DSTU2's MedicationRequest
# In a medication list and said nothing of: read through references, or not a medication.
QUIET_TYPES = {"Medication", "Patient", "Practitioner", "Provenance"}


@dataclass(frozen=True)
class DraftMagnesiumOrder:
    """A draft magnesium MedicationRequest and the profile product it became.

    `product_index` is None when its amount could not be read from the dosage (it went to
    the medication list as text); `label` names it for a reader: "magnesium oxide 400 mg".
    """

    resource: Mapping[str, Any]
    product_index: int | None
    label: str = "the draft magnesium order"
    selected: bool = True  # order-select: among context.selections (or no selections sent)


@dataclass
class MedicationFacts:
    medications: list[dict[str, Any]] = field(default_factory=list)
    magnesium_products: list[dict[str, Any]] = field(default_factory=list)
    draft_orders: list[DraftMagnesiumOrder] = field(default_factory=list)
    selected_drafts: int = 0  # selected draft MedicationRequests with a medication
    selected_medications: list[str] = field(default_factory=list)


def read_medications(
    requests: list[Resource],
    statements: list[Resource],
    drafts: list[Resource],
    index: Mapping[str, Resource],
    selections: list[str] | None,
) -> Reading[MedicationFacts]:
    """Current medications, then the draft orders (`selections`: order-select's chosen ids)."""
    reading: Reading[MedicationFacts] = Reading(MedicationFacts())
    current = [r for r in requests if _current(r, "MedicationRequest", reading)] + [
        r for r in statements if _current(r, "MedicationStatement", reading)
    ]
    listed = {ref(r) for r in current if r.get("resourceType") == "MedicationRequest"}
    for resource in current:
        if _restates(resource, listed):
            continue  # a statement about a listed prescription: count the product once
        _read_one(resource, index, reading)
    for resource in drafts:
        rtype = resource.get("resourceType")
        if rtype in DSTU2_TYPES:
            reading.note(
                ref(resource),
                f"{rtype} is a FHIR DSTU2 resource; this service reads R4 MedicationRequest: "
                "this draft order was not checked",
                affects_safety=True,
            )
            continue
        if rtype != "MedicationRequest":
            continue  # diet, lab and device orders say nothing about magnesium
        try:
            state = status(resource, ref(resource))
        except UnreadableResource as error:
            reading.unreadable(ref(resource), error)
            continue
        if state in DRAFT_NOT_CURRENT:
            continue
        if "medicationCodeableConcept" not in resource and "medicationReference" not in resource:
            continue  # order-select fires before a drug is chosen: nothing to check yet
        selected = selections is None or _is_selected(resource, selections)
        found = _read_one(resource, index, reading)
        if selected:
            reading.value.selected_drafts += 1
        if found is None:
            continue
        position, name, medicine = found
        if medicine is not None:
            reading.value.draft_orders.append(
                DraftMagnesiumOrder(resource, position, _label(medicine), selected)
            )
        elif selected:
            reading.value.selected_medications.append(name)
    return reading


def _current(resource: Resource, expected: str, reading: Reading[Any]) -> bool:
    rtype = resource.get("resourceType")
    source = ref(resource)
    if rtype in DSTU2_TYPES:
        reading.note(
            source,
            f"{rtype} is a FHIR DSTU2 resource; this service reads R4 {expected}: "
            "interactions with it were not checked",
            affects_safety=True,
        )
        return False
    if rtype in QUIET_TYPES:
        return False  # a Medication included with _include, read through references
    if rtype != expected:
        reading.note(
            source,
            f"a {rtype} where {expected} resources were expected is not read: the medication "
            "it names was not checked",
            affects_safety=True,
        )
        return False
    try:
        state = status(resource, source)
    except UnreadableResource as error:
        reading.unreadable(source, error)
        return False
    current = REQUEST_CURRENT if expected == "MedicationRequest" else STATEMENT_CURRENT
    stopped = REQUEST_NOT_CURRENT if expected == "MedicationRequest" else STATEMENT_NOT_CURRENT
    if state in current:
        return True
    if state in stopped:
        return False
    if state == "unknown":
        said = "status unknown"
    else:
        said = f"status {state!r} is not a FHIR R4 status" if state else "no status"
    reading.note(source, f"{said}: read as current, so it is checked")
    return True


def _read_one(
    resource: Resource, index: Mapping[str, Resource], reading: Reading[MedicationFacts]
) -> tuple[int | None, str, MagnesiumMedicine | None] | None:
    """Add the medication or product: (product index, name, the magnesium medicine or None).

    None when it could not be read (and said so).
    """
    source = ref(resource)
    facts = reading.value
    try:
        name, rxnorm = _name(resource, index, source, reading)
        if not name:
            return None
        medicine = read_magnesium_medicine(name, rxnorm)
        entry = _product(resource, name, medicine, source, reading) if medicine else None
        listed = {"name": name[:500], **({"rxnorm": rxnorm} if rxnorm else {})}
        if medicine is not None and entry is None:
            listed["name"] = _with_dosage_text(resource, name, source)[:500]
    except UnreadableResource as error:
        reading.unreadable(source, error)
        return None
    if entry is None:
        facts.medications.append(listed)
        return (None, name, medicine)
    facts.magnesium_products.append(entry)
    return (len(facts.magnesium_products) - 1, name, medicine)


def _name(
    resource: Resource, index: Mapping[str, Resource], source: str, reading: Reading[Any]
) -> tuple[str, str | None]:
    concept = obj(resource, "medicationCodeableConcept", source)
    reference = obj(resource, "medicationReference", source)
    target = reference_of(reference, source)
    if concept is None and target:
        medication = (
            _contained(resource, target[1:], source)
            if target.startswith("#")
            else (resolve_reference(target, index))
        )
        concept = obj(medication, "code", source) if medication is not None else None
    if concept is None and reference is not None and text(reference, "display", source):
        concept = {"text": text(reference, "display", source)}
    if concept is None:
        if target:
            reading.note(
                source,
                f"medication reference {target} could not be resolved and has no display: "
                "interactions with it were not checked",
                affects_safety=True,
                kind="medication",
            )
        else:
            reading.note(
                source,
                "medication without a name or code: not checked for interactions",
                affects_safety=True,
                kind="medication",
            )
        return "", None
    rxnorm = next((c for c in codes(concept, RXNORM_CODE_SYSTEMS, source) if c.isdigit()), None)
    displays = [text(c, "display", source) for c in objects(concept, "coding", source)]
    name = text(concept, "text", source) or next((d for d in displays if d), None)
    if not name and rxnorm:
        known = lookup_rxnorm(rxnorm)
        name = known.name if known is not None else None
        if name is None:
            reading.note(
                source,
                f"RxNorm {rxnorm} is not in the knowledge base's RxNorm tables and was sent "
                "without a name: interactions with it were not checked",
                affects_safety=True,
                kind="code",
            )
            return "", rxnorm
    if not name:
        reading.note(
            source,
            "medication coded in a system this service does not read, without a name: "
            "not checked for interactions",
            affects_safety=True,
            kind="medication",
        )
        return "", None
    return name.strip(), rxnorm


def _contained(resource: Resource, wanted: str, source: str) -> Resource | None:
    for item in objects(resource, "contained", source):
        if item.get("id") == wanted:
            return item
    return None


def _product(
    resource: Resource,
    name: str,
    medicine: MagnesiumMedicine,
    source: str,
    reading: Reading[Any],
) -> dict[str, Any] | None:
    """The magnesium product the FHIR dosage describes, or None when it does not say enough."""
    dosage = dosing.first_dosage(resource, source)
    form = medicine.form or "unspecified"
    if medicine.route == "topical" or dosing.route(name, dosage, source) == "topical":
        return {"form": form, "route": "topical"}
    per_ml = medicine.per_volume_ml if medicine.strength_mg and medicine.per_volume_ml else None
    dose = dosing.dose_mg(dosage, medicine.strength_mg, per_ml, name, source, reading)
    times = dosing.times_per_day(dosage, source, reading)
    if dose is None or times is None:
        return None
    for assumption in medicine.assumed:  # e.g. milk of magnesia's USP strength
        reading.note(source, f"{name}: read with {assumption}")
    basis = medicine.dose_basis or ("elemental" if medicine.form is None else "compound")
    return {
        "form": form,
        "route": "oral",
        "dose_mg": dose,
        "dose_basis": basis,
        "times_per_day": times,
        "purpose": medicine.purpose,
    }


def _with_dosage_text(resource: Resource, name: str, source: str) -> str:
    """The name and the dosage as words, for the knowledge base to read the amount from.

    The name alone when the structured dose has a unit this service does not understand:
    the words then must not stand in for a dose the order states otherwise.
    """
    dosage = dosing.first_dosage(resource, source)
    if not dosing.unit_understood(dosage, source):
        return name
    words = [name, dosing.dose_words(dosage, source)]
    if dosage is not None:
        words.append(text(dosage, "text", source) or "")
    return " ".join(w for w in words if w)


def _label(medicine: MagnesiumMedicine) -> str:
    """'magnesium oxide 400 mg', 'milk of magnesia': what a suggestion calls the product."""
    if medicine.strength_mg and not medicine.per_volume_ml:
        return f"{medicine.name} {medicine.strength_mg:g} mg"
    return medicine.name


def _restates(resource: Resource, requests: set[str]) -> bool:
    if resource.get("resourceType") != "MedicationStatement":
        return False
    links = [resource.get("basedOn"), resource.get("derivedFrom")]
    return any(
        isinstance(link, Mapping) and link.get("reference") in requests
        for group in links
        if isinstance(group, list)
        for link in group
    )


def _is_selected(resource: Resource, selections: list[str]) -> bool:
    rid = resource.get("id")
    if not isinstance(rid, str) or not rid:
        return True  # an order without an id cannot be told apart: treat it as selected
    return any(
        s == f"MedicationRequest/{rid}" or s.endswith(f"/MedicationRequest/{rid}")
        for s in selections
    )
