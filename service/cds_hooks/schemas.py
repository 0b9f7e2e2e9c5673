"""The CDS Hooks 2.0 request and feedback bodies, as marshmallow schemas.

Unknown members are kept (the spec lets clients add extensions); the members this
service reads are checked, and an error names the member (OperationOutcome expression).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from marshmallow import (
    INCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

MAX_FEEDBACK_ITEMS = 200
NON_EMPTY = validate.Length(min=1)


class _Open(Schema):
    class Meta:
        unknown = INCLUDE


class FhirAuthorizationSchema(_Open):
    access_token = fields.String(required=True, validate=NON_EMPTY)
    token_type = fields.String()
    expires_in = fields.Integer()
    scope = fields.String()
    subject = fields.String()


class BundleField(fields.Dict):
    """A FHIR Bundle, kept as JSON (the FHIR reading checks its entries)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        bundle = super()._deserialize(value, attr, data, **kwargs)
        if bundle.get("resourceType") != "Bundle":
            raise ValidationError("The draft orders are required, as a FHIR Bundle.")
        return bundle


class ContextSchema(_Open):
    patientId = fields.String(
        required=True,
        validate=NON_EMPTY,
        error_messages={"required": "The patient's FHIR id is required."},
    )
    userId = fields.String()
    encounterId = fields.String()
    selections = fields.List(fields.String(validate=NON_EMPTY))
    draftOrders = BundleField()

    @post_load
    def _plain_ids(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        # Some clients send the reference ("Patient/p1") where the spec has the id ("p1").
        data["patientId"] = data["patientId"].removeprefix("Patient/")
        if "encounterId" in data:
            data["encounterId"] = data["encounterId"].removeprefix("Encounter/")
        return data


class HookRequestSchema(_Open):
    hook = fields.String(required=True, validate=NON_EMPTY)
    hookInstance = fields.String(
        required=True,
        validate=NON_EMPTY,
        error_messages={"required": "A hookInstance (UUID) is required."},
    )
    fhirServer = fields.String(validate=NON_EMPTY)
    fhirAuthorization = fields.Nested(FhirAuthorizationSchema, allow_none=True)
    context = fields.Nested(
        ContextSchema, required=True, error_messages={"required": "A context object is required."}
    )
    prefetch = fields.Dict(keys=fields.String())

    @validates_schema
    def _server_with_token(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("fhirAuthorization") and not data.get("fhirServer"):
            raise ValidationError("fhirServer is required with fhirAuthorization.", "fhirServer")


class OutcomeTimestamp(fields.Field):
    """An ISO 8601 instant (UTC when no offset) or a date (HAPI sends '2020-12-16'), in one
    spelling so a resent item is recognised."""

    default_error_messages = {"invalid": "Must be an ISO 8601 date-time or date."}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        try:
            if "T" in value:
                moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            else:
                day = date.fromisoformat(value)
                moment = datetime(day.year, day.month, day.day)
        except ValueError:
            raise self.make_error("invalid") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # the spec says UTC
        try:
            utc = moment.astimezone(UTC)
        except OverflowError:
            # 9999-12-31T23:59:59-05:00 is past the last moment Python holds in UTC.
            raise self.make_error("invalid") from None
        return utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class CodingSchema(_Open):
    code = fields.String(required=True, validate=NON_EMPTY)
    system = fields.String()
    display = fields.String()


class OverrideReasonSchema(_Open):
    reason = fields.Nested(CodingSchema)
    userComment = fields.String()

    @validates_schema
    def _something(self, data: dict[str, Any], **_: Any) -> None:
        if "reason" not in data and "userComment" not in data:
            raise ValidationError("Give a reason Coding and/or a userComment.")


class AcceptedSuggestionSchema(_Open):
    id = fields.String(required=True, validate=NON_EMPTY)


class FeedbackItemSchema(_Open):
    card = fields.String(
        required=True,
        validate=NON_EMPTY,
        error_messages={"required": "The card's uuid is required."},
    )
    outcome = fields.String(required=True, validate=validate.OneOf(("accepted", "overridden")))
    outcomeTimestamp = OutcomeTimestamp(required=True)
    acceptedSuggestions = fields.List(fields.Nested(AcceptedSuggestionSchema))
    overrideReason = fields.Nested(
        OverrideReasonSchema,
        error_messages={"type": "Must hold a reason Coding and/or a userComment."},
    )

    @validates_schema
    def _accepted_names_suggestions(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("outcome") == "accepted" and not data.get("acceptedSuggestions"):
            raise ValidationError(
                "List the accepted suggestions' ids (acceptedSuggestions).", "acceptedSuggestions"
            )


class FeedbackSchema(_Open):
    feedback = fields.List(
        fields.Nested(FeedbackItemSchema),
        required=True,
        validate=validate.Length(
            min=1, max=MAX_FEEDBACK_ITEMS, error="Send 1 to {max} feedback items."
        ),
    )


HOOK_REQUEST_SCHEMA = HookRequestSchema()
FEEDBACK_SCHEMA = FeedbackSchema()
