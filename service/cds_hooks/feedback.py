"""POST /cds-services/{id}/feedback: what the clinician did with a card, kept in the audit store.

Each item is linked to the evaluation that made its card (the card was recorded when it
was issued). Sending the same item again (same card, outcome and outcomeTimestamp)
stores nothing new: feedback is idempotent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from service.audit.store import AuditStore
from service.cds_hooks.errors import CdsHooksError

OUTCOMES = ("accepted", "overridden")
MAX_ITEMS = 200


def record_feedback(
    store: AuditStore, service_id: str, body: Any, caller: str | None
) -> dict[str, int]:
    """Validate every item, then store them; return how many were received and newly stored."""
    if (
        not isinstance(body, Mapping)
        or not isinstance(body.get("feedback"), list)
        or not body["feedback"]
    ):
        raise CdsHooksError(
            400,
            "The body must be an object with a non-empty `feedback` array.",
            expressions=["feedback"],
        )
    items = body["feedback"]
    if len(items) > MAX_ITEMS:
        raise CdsHooksError(
            400, f"At most {MAX_ITEMS} feedback items per call.", expressions=["feedback"]
        )
    rows = [_row(store, service_id, i, item, caller) for i, item in enumerate(items)]
    recorded = sum(store.record_feedback(row) for row in rows)
    return {"received": len(rows), "recorded": recorded}


def _row(store: AuditStore, service_id: str, index: int, item: Any, caller: str | None) -> dict:
    where = f"feedback[{index}]"
    if not isinstance(item, Mapping):
        raise CdsHooksError(400, f"{where} must be an object.", expressions=[where])
    card_uuid, outcome = item.get("card"), item.get("outcome")
    if not isinstance(card_uuid, str) or not card_uuid:
        raise CdsHooksError(
            400, f"{where}.card must be the card's uuid.", expressions=[f"{where}.card"]
        )
    if outcome not in OUTCOMES:
        raise CdsHooksError(
            400,
            f"{where}.outcome must be accepted or overridden.",
            expressions=[f"{where}.outcome"],
        )
    timestamp = _utc(item.get("outcomeTimestamp"))
    if timestamp is None:
        raise CdsHooksError(
            400,
            f"{where}.outcomeTimestamp must be an ISO 8601 date-time.",
            expressions=[f"{where}.outcomeTimestamp"],
        )
    accepted = item.get("acceptedSuggestions")
    if outcome == "accepted" and not _accepted_suggestions(accepted):
        raise CdsHooksError(
            400,
            f"{where}.acceptedSuggestions must list the accepted suggestions' ids.",
            expressions=[f"{where}.acceptedSuggestions"],
        )
    reason = item.get("overrideReason")
    if reason is not None and not _override_reason(reason):
        raise CdsHooksError(
            400,
            f"{where}.overrideReason must hold a reason Coding and/or a userComment.",
            expressions=[f"{where}.overrideReason"],
        )
    card = store.card(card_uuid)
    if card is None or card["service_id"] != service_id:
        raise CdsHooksError(
            422, f"{where}.card was not issued by this service.", expressions=[f"{where}.card"]
        )
    return {
        "card_uuid": card_uuid,
        "evaluation_id": card["evaluation_id"],
        "service_id": service_id,
        "outcome": outcome,
        "outcome_timestamp": timestamp,
        "override_reason": reason,
        "accepted_suggestions": accepted if outcome == "accepted" else None,
        "caller": caller,
    }


def _utc(value: Any) -> str | None:
    """The timestamp in one spelling (UTC, seconds), so a resent item is recognised."""
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # the spec says UTC
        utc = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        # OverflowError: 9999-12-31T23:59:59-05:00 is past the last moment Python can hold
        # in UTC; an unusable timestamp is refused like any other.
        return None
    return utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _accepted_suggestions(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(s, Mapping) and isinstance(s.get("id"), str) and s["id"] for s in value)
    )


def _override_reason(value: Any) -> bool:
    if not isinstance(value, Mapping):
        return False
    reason, comment = value.get("reason"), value.get("userComment")
    reason_ok = reason is None or (
        isinstance(reason, Mapping) and isinstance(reason.get("code"), str)
    )
    comment_ok = comment is None or isinstance(comment, str)
    return reason_ok and comment_ok and (reason is not None or comment is not None)
