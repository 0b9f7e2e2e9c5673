"""The recommendation as clients receive it (dumped from `rules.Recommendation`)."""

from marshmallow import Schema, fields

from service.schemas.compiled import compile_dump


class SourceSchema(Schema):
    key = fields.String(metadata={"description": "Source key, e.g. IOM97 or LABEL-CIPRO"})
    title = fields.String()
    locator = fields.String(metadata={"description": "Page, section or table row"})
    url = fields.String(allow_none=True)


class RuleRefSchema(Schema):
    id = fields.String()
    version = fields.String()


class FindingSchema(Schema):
    code = fields.String(metadata={"description": "Stable finding code, e.g. kidney.severe"})
    category = fields.String()
    severity = fields.String(metadata={"description": "critical, warning or info"})
    effect = fields.String(metadata={"description": "refer, avoid, caution or info"})
    urgency = fields.String(allow_none=True)
    title = fields.String()
    explanation = fields.String()
    action = fields.String()
    evidence = fields.Dict(metadata={"description": "The profile values that triggered it"})
    details = fields.Dict()
    sources = fields.List(fields.Nested(SourceSchema))
    rule = fields.Nested(RuleRefSchema)
    counterfactual = fields.Dict(
        allow_none=True,
        metadata={
            "description": "What would change this answer: `text`, `changeable`, `options` "
            "(each a list of `changes`: input, now, set) and `fixed` inputs; given for the "
            "findings that decide the answer (effect = disposition), null for the others"
        },
    )


class SeparationSchema(Schema):
    drug = fields.String()
    drug_before_magnesium_hours = fields.Float(allow_none=True)
    drug_after_magnesium_hours = fields.Float(allow_none=True)
    note = fields.String(allow_none=True)


class PlanSchema(Schema):
    form = fields.String()
    route = fields.String()
    max_supplemental_elemental_mg_per_day = fields.Float()
    separations = fields.List(fields.Nested(SeparationSchema))
    monitoring = fields.List(fields.String())
    dosing = fields.String(
        metadata={
            "description": "self_care, or clinician_directed (the ceiling is an upper "
            "bound for the clinician, not a dose to take)"
        }
    )
    ceiling_label = fields.String(
        metadata={"description": "What max_supplemental_elemental_mg_per_day limits, in words"}
    )
    notes = fields.List(fields.String(), metadata={"description": "Sentences shown with the plan"})


class ReferralSchema(Schema):
    urgency = fields.String(metadata={"description": "emergency, urgent or prompt"})
    reasons = fields.List(fields.String())


class ProductIntakeSchema(Schema):
    form = fields.String()
    route = fields.String()
    purpose = fields.String()
    dose_mg = fields.Float(allow_none=True)
    dose_basis = fields.String(allow_none=True)
    times_per_day = fields.Integer()
    elemental_fraction = fields.Float(allow_none=True)
    elemental_mg_per_day = fields.Float(
        allow_none=True, metadata={"description": "None when the amount is unknown"}
    )
    counted_toward_upper_limit = fields.Boolean()
    dose_known = fields.Boolean()
    arithmetic = fields.String(
        metadata={"description": "How the figure was reached, e.g. 1000 mg compound × 0.141"}
    )
    source = fields.String(metadata={"description": "profile or medication list"})
    name = fields.String(allow_none=True, metadata={"description": "Medication text read"})


class IntakeSchema(Schema):
    supplemental_elemental_mg_per_day = fields.Float()
    antacid_laxative_elemental_mg_per_day = fields.Float()
    upper_limit_mg = fields.Float(allow_none=True)
    rda_mg = fields.Float(allow_none=True)
    products = fields.List(fields.Nested(ProductIntakeSchema))
    excess_mg_per_day = fields.Float(
        metadata={"description": "Oral intake over the upper limit (0 when not over)"}
    )
    over_upper_limit = fields.Boolean()


class KnowledgeBaseRunSchema(Schema):
    version = fields.String()
    rules_evaluated = fields.Integer()
    rules_fired = fields.List(fields.String())


class NotCheckedSchema(Schema):
    kind = fields.String(
        metadata={"description": "medication, code, unit, value, resource or input"}
    )
    item = fields.String(metadata={"description": "What was not checked, as a reader knows it"})
    reason = fields.String()


class RecommendationSchema(Schema):
    evaluation_id = fields.String()
    disposition = fields.String(metadata={"description": "refer, avoid, caution or suitable"})
    summary = fields.String()
    findings = fields.List(fields.Nested(FindingSchema))
    plan = fields.Nested(PlanSchema, allow_none=True)
    referral = fields.Nested(ReferralSchema, allow_none=True)
    intake = fields.Nested(IntakeSchema)
    knowledge_base = fields.Nested(KnowledgeBaseRunSchema)
    not_checked = fields.List(
        fields.Nested(NotCheckedSchema),
        metadata={"description": "What could not be checked (CLINICAL.md §13)"},
    )


class CatalogEntrySchema(Schema):
    id = fields.String()
    version = fields.String()
    code = fields.String()
    category = fields.String()
    severity = fields.String()
    effect = fields.String()
    title = fields.String()
    sources = fields.List(fields.Nested(SourceSchema))
    # Governance (issue 14): what a reviewer checks a rule against.
    urgency = fields.String(allow_none=True)
    fact_kind = fields.String(metadata={"description": "profile or medication"})
    condition = fields.String(metadata={"description": "The compiled condition in words"})
    fingerprint = fields.String(metadata={"description": "SHA-256 recorded in versions.json"})
    scenarios = fields.List(
        fields.String(), metadata={"description": "Ids of the test scenarios it fires in"}
    )


class KnowledgeBaseSchema(Schema):
    version = fields.String()
    rules = fields.List(fields.Nested(CatalogEntrySchema))


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String()
    errors = fields.List(fields.Dict(), metadata={"description": "One entry per bad field"})


# RecommendationSchema compiled once: the same JSON as its dump, a fifth of the time.
_DUMP_RECOMMENDATION = compile_dump(RecommendationSchema)


def dump_recommendation(recommendation) -> dict:
    """Return the JSON form of a `rules.Recommendation` (one rendering for every edge)."""
    return _DUMP_RECOMMENDATION(recommendation)
