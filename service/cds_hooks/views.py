"""The CDS Hooks routes: discovery, the services, and feedback."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, g, jsonify, request
from marshmallow import ValidationError

from service.api import strict_json
from service.audit import audit_store
from service.cds_hooks import auth, errors
from service.cds_hooks.cards import render_cards
from service.cds_hooks.errors import CdsHooksError
from service.cds_hooks.feedback import record_feedback
from service.cds_hooks.fhir_mapping import DataNote, MappedPatient, map_patient
from service.cds_hooks.prefetch import Prefetched, resolve
from service.cds_hooks.services import SERVICES, CdsService
from service.evaluation import evaluate_profile
from service.schemas import PROFILE_SCHEMA

blp = Blueprint("cds_hooks", __name__, url_prefix="/cds-services")
blp.before_request(auth.authenticate)
errors.register(blp)

EXTENSION_PREFIX = "org.magnesium-cds"


@blp.get("")
def discovery():
    """List the CDS Services."""
    return jsonify({"services": [s.discovery() for s in SERVICES.values()]})


@blp.post("/<service_id>")
def call_service(service_id: str):
    """Evaluate the patient in the hook request and answer cards."""
    service = _service(service_id)
    hook_request = _hook_request(service)
    fetched = resolve(service.prefetch, hook_request, auth.fetch_policy())
    drafts = hook_request["context"].get("draftOrders") if service.reads_draft_orders else None
    mapped = map_patient(fetched.values, drafts)
    mapped.notes.extend(_incomplete_lists(fetched))
    profile = _load_profile(mapped)
    recommendation = evaluate_profile(profile, "cds-hooks", caller=g.get("caller"))
    issued = render_cards(recommendation, mapped, suggest_order_changes=service.reads_draft_orders)
    audit_store().record_cards(
        recommendation.evaluation_id, service.id, [(c.card["uuid"], c.finding_code) for c in issued]
    )
    extension: dict[str, Any] = {
        f"{EXTENSION_PREFIX}.evaluation": {
            "evaluationId": recommendation.evaluation_id,
            "disposition": recommendation.disposition,
            "knowledgeBaseVersion": recommendation.knowledge_base.version,
        }
    }
    if mapped.notes:
        extension[f"{EXTENSION_PREFIX}.unmapped"] = [
            {"source": n.source, "text": n.text, "affectsSafety": n.affects_safety}
            for n in mapped.notes
        ]
    return jsonify({"cards": [c.card for c in issued], "extension": extension})


@blp.post("/<service_id>/feedback")
def feedback(service_id: str):
    """Store what the clinician did with the cards."""
    service = _service(service_id)
    result = record_feedback(audit_store(), service.id, _json_body(), g.get("caller"))
    return jsonify(result)


def _service(service_id: str) -> CdsService:
    service = SERVICES.get(service_id)
    if service is None:
        raise CdsHooksError(404, f"No CDS Service {service_id!r}; GET /cds-services lists them.")
    return service


def _json_body() -> Any:
    if not request.is_json:
        raise CdsHooksError(415, "Send the request as JSON (Content-Type: application/json).")
    try:
        # The same strict reader as the JSON API: no huge numbers, duplicate keys or NUL.
        return strict_json.loads(request.get_data(cache=True).decode("utf-8"))
    except UnicodeDecodeError:
        raise CdsHooksError(400, "The body is not valid JSON: not UTF-8.") from None
    except strict_json.InvalidJSON as error:
        raise CdsHooksError(400, f"The body is not valid JSON: {error}.") from None


def _hook_request(service: CdsService) -> dict[str, Any]:
    """The request body, checked against the CDS Hooks request shape (400 when it is not one)."""
    body = _json_body()
    if not isinstance(body, Mapping):
        raise CdsHooksError(400, "The body must be a CDS Hooks request object.")
    problems: list[tuple[str, str]] = []
    if body.get("hook") != service.hook:
        problems.append(("hook", f"This service answers the {service.hook!r} hook."))
    if not isinstance(body.get("hookInstance"), str) or not body["hookInstance"]:
        problems.append(("hookInstance", "A hookInstance (UUID) is required."))
    context = body.get("context")
    if not isinstance(context, Mapping):
        problems.append(("context", "A context object is required."))
    else:
        if not isinstance(context.get("patientId"), str) or not context["patientId"]:
            problems.append(("context.patientId", "The patient's FHIR id is required."))
        drafts = context.get("draftOrders")
        if service.reads_draft_orders and not (
            isinstance(drafts, Mapping) and drafts.get("resourceType") == "Bundle"
        ):
            problems.append(
                ("context.draftOrders", "The draft orders are required, as a FHIR Bundle.")
            )
    if "prefetch" in body and not isinstance(body["prefetch"], Mapping):
        problems.append(("prefetch", "prefetch must be an object."))
    if "fhirServer" in body and not isinstance(body["fhirServer"], str):
        problems.append(("fhirServer", "fhirServer must be a URL."))
    authorization = body.get("fhirAuthorization")
    if authorization is not None:
        if not isinstance(authorization, Mapping) or not isinstance(
            authorization.get("access_token"), str
        ):
            problems.append(("fhirAuthorization", "fhirAuthorization must hold an access_token."))
        elif not body.get("fhirServer"):
            problems.append(("fhirServer", "fhirServer is required with fhirAuthorization."))
    if problems:
        raise CdsHooksError(
            400, *(text for _, text in problems), expressions=[p for p, _ in problems]
        )
    return dict(body)


def _load_profile(mapped: MappedPatient):
    """Validate the mapped profile with the API's schema; 422 naming what the record lacks."""
    try:
        return PROFILE_SCHEMA.load(mapped.profile)
    except ValidationError as error:
        notes = [f"{n.source}: {n.text}" for n in mapped.notes if n.affects_safety]
        fields = errors.field_errors(error.messages)
        raise CdsHooksError(
            422,
            *[f"The record cannot be evaluated: {e['field']}: {e['message']}" for e in fields],
            *notes,
            expressions=[e["field"] for e in fields],
        ) from None


def _incomplete_lists(fetched: Prefetched) -> list[DataNote]:
    """A list read only in part (paging) is said, so the checks are marked incomplete."""
    return [
        DataNote(f"prefetch {key}", f"the list is incomplete ({why})", affects_safety=True)
        for key, why in sorted(fetched.incomplete.items())
    ]
