"""The patient profile as clients send it: validated strictly, loaded into `rules.Profile`."""

from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from rules.data.forms import ELEMENTAL_FRACTION, normalise_form
from rules.data.limits import CREATININE_UMOL_L_PER_MG_DL
from rules.data.tokens import ALL_TOKENS, CONDITION_TOKENS
from rules.model import (
    BackPain,
    Creatinine,
    Kidney,
    LabValue,
    MagnesiumProduct,
    Medication,
    Profile,
)
from service.schemas.fields import StrictBoolean, StrictInteger, StrictNumber, StrictString

MAX_MEDICATIONS = 100
MAX_PRODUCTS = 20
MAX_TOKENS = 60
MAX_TEXT = 500
KNOWN_FORMS = sorted(ELEMENTAL_FRACTION)


class _Strict(Schema):
    class Meta:
        unknown = RAISE


# µ (micro sign), μ (Greek mu) and "u" all mean micro; one spelling goes to the rules.
CREATININE_UNITS = {"mg/dL": "mg/dL", "µmol/L": "µmol/L", "μmol/L": "µmol/L", "umol/L": "µmol/L"}
CREATININE_MAX_MG_DL = 40.0  # far above any survivable value; catches unit mix-ups


class CreatinineSchema(_Strict):
    value = StrictNumber(
        required=True,
        validate=validate.Range(min=0, min_inclusive=False),
        metadata={"description": "Serum creatinine in the unit given"},
    )
    unit = fields.String(
        required=True,
        validate=validate.OneOf(list(CREATININE_UNITS)),
        metadata={"description": "mg/dL or µmol/L (1 mg/dL = 88.42 µmol/L)"},
    )

    @validates_schema
    def check_range(self, data: dict[str, Any], **_: Any) -> None:
        unit, value = CREATININE_UNITS.get(data.get("unit", "")), data.get("value")
        if unit is None or value is None:
            return
        per_mg_dl = 1.0 if unit == "mg/dL" else CREATININE_UMOL_L_PER_MG_DL
        if value > CREATININE_MAX_MG_DL * per_mg_dl:
            raise ValidationError(
                {"value": [f"Must be at most {CREATININE_MAX_MG_DL * per_mg_dl:g} {unit}."]}
            )

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> Creatinine:
        return Creatinine(value=data["value"], unit=CREATININE_UNITS[data["unit"]])  # type: ignore[arg-type]


class KidneySchema(_Strict):
    egfr = StrictNumber(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=200),
        metadata={"description": "eGFR in mL/min/1.73 m²; null or absent when unknown"},
    )
    dialysis = StrictBoolean(load_default=False)
    creatinine = fields.Nested(
        CreatinineSchema,
        load_default=None,
        allow_none=True,
        metadata={
            "description": "Serum creatinine: with age 18 or over and no eGFR, eGFR is "
            "estimated (CKD-EPI 2021); with weight_kg, creatinine clearance (Cockcroft–Gault)"
        },
    )

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> Kidney:
        return Kidney(**data)


class SerumMagnesiumSchema(_Strict):
    value = StrictNumber(required=True, validate=validate.Range(min=0, max=50))
    unit = fields.String(required=True, validate=validate.OneOf(["mg/dL", "mmol/L", "mEq/L"]))

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> LabValue:
        return LabValue(**data)


class BackPainSchema(_Strict):
    onset = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(["sudden", "gradual"])
    )
    severity = StrictInteger(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=10),
        metadata={"description": "0–10 numeric rating scale; 7 or more is severe"},
    )
    radiating = StrictBoolean(load_default=False)
    duration_weeks = StrictNumber(
        load_default=None, allow_none=True, validate=validate.Range(min=0, max=5200)
    )

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> BackPain:
        pain = BackPain(**data)
        # An object with no details still says there is back pain (CLINICAL.md §6: a child
        # under 5 is referred). Only then is `reported` set, so a profile with details keeps
        # the plain form (and audit hash) it had before the field existed.
        return pain if pain.described else BackPain(**data, reported=True)


class MedicationSchema(_Strict):
    name = StrictString(required=True, validate=validate.Length(min=1, max=MAX_TEXT))
    rxnorm = StrictString(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^\d{1,12}$", error="An RxNorm code is digits only."),
        metadata={"description": "RxNorm ingredient or product code (RxCUI)"},
    )

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> Medication:
        return Medication(**data)


class MagnesiumProductSchema(_Strict):
    form = StrictString(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Magnesium salt: " + ", ".join(KNOWN_FORMS)},
    )
    route = fields.String(load_default="oral", validate=validate.OneOf(["oral", "topical"]))
    dose_mg = StrictNumber(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=100_000, min_inclusive=False),
        metadata={"description": "mg per dose; required for oral products"},
    )
    dose_basis = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(["elemental", "compound"])
    )
    times_per_day = StrictInteger(load_default=1, validate=validate.Range(min=1, max=24))
    purpose = fields.String(
        load_default=None,
        validate=validate.OneOf(["supplement", "antacid_laxative"]),
        metadata={
            "description": "supplement or antacid_laxative; when not given, magnesium "
            "hydroxide (milk of magnesia) is antacid_laxative and other forms supplement "
            "(CLINICAL.md §2 v2)"
        },
    )

    @validates_schema
    def check_dose(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("route", "oral") != "oral":
            return
        errors: dict[str, list[str]] = {}
        if data.get("dose_mg") is None:
            errors["dose_mg"] = ["Required for an oral product."]
        if data.get("dose_basis") is None:
            errors["dose_basis"] = ["Required for an oral product: elemental or compound."]
        form = normalise_form(data.get("form", ""))
        if data.get("dose_basis") == "compound" and form not in ELEMENTAL_FRACTION:
            errors["form"] = [
                f"Cannot convert a compound dose of magnesium {data.get('form')!r}: its "
                "elemental fraction is unknown. Give the elemental dose from the label, or one "
                "of: " + ", ".join(KNOWN_FORMS) + "."
            ]
        if errors:
            raise ValidationError(errors)

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> MagnesiumProduct:
        form = normalise_form(data["form"])
        purpose = data.get("purpose") or (
            "antacid_laxative" if form == "hydroxide" else "supplement"
        )
        return MagnesiumProduct(**{**data, "form": form, "purpose": purpose})


def _vocabulary(allowed: frozenset[str]):
    def check(value: list[str]) -> None:
        unknown = [t for t in value if t not in allowed]
        if unknown:
            raise ValidationError(
                f"Unknown token(s): {', '.join(unknown)}. Allowed: {', '.join(sorted(allowed))}."
            )

    return check


_tokens = _vocabulary(ALL_TOKENS)
_conditions = _vocabulary(CONDITION_TOKENS)


class ProfileSchema(_Strict):
    """A patient with back pain who is considering magnesium."""

    age = StrictInteger(
        required=True,
        validate=validate.Range(min=0, max=120),
        metadata={"description": "Age in whole years (0–120)"},
    )
    sex = fields.String(
        required=True, validate=validate.OneOf(["female", "male", "other", "unknown"])
    )
    pregnant = StrictBoolean(load_default=False)
    lactating = StrictBoolean(load_default=False)
    kidney = fields.Nested(KidneySchema, load_default=None, allow_none=True)
    serum_magnesium = fields.Nested(SerumMagnesiumSchema, load_default=None, allow_none=True)
    back_pain = fields.Nested(BackPainSchema, load_default=None, allow_none=True)
    red_flags = fields.List(
        fields.String(metadata={"enum": sorted(ALL_TOKENS)}),
        load_default=list,
        validate=[validate.Length(max=MAX_TOKENS), _tokens],
        metadata={"description": "Red-flag tokens (CLINICAL.md §6)"},
    )
    symptoms = fields.List(
        fields.String(metadata={"enum": sorted(ALL_TOKENS)}),
        load_default=list,
        validate=[validate.Length(max=MAX_TOKENS), _tokens],
        metadata={"description": "Symptom tokens (CLINICAL.md §4, §7, §11, constipation)"},
    )
    conditions = fields.List(
        fields.String(metadata={"enum": sorted(CONDITION_TOKENS)}),
        load_default=list,
        validate=[validate.Length(max=MAX_TOKENS), _conditions],
        metadata={
            "description": "Condition tokens (CLINICAL.md §11): "
            + ", ".join(sorted(CONDITION_TOKENS))
        },
    )
    weight_kg = StrictNumber(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=500, min_inclusive=False),
        metadata={"description": "Body weight in kg; with creatinine, Cockcroft–Gault clearance"},
    )
    medications = fields.List(
        fields.Nested(MedicationSchema),
        load_default=list,
        validate=validate.Length(max=MAX_MEDICATIONS),
    )
    magnesium_products = fields.List(
        fields.Nested(MagnesiumProductSchema),
        load_default=list,
        validate=validate.Length(max=MAX_PRODUCTS),
    )
    route_preference = fields.String(
        load_default="any", validate=validate.OneOf(["oral", "topical", "any"])
    )

    @validates_schema
    def check_population(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("pregnant") and data.get("sex") == "male":
            raise ValidationError({"pregnant": ["A male patient cannot be pregnant; check sex."]})

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> Profile:
        return Profile(
            age=data["age"],
            sex=data["sex"],
            pregnant=data["pregnant"],
            lactating=data["lactating"],
            kidney=data["kidney"] or Kidney(),
            serum_magnesium=data["serum_magnesium"],
            back_pain=data["back_pain"] or BackPain(),
            red_flags=frozenset(data["red_flags"]),
            symptoms=frozenset(data["symptoms"]),
            medications=tuple(data["medications"]),
            magnesium_products=tuple(data["magnesium_products"]),
            route_preference=data["route_preference"],
            weight_kg=data["weight_kg"],
            conditions=frozenset(data["conditions"]),
        )


# Loading is stateless, so one instance serves every request: building a schema deep-copies
# its fields, which cost more than the knowledge base's own evaluation.
PROFILE_SCHEMA = ProfileSchema()
