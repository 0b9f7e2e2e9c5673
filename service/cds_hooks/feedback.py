"""POST /cds-services/{id}/feedback: what the clinician did with a card, kept in the audit store.

The body is checked with FeedbackSchema (schemas.py) before anything is stored. Each item
is linked to the evaluation that made its card (the card was recorded when it was
issued). Sending the same item again (same card, outcome and outcomeTimestamp) stores
nothing new: feedback is idempotent.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError

from service.audit.store import AuditStore
from service.cds_hooks.errors import CdsHooksError
from service.cds_hooks.schemas import FEEDBACK_SCHEMA
from service.problems import field_errors


def record_feedback(
    store: AuditStore, service_id: str, body: Any, caller: str | None
) -> dict[str, int]:
    """Validate every item, then store them; return how many were received and newly stored."""
    if not isinstance(body, dict):
        raise CdsHooksError(
            400, "The body must be an object with a `feedback` array.", expressions=["feedback"]
        )
    try:
        items = FEEDBACK_SCHEMA.load(body)["feedback"]
    except ValidationError as error:
        problems = field_errors(error.messages)
        raise CdsHooksError(
            400,
            *[f"{p['field']}: {p['message']}" for p in problems],
            expressions=[p["field"] for p in problems],
        ) from None
    rows = [_row(store, service_id, i, item, caller) for i, item in enumerate(items)]
    recorded = sum(store.record_feedback(row) for row in rows)
    return {"received": len(rows), "recorded": recorded}


def _row(
    store: AuditStore, service_id: str, index: int, item: dict[str, Any], caller: str | None
) -> dict[str, Any]:
    card = store.card(item["card"])
    if card is None or card["service_id"] != service_id:
        where = f"feedback[{index}].card"
        raise CdsHooksError(422, f"{where} was not issued by this service.", expressions=[where])
    accepted = item.get("acceptedSuggestions")
    return {
        "card_uuid": item["card"],
        "evaluation_id": card["evaluation_id"],
        "service_id": service_id,
        "outcome": item["outcome"],
        "outcome_timestamp": item["outcomeTimestamp"],
        "override_reason": item.get("overrideReason"),
        "accepted_suggestions": accepted if item["outcome"] == "accepted" else None,
        "caller": caller,
    }
