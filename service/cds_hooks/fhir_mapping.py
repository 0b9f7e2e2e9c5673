"""FHIR R4 → the profile the knowledge base reads. The only module that interprets FHIR.

`map_patient(prefetch, draft_orders, today)` returns the profile as ProfileSchema input
(so validation stays in one place), the draft magnesium orders it found, and a note for
every piece of relevant data it could not use or had to approximate. Notes are never
dropped: the cards module shows them to the clinician.

What is read:
- Patient: age from birthDate, sex from gender.
- Observations (LOINC): the most recent usable eGFR and serum magnesium with their units,
  pregnancy status (82810-3).
- Conditions (SNOMED): dialysis, CKD stage 4/5 and end-stage renal disease (an eGFR stand-in
  only when no eGFR value exists), pregnancy, sciatica (radiating pain), cauda equina
  syndrome (its red flag).
- MedicationRequest / MedicationStatement (RxNorm code and text) and the draft orders:
  magnesium products with dose, frequency, route and form from the name and the dosage
  ("Magnesium Oxide 400 MG Oral Tablet" is 400 mg of compound); everything else is a
  medication for the interaction check.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from rules.data.forms import ELEMENTAL_FRACTION, FORM_ALIASES, normalise_form
from rules.data.tokens import CAUDA_EQUINA
from service.cds_hooks.services import EGFR_CODES, LOINC, MAGNESIUM_CODES, PREGNANCY_STATUS_CODES

SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"

DIALYSIS_CODES = {"105502003", "714152005"}  # dependence on dialysis; CKD 5 on dialysis
CKD_STAGE_5_CODES = {"714152005", "46177005", "433146000"}  # incl. end-stage renal disease
CKD_STAGE_4_CODES = {"431857002"}
# Without an eGFR value, a stage is read as the top of its KDIGO band: every value in the
# band gives the same kidney finding, and the top never overstates the stage.
EGFR_FOR_STAGE = {5: 14.0, 4: 29.0}
SCIATICA = "23056005"
CAUDA_EQUINA_SYNDROME = "192970008"
PREGNANCY_CONDITION_CODES = {"77386006", "72892002"}
PREGNANT, NOT_PREGNANT = "77386006", "60001007"

# The token vocabulary has no diagnosis-level token for cauda equina syndrome; use one when
# the knowledge base adds it, until then the group's first token (said in a note).
CAUDA_EQUINA_TOKEN = (
    "cauda_equina_syndrome" if "cauda_equina_syndrome" in CAUDA_EQUINA else CAUDA_EQUINA[0]
)

ACTIVE_CONDITION = {"active", "recurrence", "relapse"}
ACTIVE_REQUEST = {"active", "on-hold"}
ACTIVE_STATEMENT = {"active", "intended", "on-hold"}
INACTIVE_DRAFT = {"cancelled", "entered-in-error", "stopped", "completed", "revoked"}
USABLE_OBSERVATION = {"final", "amended", "corrected", "preliminary", "registered"}

EGFR_UNITS = {"ml/min/1.73m2", "ml/min"}
MAGNESIUM_UNITS = {"mg/dl": "mg/dL", "mmol/l": "mmol/L", "meq/l": "mEq/L"}

TOPICAL_WORDS = re.compile(
    r"\b(topical|cutaneous|transdermal|lotion|spray|cream|gel|oil|bath|flakes)\b"
)
COUNT_UNITS = {
    "",
    "1",
    "tab",
    "tabs",
    "tablet",
    "tablets",
    "tbl",
    "cap",
    "caps",
    "capsule",
    "capsules",
    "each",
    "ea",
    "unit",
    "units",
    "dose",
    "doses",
    "lozenge",
    "sachet",
}
STRENGTH = re.compile(r"(\d+(?:\.\d+)?)\s*mg(?:\s*/\s*(\d+(?:\.\d+)?)?\s*ml)?\b")
TIMING_CODES = {
    "QD": 1,
    "QOD": 1,
    "QAM": 1,
    "QPM": 1,
    "AM": 1,
    "PM": 1,
    "WK": 1,
    "MO": 1,
    "BID": 2,
    "TID": 3,
    "QID": 4,
    "Q4H": 6,
    "Q6H": 4,
    "Q8H": 3,
    "Q12H": 2,
}
TEXT_FREQUENCY = (
    (re.compile(r"\b(qid|four times)\b"), 4),
    (re.compile(r"\b(tid|three times)\b"), 3),
    (re.compile(r"\b(bid|twice)\b"), 2),
    (re.compile(r"\b(qd|once|daily|nightly)\b"), 1),
)
PERIOD_PER_DAY = {"s": 86400, "min": 1440, "h": 24, "d": 1, "wk": 1 / 7, "mo": 1 / 30, "a": 1 / 365}
KNOWN_FORM_WORDS = set(ELEMENTAL_FRACTION) | set(FORM_ALIASES)


@dataclass(frozen=True)
class DataNote:
    """Relevant data that was not used as sent, and why."""

    source: str  # "MedicationStatement/ms-1", "prefetch egfr", ...
    text: str
    affects_safety: bool = False  # True when a check may be incomplete because of it


@dataclass(frozen=True)
class DraftMagnesiumOrder:
    """A draft magnesium MedicationRequest and the profile product it became."""

    resource: Mapping[str, Any]
    product_index: int


@dataclass
class MappedPatient:
    profile: dict[str, Any]
    notes: list[DataNote] = field(default_factory=list)
    draft_orders: list[DraftMagnesiumOrder] = field(default_factory=list)


def map_patient(
    prefetch: Mapping[str, Any],
    draft_orders: Mapping[str, Any] | None = None,
    today: date | None = None,
) -> MappedPatient:
    """Map the prefetch values (keys as in services.PREFETCH) and the draft orders to a profile."""
    mapping = _Mapper(today or datetime.now(UTC).date())
    return mapping.run(prefetch, draft_orders)


class _Mapper:
    def __init__(self, today: date):
        self.today = today
        self.notes: list[DataNote] = []
        self.seen: set[str] = set()

    def note(self, source: str, text: str, affects_safety: bool = False) -> None:
        self.notes.append(DataNote(source, text, affects_safety))

    def run(
        self, prefetch: Mapping[str, Any], draft_orders: Mapping[str, Any] | None
    ) -> MappedPatient:
        values = {key: self.resources(key, value) for key, value in prefetch.items()}
        everything = [r for rs in values.values() for r in rs]
        drafts = self.resources("context.draftOrders", draft_orders) if draft_orders else []
        profile: dict[str, Any] = {}
        self.guard("prefetch patient", self.patient, values.get("patient", []), profile)
        conditions = [
            c for c in values.get("conditions", []) if self.guard(_ref(c), _active_condition, c)
        ]
        self.guard(
            "prefetch egfr",
            self.kidney,
            values.get("egfr", []),
            values.get("creatinine", []),
            conditions,
            profile,
        )
        self.guard("prefetch magnesium", self.serum_magnesium, values.get("magnesium", []), profile)
        self.guard(
            "prefetch pregnancy", self.pregnancy, values.get("pregnancy", []), conditions, profile
        )
        self.guard("prefetch conditions", self.back_pain, conditions, profile)
        mapped = MappedPatient(profile, self.notes)
        profile["medications"], profile["magnesium_products"] = [], []
        contained = {
            f"Medication/{r.get('id')}": r
            for r in everything + drafts
            if r.get("resourceType") == "Medication"
        }
        current = [
            r
            for r in values.get("medicationRequests", [])
            if r.get("resourceType") == "MedicationRequest" and r.get("status") in ACTIVE_REQUEST
        ] + [
            r
            for r in values.get("medicationStatements", [])
            if r.get("resourceType") == "MedicationStatement"
            and r.get("status") in ACTIVE_STATEMENT
        ]
        requests = {_ref(r) for r in current if r["resourceType"] == "MedicationRequest"}
        for resource in current:
            if _restates(resource, requests):
                continue  # a statement about a listed prescription: count the product once
            self.guard(_ref(resource), self.medication, resource, contained, profile)
        for resource in drafts:
            if resource.get("resourceType") != "MedicationRequest":
                continue  # diet, lab and device orders say nothing about magnesium
            if resource.get("status") in INACTIVE_DRAFT:
                continue
            index = self.guard(_ref(resource), self.medication, resource, contained, profile)
            if index is not None:
                mapped.draft_orders.append(DraftMagnesiumOrder(resource, index))
        return mapped

    def guard(self, source: str, read: Callable[..., Any], *args: Any) -> Any:
        """Run one reader; data it cannot read (not valid FHIR R4) is noted, not fatal."""
        try:
            return read(*args)
        except (AttributeError, TypeError, ValueError, KeyError, IndexError, StopIteration):
            self.note(
                source, "could not be read (not valid FHIR R4): not used", affects_safety=True
            )
            return None

    # --- containers -------------------------------------------------------------------

    def resources(self, key: str, value: Any) -> list[dict[str, Any]]:
        """The resources in a prefetch value; null and OperationOutcome mean no data."""
        if value is None:
            return []
        if not isinstance(value, Mapping) or "resourceType" not in value:
            self.note(f"prefetch {key}", "not a FHIR resource: ignored", affects_safety=True)
            return []
        if value["resourceType"] == "OperationOutcome":
            self.note(
                f"prefetch {key}",
                "the EHR returned an error (OperationOutcome) instead of data: treated as no data",
                affects_safety=True,
            )
            return []
        if value["resourceType"] != "Bundle":
            return [dict(value)]
        out = []
        for entry in value.get("entry") or []:
            resource = entry.get("resource") if isinstance(entry, Mapping) else None
            if (
                not isinstance(resource, Mapping)
                or resource.get("resourceType") == "OperationOutcome"
            ):
                continue  # search.mode "outcome" entries are warnings about the search itself
            ref = _ref(resource)
            if ref in self.seen and resource.get("id"):
                continue
            self.seen.add(ref)
            out.append(dict(resource))
        return out

    # --- demographics -----------------------------------------------------------------

    def patient(self, resources: list[dict[str, Any]], profile: dict[str, Any]) -> None:
        patient = next((r for r in resources if r.get("resourceType") == "Patient"), None)
        if patient is None:
            self.note(
                "prefetch patient",
                "no Patient resource: age and sex are unknown",
                affects_safety=True,
            )
            return
        ref = _ref(patient)
        born = patient.get("birthDate")
        if isinstance(born, str) and re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", born):
            parts = [int(p) for p in born.split("-")] + [1, 1]
            birth = date(parts[0], parts[1], parts[2])
            if len(born) < 10:
                self.note(ref, f"birthDate {born} is partial: age counted from its first day")
            profile["age"] = (
                self.today.year
                - birth.year
                - ((self.today.month, self.today.day) < (birth.month, birth.day))
            )
        else:
            self.note(ref, "no usable birthDate: age unknown", affects_safety=True)
        gender = patient.get("gender")
        if gender in ("male", "female", "other", "unknown"):
            profile["sex"] = gender
        else:
            profile["sex"] = "unknown"
            self.note(ref, "no gender: sex taken as unknown")

    # --- labs -------------------------------------------------------------------------

    def kidney(
        self, egfr: list, creatinine: list, conditions: list, profile: dict[str, Any]
    ) -> None:
        kidney: dict[str, Any] = {"egfr": None, "dialysis": False}
        value = self.latest_value(egfr, EGFR_CODES, "eGFR", self.egfr_value)
        if value is not None:
            kidney["egfr"] = value
        codes = {c: r for r in conditions for c in _snomed_codes(r)}
        if DIALYSIS_CODES & codes.keys():
            kidney["dialysis"] = True
        if kidney["egfr"] is None:
            for stage, stage_codes in ((5, CKD_STAGE_5_CODES), (4, CKD_STAGE_4_CODES)):
                found = sorted(stage_codes & codes.keys())
                if found:
                    kidney["egfr"] = EGFR_FOR_STAGE[stage]
                    self.note(
                        _ref(codes[found[0]]),
                        f"no eGFR value: CKD stage {stage} from the "
                        f"problem list read as eGFR {EGFR_FOR_STAGE[stage]:g}",
                    )
                    break
        if kidney["egfr"] is None and any(_loinc_codes(r) for r in creatinine):
            self.note(
                "prefetch creatinine",
                "serum creatinine is recorded but no eGFR: it was "
                "not converted, so kidney function counts as unknown",
                affects_safety=True,
            )
        profile["kidney"] = kidney

    def egfr_value(self, obs: dict[str, Any]) -> float | None:
        quantity = _quantity(obs)
        if quantity is None:
            return None
        value, comparator, unit = quantity
        if _unit_key(unit) not in EGFR_UNITS:
            self.note(
                _ref(obs),
                f"eGFR unit {unit or '(none)'} not understood: value not used",
                affects_safety=True,
            )
            return None
        if comparator in ("<",):
            # "<15" is under 15: evaluate just below the bound so the lower band applies.
            self.note(_ref(obs), f"eGFR reported as <{value:g}: evaluated as {value - 0.1:g}")
            return value - 0.1
        return value

    def serum_magnesium(self, resources: list, profile: dict[str, Any]) -> None:
        def read(obs: dict[str, Any]) -> dict[str, Any] | None:
            quantity = _quantity(obs)
            if quantity is None:
                return None
            value, _, unit = quantity
            code = next(c for c in _loinc_codes(obs) if c in MAGNESIUM_CODES)
            if not unit:
                self.note(
                    _ref(obs),
                    f"serum magnesium without a unit: read as "
                    f"{MAGNESIUM_CODES[code]}, the unit LOINC {code} implies",
                )
                return {"value": value, "unit": MAGNESIUM_CODES[code]}
            known = MAGNESIUM_UNITS.get(_unit_key(unit))
            if known is None:
                self.note(
                    _ref(obs),
                    f"serum magnesium unit {unit} not understood: value not used",
                    affects_safety=True,
                )
            return {"value": value, "unit": known} if known else None

        lab = self.latest_value(resources, tuple(MAGNESIUM_CODES), "serum magnesium", read)
        if lab is not None:
            profile["serum_magnesium"] = lab

    def latest_value(self, resources: list, codes: Iterable[str], what: str, read: Any) -> Any:
        """The value of the most recent usable Observation with one of `codes`."""
        codes = set(codes)
        candidates = [
            r
            for r in resources
            if r.get("resourceType") == "Observation"
            and r.get("status", "final") in USABLE_OBSERVATION
            and codes & set(_loinc_codes(r))
        ]
        candidates.sort(key=_effective, reverse=True)
        for obs in candidates:
            value = read(obs)
            if value is not None:
                return value
            if _quantity(obs) is None:
                self.note(
                    _ref(obs),
                    f"{what} observation has no numeric value: not used",
                    affects_safety=True,
                )
        return None

    # --- pregnancy and back pain ------------------------------------------------------

    def pregnancy(self, resources: list, conditions: list, profile: dict[str, Any]) -> None:
        observations = sorted(
            (
                r
                for r in resources
                if r.get("resourceType") == "Observation"
                and set(_loinc_codes(r)) & set(PREGNANCY_STATUS_CODES)
                and r.get("status", "final") in USABLE_OBSERVATION
            ),
            key=_effective,
            reverse=True,
        )
        if observations:
            obs = observations[0]
            answer = set(_codes(obs.get("valueCodeableConcept"), SNOMED))
            if PREGNANT in answer:
                profile["pregnant"] = True
            elif NOT_PREGNANT not in answer:
                self.note(
                    _ref(obs),
                    "pregnancy status is neither pregnant nor not pregnant: not used",
                    affects_safety=True,
                )
        if any(set(_snomed_codes(c)) & PREGNANCY_CONDITION_CODES for c in conditions):
            profile["pregnant"] = True

    def back_pain(self, conditions: list, profile: dict[str, Any]) -> None:
        for condition in conditions:
            codes = set(_snomed_codes(condition))
            if SCIATICA in codes:
                profile["back_pain"] = {"radiating": True}
            if CAUDA_EQUINA_SYNDROME in codes:
                profile.setdefault("red_flags", []).append(CAUDA_EQUINA_TOKEN)
                if CAUDA_EQUINA_TOKEN != "cauda_equina_syndrome":
                    self.note(
                        _ref(condition),
                        "cauda equina syndrome is recorded as the cauda "
                        f"equina red flag '{CAUDA_EQUINA_TOKEN}' (no diagnosis token exists)",
                    )

    # --- medications ------------------------------------------------------------------

    def medication(
        self, resource: dict, medications: Mapping[str, Any], profile: dict[str, Any]
    ) -> int | None:
        """Add the medication or magnesium product; return the product index for magnesium."""
        name, rxnorm = _medication_name(resource, medications)
        ref = _ref(resource)
        if not name:
            self.note(
                ref,
                "medication without a name or code: not checked for interactions",
                affects_safety=True,
            )
            return None
        product = _magnesium_ingredient(name)
        if product is None:
            profile["medications"].append(
                {"name": name[:500], **({"rxnorm": rxnorm} if rxnorm else {})}
            )
            return None
        form, basis, strength, per_ml = product
        dosage = _first_dosage(resource)
        route = _route(name, dosage)
        if route == "topical":
            profile["magnesium_products"].append({"form": form, "route": "topical"})
            return len(profile["magnesium_products"]) - 1
        dose = self.dose_mg(ref, name, dosage, strength, per_ml)
        if dose is None:
            return None
        if basis == "compound" and normalise_form(form) not in ELEMENTAL_FRACTION:
            self.note(
                ref,
                f"{name}: the elemental fraction of magnesium {form} is unknown, so "
                "its dose was not counted toward the upper limit",
                affects_safety=True,
            )
            return None
        profile["magnesium_products"].append(
            {
                "form": form,
                "route": "oral",
                "dose_mg": dose,
                "dose_basis": basis,
                "times_per_day": self.times_per_day(ref, dosage),
                "purpose": _purpose(name, form),
            }
        )
        return len(profile["magnesium_products"]) - 1

    def dose_mg(
        self,
        ref: str,
        name: str,
        dosage: Mapping | None,
        strength: float | None,
        per_ml: float | None,
    ) -> float | None:
        quantity = _dose_quantity(dosage)
        if quantity is None:
            if strength is not None and per_ml is None:
                self.note(
                    ref, f"{name}: no dose given, counted as one unit ({strength:g} mg) per dose"
                )
                return strength
            self.note(
                ref,
                f"{name}: no dose given, so it was not counted toward the upper limit",
                affects_safety=True,
            )
            return None
        amount, unit = quantity
        unit_key = _unit_key(unit).strip("{}")
        if unit_key == "mg":
            return amount
        if unit_key == "g":
            return amount * 1000
        if unit_key == "ml" and strength is not None and per_ml is not None:
            return amount * strength / per_ml
        if unit_key in COUNT_UNITS and strength is not None and per_ml is None:
            return amount * strength
        self.note(
            ref,
            f"{name}: dose {amount:g} {unit or ''} could not be converted to mg, so it "
            "was not counted toward the upper limit",
            affects_safety=True,
        )
        return None

    def times_per_day(self, ref: str, dosage: Mapping | None) -> int:
        per_day = _times_per_day(dosage)
        if per_day is None:
            self.note(ref, "no dose frequency: counted once a day")
            return 1
        if per_day > 24:
            self.note(
                ref, f"{per_day:g} doses a day is more than 24: counted as 24", affects_safety=True
            )
            return 24
        # A dose taken less than daily still lands whole on the day it is taken.
        return max(1, math.ceil(per_day - 1e-9))


# --- small FHIR readers -------------------------------------------------------------------


def _ref(resource: Mapping[str, Any]) -> str:
    return f"{resource.get('resourceType', 'Resource')}/{resource.get('id', '(no id)')}"


def _codes(concept: Any, system: str) -> list[str]:
    if not isinstance(concept, Mapping):
        return []
    return [
        str(c.get("code"))
        for c in concept.get("coding") or []
        if isinstance(c, Mapping) and c.get("system") == system and c.get("code")
    ]


def _loinc_codes(resource: Mapping[str, Any]) -> list[str]:
    return _codes(resource.get("code"), LOINC)


def _snomed_codes(resource: Mapping[str, Any]) -> list[str]:
    return _codes(resource.get("code"), SNOMED)


def _restates(resource: Mapping[str, Any], requests: set[str]) -> bool:
    if resource.get("resourceType") != "MedicationStatement":
        return False
    links = [*(resource.get("basedOn") or []), *(resource.get("derivedFrom") or [])]
    return any(isinstance(link, Mapping) and link.get("reference") in requests for link in links)


def _active_condition(condition: Mapping[str, Any]) -> bool:
    if condition.get("resourceType") != "Condition":
        return False
    verification = _codes(
        condition.get("verificationStatus"),
        "http://terminology.hl7.org/CodeSystem/condition-ver-status",
    )
    if set(verification) & {"entered-in-error", "refuted"}:
        return False
    clinical = _codes(
        condition.get("clinicalStatus"), "http://terminology.hl7.org/CodeSystem/condition-clinical"
    )
    return not clinical or bool(set(clinical) & ACTIVE_CONDITION)


def _instant(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    padded = text + "-01-01"[len(text) - 4 :] if len(text) in (4, 7) else text
    try:
        moment = datetime.fromisoformat(padded.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _effective(obs: Mapping[str, Any]) -> datetime:
    period = obs.get("effectivePeriod") or {}
    for text in (
        obs.get("effectiveDateTime"),
        obs.get("effectiveInstant"),
        period.get("end"),
        period.get("start"),
        obs.get("issued"),
    ):
        moment = _instant(text)
        if moment is not None:
            return moment
    return datetime.min.replace(tzinfo=UTC)


def _quantity(obs: Mapping[str, Any]) -> tuple[float, str | None, str | None] | None:
    """(value, comparator, unit) from valueQuantity, or from a valueString like '>60'."""
    quantity = obs.get("valueQuantity")
    if (
        isinstance(quantity, Mapping)
        and isinstance(quantity.get("value"), int | float)
        and not isinstance(quantity.get("value"), bool)
    ):
        return (
            float(quantity["value"]),
            quantity.get("comparator"),
            quantity.get("code") or quantity.get("unit"),
        )
    text = obs.get("valueString")
    match = (
        re.fullmatch(r"\s*([<>]=?)?\s*(\d+(?:\.\d+)?)\s*(\S.*)?", text)
        if isinstance(text, str)
        else None
    )
    if match:
        return float(match.group(2)), match.group(1), match.group(3)
    return None


def _unit_key(unit: str | None) -> str:
    key = (unit or "").lower().replace(" ", "").replace("_", "").replace("^", "").replace("²", "2")
    return key.replace("{", "").replace("}", "") if "/" in key else key


def _medication_name(
    resource: Mapping[str, Any], medications: Mapping[str, Any]
) -> tuple[str, str | None]:
    concept = resource.get("medicationCodeableConcept")
    reference = resource.get("medicationReference")
    if concept is None and isinstance(reference, Mapping):
        target = str(reference.get("reference", ""))
        if target.startswith("#"):
            concept = next(
                (
                    c.get("code")
                    for c in resource.get("contained") or []
                    if isinstance(c, Mapping) and c.get("id") == target[1:]
                ),
                None,
            )
        else:
            concept = (medications.get(target) or {}).get("code")
        if concept is None and reference.get("display"):
            concept = {"text": reference["display"]}
    if not isinstance(concept, Mapping):
        return "", None
    codes = _codes(concept, RXNORM)
    rxnorm = next((c for c in codes if c.isdigit()), None)
    displays = [
        c.get("display")
        for c in concept.get("coding") or []
        if isinstance(c, Mapping) and c.get("display")
    ]
    name = concept.get("text") or (displays[0] if displays else None)
    if not name and rxnorm:
        name = f"RxNorm {rxnorm}"
    return (str(name).strip() if name else ""), rxnorm


def _magnesium_ingredient(name: str) -> tuple[str, str, float | None, float | None] | None:
    """(form, dose basis, strength mg, per mL) when `name` is a magnesium product, else None.

    An ingredient that starts with "magnesium" is one ("Esomeprazole Magnesium" is not):
    "magnesium oxide 400 mg" is compound weight, "magnesium (as glycinate) 200 mg" and
    "magnesium 250 mg" are elemental.
    """
    text = name.lower()
    for segment in re.split(r"\s/\s|,\s*|\+", text):
        segment = segment.strip()
        if "milk of magnesia" in segment or "epsom salt" in segment:
            form = "hydroxide" if "magnesia" in segment else "sulfate"
            return (form, "compound", *_strength(segment))
        if not segment.startswith("magnesium"):
            continue
        rest = segment[len("magnesium") :].strip()
        elemental = re.match(r"\(as\s+([a-z\- ]+)\)", rest)
        if elemental:
            return (normalise_form(elemental.group(1)), "elemental", *_strength(rest))
        words = re.match(r"[a-z\-() ]*", rest).group(0).split()  # type: ignore[union-attr]
        if not words:
            return ("unspecified", "elemental", *_strength(rest))
        for end in range(len(words), 0, -1):
            candidate = " ".join(words[:end])
            if candidate in KNOWN_FORM_WORDS:
                return (normalise_form(candidate), "compound", *_strength(rest))
        return (words[0], "compound", *_strength(rest))
    return None


def _strength(text: str) -> tuple[float | None, float | None]:
    match = STRENGTH.search(text)
    if not match:
        return None, None
    per_ml = None
    if match.group(0).endswith("ml"):
        per_ml = float(match.group(2)) if match.group(2) else 1.0
    return float(match.group(1)), per_ml


def _first_dosage(resource: Mapping[str, Any]) -> Mapping[str, Any] | None:
    dosages = resource.get("dosageInstruction") or resource.get("dosage") or []
    return dosages[0] if dosages and isinstance(dosages[0], Mapping) else None


def _route(name: str, dosage: Mapping[str, Any] | None) -> str:
    route = (dosage or {}).get("route") or {}
    words = " ".join(
        [route.get("text") or ""] + [c.get("display") or "" for c in route.get("coding") or []]
    )
    if "6064005" in _codes(route, SNOMED) or TOPICAL_WORDS.search(f"{name} {words}".lower()):
        return "topical"
    return "oral"


def _dose_quantity(dosage: Mapping[str, Any] | None) -> tuple[float, str | None] | None:
    if not dosage:
        return None
    dose_and_rate = dosage.get("doseAndRate") or []
    if isinstance(dose_and_rate, Mapping):  # some examples send one object, not a list
        dose_and_rate = [dose_and_rate]
    for item in dose_and_rate:
        quantity = item.get("doseQuantity") or (item.get("doseRange") or {}).get("high")
        if isinstance(quantity, Mapping) and isinstance(quantity.get("value"), int | float):
            return float(quantity["value"]), quantity.get("code") or quantity.get("unit")
    return None


def _times_per_day(dosage: Mapping[str, Any] | None) -> float | None:
    if not dosage:
        return None
    timing = dosage.get("timing") or {}
    repeat = timing.get("repeat") or {}
    if repeat.get("frequency") or repeat.get("period"):
        frequency = repeat.get("frequencyMax") or repeat.get("frequency") or 1
        period = repeat.get("period") or 1
        per_day = PERIOD_PER_DAY.get(repeat.get("periodUnit") or "d")
        if per_day is not None and period > 0:
            return frequency / period * per_day
    if repeat.get("timeOfDay"):
        return float(len(repeat["timeOfDay"]))
    if repeat.get("when"):
        return float(len(repeat["when"]))
    for code in _codes(
        timing.get("code"), "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation"
    ):
        if code.upper() in TIMING_CODES:
            return float(TIMING_CODES[code.upper()])
    text = f"{dosage.get('text') or ''} {(timing.get('code') or {}).get('text') or ''}".lower()
    for pattern, count in TEXT_FREQUENCY:
        if pattern.search(text):
            return float(count)
    return None


def _purpose(name: str, form: str) -> str:
    text = name.lower()
    if form == "hydroxide" or re.search(
        r"antacid|laxative|magnesia|aluminum|aluminium|simethicone", text
    ):
        return "antacid_laxative"
    return "supplement"
