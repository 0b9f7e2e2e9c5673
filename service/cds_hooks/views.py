"""The CDS Hooks routes: discovery, the services, and feedback."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Blueprint, g, jsonify, request
from marshmallow import ValidationError

from rules.errors import ProfileError
from service.api import strict_json
from service.audit import audit_store
from service.cds_hooks import auth, errors
from service.cds_hooks.cards import IssuedCard, deceased_card, not_evaluable_card, render_cards
from service.cds_hooks.errors import CdsHooksError
from service.cds_hooks.feedback import record_feedback
from service.cds_hooks.fhir import DataNote, MappedPatient, map_patient
from service.cds_hooks.prefetch import Prefetched, resolve
from service.cds_hooks.schemas import HOOK_REQUEST_SCHEMA
from service.cds_hooks.services import SERVICES, CdsService
from service.evaluation import evaluate_profile
from service.schemas import PROFILE_SCHEMA

blp = Blueprint("cds_hooks", __name__, url_prefix="/cds-services")
blp.before_request(auth.authenticate)
errors.register(blp)

EXTENSION_PREFIX = "org.magnesium-cds"
INTERACTIONS = ("interaction.",)


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
    context = hook_request["context"]
    drafts = context.get("draftOrders") if service.reads_draft_orders else None
    selections = context.get("selections") if service.hook == "order-select" else None
    mapped = map_patient(fetched.values, drafts, selections=selections)
    _say_incomplete_lists(mapped, fetched)
    if mapped.deceased:
        return _answer([deceased_card()], mapped)
    only = _order_select_scope(mapped) if service.hook == "order-select" else None
    if only == ():
        return jsonify({"cards": []})  # no medication selected yet: nothing to advise on
    try:
        # What the reading could not use travels with the profile, so the recommendation
        # (its summary, the audit) carries it too (CLINICAL.md §13).
        profile = replace(PROFILE_SCHEMA.load(mapped.profile), not_checked=mapped.not_checked())
        recommendation = evaluate_profile(profile, "cds-hooks", caller=g.get("caller"))
    except ValidationError as error:
        problems = [f"{e['field']}: {e['message']}" for e in errors.field_errors(error.messages)]
        return _answer([not_evaluable_card(problems, mapped.notes)], mapped)
    except ProfileError as error:
        return _answer([not_evaluable_card([error.message], mapped.notes)], mapped)
    if only == INTERACTIONS and not any(p.route == "oral" for p in recommendation.intake.products):
        return jsonify({"cards": []})  # another drug selected, and no magnesium taken by mouth
    issued = render_cards(
        recommendation, mapped, suggest_order_changes=service.reads_draft_orders, only=only
    )
    audit_store().record_cards(
        recommendation.evaluation_id, service.id, [(c.card["uuid"], c.finding_code) for c in issued]
    )
    evaluation = {
        "evaluationId": recommendation.evaluation_id,
        "disposition": recommendation.disposition,
        "knowledgeBaseVersion": recommendation.knowledge_base.version,
    }
    return _answer(issued, mapped, evaluation)


def _order_select_scope(mapped: MappedPatient) -> tuple[str, ...] | None:
    """What order-select advises on: everything (None), interactions only, or nothing (())."""
    if mapped.selected_drafts == 0:
        return ()  # no selected medication order yet (the order screen just opened)
    if any(o.selected for o in mapped.draft_orders):
        return None  # a magnesium order is selected: the full check
    if len(mapped.selected_medications) < mapped.selected_drafts:
        return None  # a selected order was not fully read: its notes must be shown
    # Only other drugs selected: their interactions with the magnesium the patient takes
    # (supplements, or medicines in the medication list: known after the evaluation).
    return INTERACTIONS


def _answer(
    issued: list[IssuedCard],
    mapped: MappedPatient,
    evaluation: dict[str, Any] | None = None,
):
    extension: dict[str, Any] = {}
    if evaluation:
        extension[f"{EXTENSION_PREFIX}.evaluation"] = evaluation
    if mapped.notes:
        extension[f"{EXTENSION_PREFIX}.unmapped"] = [
            {"source": n.source, "text": n.text, "affectsSafety": n.affects_safety}
            for n in mapped.notes
        ]
    body: dict[str, Any] = {"cards": [c.card for c in issued]}
    if extension:
        body["extension"] = extension
    return jsonify(body)


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
    if not isinstance(body, dict):
        raise CdsHooksError(400, "The body must be a CDS Hooks request object.")
    try:
        hook_request: dict[str, Any] = HOOK_REQUEST_SCHEMA.load(body)
    except ValidationError as error:
        problems = errors.field_errors(error.messages)
        raise CdsHooksError(
            400,
            *[f"{p['field']}: {p['message']}" for p in problems],
            expressions=[p["field"] for p in problems],
        ) from None
    wrong: list[tuple[str, str]] = []
    if hook_request["hook"] != service.hook:
        wrong.append(("hook", f"This service answers the {service.hook!r} hook."))
    if service.reads_draft_orders and "draftOrders" not in hook_request["context"]:
        wrong.append(("context.draftOrders", "The draft orders are required, as a FHIR Bundle."))
    if wrong:
        raise CdsHooksError(400, *(t for _, t in wrong), expressions=[p for p, _ in wrong])
    return hook_request


def _say_incomplete_lists(mapped: MappedPatient, fetched: Prefetched) -> None:
    """A list read only in part (paging) is said once, with the fetch's own reason.

    The reading notes a page left unread from the Bundle alone; where the fetch knows why it
    stopped (another origin, the page cap, no fhirServer), its reason replaces that note.
    """
    sources = {f"prefetch {key}" for key in fetched.incomplete}
    mapped.notes[:] = [
        n
        for n in mapped.notes
        if not (n.source in sources and n.text.startswith("the list is incomplete"))
    ]
    mapped.notes.extend(
        DataNote(f"prefetch {key}", f"the list is incomplete ({why})", affects_safety=True)
        for key, why in sorted(fetched.incomplete.items())
    )
