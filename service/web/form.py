"""The form's inputs: submitted text → the profile dict `ProfileSchema` loads, and back.

The form holds no rules of its own. Each input is named by the path marshmallow uses in its
error messages ("kidney.egfr", "magnesium_products[0].dose_mg"), so an error lands beside
the input it concerns; only the wording is translated for clinicians.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, validate
from werkzeug.datastructures import MultiDict

from service.problems import field_errors
from service.schemas import ProfileSchema

PRODUCT_ROWS = 4  # rows served without JavaScript; the script may add more
MAX_PRODUCT_INDEX = 99  # bound on row numbers read from a request; the schema sets the real limit
PRODUCT_FIELDS = ("form", "route", "dose_mg", "dose_basis", "times_per_day", "purpose")
TEXT_INPUTS = frozenset(
    {
        "age",
        "sex",
        "kidney.egfr",
        "kidney.creatinine.value",
        "kidney.creatinine.unit",
        "weight_kg",
        "serum_magnesium.value",
        "serum_magnesium.unit",
        "back_pain.onset",
        "back_pain.severity",
        "back_pain.duration_weeks",
        "medications",
        "route_preference",
    }
)
SINGLE_CHECKBOXES = frozenset({"pregnant", "lactating", "kidney.dialysis", "back_pain.radiating"})
NUMERIC = frozenset({"dose_mg", "times_per_day"})  # product fields read as numbers
LISTS = frozenset({"medications", "magnesium_products", "red_flags", "symptoms", "conditions"})
TOKEN_LISTS = ("red_flags", "symptoms", "conditions")  # checkbox groups
_PRODUCT_NAME = re.compile(r"^magnesium_products\[(\d{1,3})\]\.(\w+)$")
MAX_NUMBER_CHARS = 40
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")

# Values an untouched form submits; a product row holding only these is empty.
DEFAULTS: dict[str, str] = {
    "route_preference": "any",
    "serum_magnesium.unit": "mg/dL",
    "kidney.creatinine.unit": "mg/dL",
}
PRODUCT_DEFAULTS: dict[str, str] = {"route": "oral", "times_per_day": "1", "purpose": "supplement"}

# Words for each input: (label, unit). "[]" stands for any product row or medication line.
LABELS: dict[str, tuple[str, str | None]] = {
    "age": ("Age", "years"),
    "sex": ("Sex", None),
    "pregnant": ("Pregnant", None),
    "lactating": ("Breastfeeding", None),
    "kidney": ("Kidney function", None),
    "kidney.egfr": ("eGFR", "mL/min/1.73 m²"),
    "kidney.dialysis": ("On dialysis", None),
    "kidney.creatinine": ("Serum creatinine", None),
    "kidney.creatinine.value": ("Serum creatinine", None),
    "kidney.creatinine.unit": ("Creatinine unit", None),
    "weight_kg": ("Weight", "kg"),
    "conditions": ("Conditions", None),
    "serum_magnesium": ("Serum magnesium", None),
    "serum_magnesium.value": ("Serum magnesium", None),
    "serum_magnesium.unit": ("Serum magnesium unit", None),
    "back_pain": ("Back pain", None),
    "back_pain.onset": ("Onset", None),
    "back_pain.severity": ("Pain severity", "on the 0–10 scale"),
    "back_pain.radiating": ("Pain radiates (e.g. down a leg)", None),
    "back_pain.duration_weeks": ("Duration", "weeks"),
    "red_flags": ("Red flags", None),
    "symptoms": ("Symptoms", None),
    "medications": ("Medications", None),
    "magnesium_products": ("Magnesium products", None),
    "magnesium_products[].form": ("Form", None),
    "magnesium_products[].route": ("Route", None),
    "magnesium_products[].dose_mg": ("Dose per intake", "mg"),
    "magnesium_products[].dose_basis": ("The dose is", None),
    "magnesium_products[].times_per_day": ("Times/day", None),
    "magnesium_products[].purpose": ("Taken as", None),
    "route_preference": ("Preferred route", None),
}

CHOICE_LABELS: dict[str, str] = {
    "female": "Female",
    "male": "Male",
    "other": "Other",
    "unknown": "Not known",
    "sudden": "Sudden",
    "gradual": "Gradual",
    "oral": "Oral",
    "topical": "Topical",
    "any": "No preference",
    "elemental": "elemental",
    "compound": "whole compound",
    "supplement": "Supplement",
    "antacid_laxative": "Antacid or laxative",
}


def field_id(name: str) -> str:
    """Return the HTML id of the input called `name` ("kidney.egfr" → "f-kidney-egfr")."""
    return "f-" + re.sub(r"[\[\].]+", "-", name).strip("-")


def generic_path(name: str) -> str:
    """Return `name` with row numbers dropped ("magnesium_products[2].form" → "…[].form")."""
    return re.sub(r"\[\d+\]", "[]", name)


def label_for(name: str) -> str:
    return LABELS.get(generic_path(name), (name.replace("_", " ").capitalize(), None))[0]


def choices(path: str) -> list[str]:
    """Return the values the schema accepts at `path` (its OneOf validator): no second copy."""
    schema: Schema = ProfileSchema()
    *parents, leaf = generic_path(path).replace("[]", "").split(".")
    for parent in parents:
        nested = schema.fields[parent]
        nested = getattr(nested, "inner", nested)  # a List of Nested
        schema = nested.schema  # type: ignore[attr-defined,union-attr]
    for validator in schema.fields[leaf].validators:
        if isinstance(validator, validate.OneOf):
            return [str(c) for c in validator.choices]
    raise LookupError(f"{path} has no fixed choices")


def choice_label(value: str) -> str:
    return CHOICE_LABELS.get(value, value.replace("_", " "))


@dataclass
class FormState:
    """What the clinician entered, as text, so the page can show it again."""

    values: dict[str, str] = field(default_factory=dict)
    checked: dict[str, set[str]] = field(default_factory=dict)  # TOKEN_LISTS
    flags: set[str] = field(default_factory=set)  # ticked single checkboxes
    product_rows: int = PRODUCT_ROWS

    @classmethod
    def initial(cls) -> FormState:
        values = dict(DEFAULTS)
        for i in range(PRODUCT_ROWS):
            values.update({f"magnesium_products[{i}].{k}": v for k, v in PRODUCT_DEFAULTS.items()})
        return cls(values=values)

    @classmethod
    def from_form(cls, form: MultiDict[str, str]) -> FormState:
        values: dict[str, str] = {}
        flags: set[str] = set()
        highest = PRODUCT_ROWS - 1
        for name in form:
            if name == "csrf_token" or name in TOKEN_LISTS:
                continue
            if name in SINGLE_CHECKBOXES:
                flags.add(name)
                continue
            match = _PRODUCT_NAME.match(name)
            if match:
                if int(match[1]) > MAX_PRODUCT_INDEX or match[2] not in PRODUCT_FIELDS:
                    continue
                highest = max(highest, int(match[1]))
            elif name not in TEXT_INPUTS:
                continue  # not one of ours: ignore rather than echo it back
            values[name] = form.get(name, "")
        checked = {key: set(form.getlist(key)) for key in TOKEN_LISTS}
        return cls(values=values, checked=checked, flags=flags, product_rows=highest + 1)

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def is_checked(self, name: str, token: str | None = None) -> bool:
        if token is None:
            return name in self.flags
        return token in self.checked.get(name, set())


@dataclass(frozen=True)
class Paths:
    """Where each list item of the profile came from on the form."""

    product_rows: tuple[int, ...] = ()  # profile index → form row
    medication_lines: tuple[int, ...] = ()  # profile index → line number (1-based)


def _number(text: str) -> Any:
    """Digits become a number; anything else stays text for the schema to reject."""
    text = text.strip()
    # A longer "number" (5,000 digits) is no age or dose; left as text, the schema refuses
    # it, and Python's int-string limit never raises.
    if len(text) <= MAX_NUMBER_CHARS and _NUMBER.match(text):
        return float(text) if "." in text else int(text)
    return text


def _put(target: dict[str, Any], key: str, text: str, number: bool = False) -> None:
    if text.strip():
        target[key] = _number(text) if number else text.strip()


def to_profile_data(state: FormState) -> tuple[dict[str, Any], Paths]:
    """Return the JSON-shaped profile the form describes (blank inputs are left out)."""
    v = state.value
    data: dict[str, Any] = {}
    _put(data, "age", v("age"), number=True)
    _put(data, "sex", v("sex"))
    data["pregnant"] = state.is_checked("pregnant")
    data["lactating"] = state.is_checked("lactating")

    kidney: dict[str, Any] = {}
    _put(kidney, "egfr", v("kidney.egfr"), number=True)
    if state.is_checked("kidney.dialysis"):
        kidney["dialysis"] = True
    if v("kidney.creatinine.value").strip():
        creatinine: dict[str, Any] = {}
        _put(creatinine, "value", v("kidney.creatinine.value"), number=True)
        _put(creatinine, "unit", v("kidney.creatinine.unit"))
        kidney["creatinine"] = creatinine
    if kidney:
        data["kidney"] = kidney
    _put(data, "weight_kg", v("weight_kg"), number=True)

    if v("serum_magnesium.value").strip():
        serum: dict[str, Any] = {}
        _put(serum, "value", v("serum_magnesium.value"), number=True)
        _put(serum, "unit", v("serum_magnesium.unit"))
        data["serum_magnesium"] = serum

    pain: dict[str, Any] = {}
    _put(pain, "onset", v("back_pain.onset"))
    _put(pain, "severity", v("back_pain.severity"), number=True)
    _put(pain, "duration_weeks", v("back_pain.duration_weeks"), number=True)
    if state.is_checked("back_pain.radiating"):
        pain["radiating"] = True
    if pain:
        data["back_pain"] = pain

    data["red_flags"] = sorted(state.checked.get("red_flags", ()))
    data["symptoms"] = sorted(state.checked.get("symptoms", ()))
    data["conditions"] = sorted(state.checked.get("conditions", ()))

    lines = [(n, line.strip()) for n, line in enumerate(v("medications").splitlines(), 1)]
    lines = [(n, line) for n, line in lines if line]
    data["medications"] = [{"name": line} for _, line in lines]

    products: list[dict[str, Any]] = []
    rows: list[int] = []
    for row in range(state.product_rows):
        product: dict[str, Any] = {}
        for key in PRODUCT_FIELDS:
            _put(product, key, v(f"magnesium_products[{row}].{key}"), number=key in NUMERIC)
        if not product.get("form") and "dose_mg" not in product:
            continue  # an untouched row (its selects keep their defaults)
        products.append(product)
        rows.append(row)
    data["magnesium_products"] = products

    _put(data, "route_preference", v("route_preference"))
    return data, Paths(tuple(rows), tuple(n for n, _ in lines))


# --- errors --------------------------------------------------------------------------------

_RANGE = re.compile(
    r"^Must be greater than (or equal to )?(?P<min>[\d.]+) and less than (or equal to )?"
    r"(?P<max>[\d.]+)\.$"
)


def clinician_message(name: str, message: str) -> str:
    """Say marshmallow's standard messages in a clinician's words; pass the schema's own."""
    label, unit = LABELS.get(generic_path(name), (label_for(name), None))
    unit_text = f" {unit}" if unit else ""
    if message == "Missing data for required field.":
        return f"Enter the {label.lower()}." if name != "sex" else "Choose the patient's sex."
    if message == "Not a valid integer.":
        return f"Enter {label.lower()} as a whole number{unit_text and ' of' + unit_text}."
    if message == "Not a valid number.":
        return (
            f"Enter {label.lower()} as a number, digits only with a decimal point if needed "
            "(2500, not 2,500)."
        )
    match = _RANGE.match(message)
    if match:
        low = "more than " if not match[1] else "from "
        high = " to at most " if not match[3] else " to "
        return f"{label} must be {low}{match['min']}{high}{match['max']}{unit_text}."
    if message.startswith("Must be one of:"):
        return f"Choose one of the listed options for {label.lower()}."
    if message.startswith("Unknown token"):
        return "A ticked item is not recognised; reload the form and tick it again."
    longest = re.match(r"^Longer than maximum length (\d+)\.$", message)
    if longest and name in LISTS:
        return f"Enter at most {longest[1]} {label.lower()}."
    if longest:
        return f"{label} is too long: at most {longest[1]} characters."
    return message  # the schema's own messages are written for people already


@dataclass(frozen=True)
class FieldError:
    name: str  # the input (or fieldset) it belongs beside
    label: str
    message: str


def map_errors(messages: Mapping[str, Any] | list[Any], paths: Paths) -> list[FieldError]:
    """Turn marshmallow's messages into errors named by the form's inputs."""
    return [_map_one(e["field"], e["message"], paths) for e in field_errors(messages)]


def map_error(path: str, message: str, paths: Paths) -> list[FieldError]:
    """The same for one error the knowledge base raised (`ProfileError.field`)."""
    return [_map_one(path, message[:1].upper() + message[1:], paths)]


def _map_one(path: str, message: str, paths: Paths) -> FieldError:
    name = path
    prefix = ""
    product = re.match(r"^magnesium_products\[(\d+)\](.*)$", path)
    medication = re.match(r"^medications\[(\d+)\]", path)
    if product:
        index = int(product[1])
        row = paths.product_rows[index] if index < len(paths.product_rows) else index
        name = f"magnesium_products[{row}]{product[2]}"
        if generic_path(name) not in LABELS:  # the row as a whole
            name = f"magnesium_products[{row}].form"
    elif medication:
        index = int(medication[1])
        line = paths.medication_lines[index] if index < len(paths.medication_lines) else index + 1
        name, prefix = "medications", f"Line {line}: "
    elif path in ("kidney", "kidney.creatinine", "serum_magnesium", "back_pain", "(body)"):
        name = {
            "kidney": "kidney.egfr",
            "kidney.creatinine": "kidney.creatinine.value",
            "serum_magnesium": "serum_magnesium.value",
            "back_pain": "back_pain.onset",
            "(body)": "age",
        }[path]
    label = label_for(name)
    if product:
        label = f"Product {int(name.split('[')[1].split(']')[0]) + 1}, {label.lower()}"
    return FieldError(name, label, prefix + clinician_message(name, message))


def errors_by_name(errors: Iterable[FieldError]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for e in errors:
        out.setdefault(e.name, []).append(e.message)
    return out
