"""The CDS Hooks 2.0 response shapes, checked field by field (spec: CDS Service Response)."""

from __future__ import annotations

import uuid
from typing import Any

CARD_FIELDS = {
    "uuid",
    "summary",
    "detail",
    "indicator",
    "source",
    "suggestions",
    "selectionBehavior",
    "overrideReasons",
    "links",
    "extension",
}
SOURCE_FIELDS = {"label", "url", "icon", "topic", "extension"}
SUGGESTION_FIELDS = {"label", "uuid", "isRecommended", "actions", "extension"}
ACTION_FIELDS = {"type", "description", "resource", "resourceId", "extension"}


def assert_no_null_or_empty(value: Any, path: str = "$") -> None:
    """The spec: null, "", [] and {} are prohibited (except an empty cards array)."""
    if isinstance(value, dict):
        assert value != {} or path == "$", f"{path} is an empty object"
        for key, item in value.items():
            assert item is not None, f"{path}.{key} is null"
            assert item not in ("", [], {}), f"{path}.{key} is empty"
            assert_no_null_or_empty(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            assert_no_null_or_empty(item, f"{path}[{i}]")


def assert_coding(coding: dict[str, Any], path: str, display_required: bool) -> None:
    assert set(coding) <= {"system", "code", "display"}, path
    assert isinstance(coding["code"], str) and coding["code"], path
    assert isinstance(coding["system"], str) and coding["system"], path
    if display_required:
        assert isinstance(coding["display"], str) and coding["display"], path


def assert_card(card: dict[str, Any]) -> None:
    """One card, against the spec's Card attributes table."""
    assert set(card) <= CARD_FIELDS, set(card) - CARD_FIELDS
    uuid.UUID(card["uuid"])  # OPTIONAL for the spec; we always send one (feedback needs it)
    assert isinstance(card["summary"], str) and 0 < len(card["summary"]) < 140
    assert card["indicator"] in ("info", "warning", "critical")
    if "detail" in card:
        assert isinstance(card["detail"], str)
    source = card["source"]
    assert set(source) <= SOURCE_FIELDS
    assert isinstance(source["label"], str) and source["label"]
    if "url" in source:
        assert source["url"].startswith("https://")
    if "topic" in source:
        assert_coding(source["topic"], "source.topic", display_required=False)
    if "suggestions" in card:
        assert card["selectionBehavior"] in ("at-most-one", "any")
        recommended = 0
        for suggestion in card["suggestions"]:
            assert set(suggestion) <= SUGGESTION_FIELDS
            assert isinstance(suggestion["label"], str) and suggestion["label"]
            uuid.UUID(suggestion["uuid"])
            recommended += bool(suggestion.get("isRecommended"))
            for action in suggestion.get("actions", []):
                assert set(action) <= ACTION_FIELDS
                assert action["type"] in ("create", "update", "delete")
                assert isinstance(action["description"], str) and action["description"]
                if action["type"] in ("create", "update"):
                    assert (
                        isinstance(action["resource"], dict) and action["resource"]["resourceType"]
                    )
                else:
                    assert "/" in action["resourceId"]
        if card["selectionBehavior"] == "at-most-one":
            assert recommended <= 1
    else:
        assert "selectionBehavior" not in card
    for i, reason in enumerate(card.get("overrideReasons", [])):
        assert_coding(reason, f"overrideReasons[{i}]", display_required=True)


def assert_response(body: dict[str, Any]) -> None:
    """A whole service response: cards (required), optional systemActions and extension."""
    assert set(body) <= {"cards", "systemActions", "extension"}
    assert isinstance(body["cards"], list)
    for card in body["cards"]:
        assert_card(card)
    assert_no_null_or_empty({k: v for k, v in body.items() if k != "cards"})
    for card in body["cards"]:
        assert_no_null_or_empty(card)
    uuids = [c["uuid"] for c in body["cards"]]
    assert len(uuids) == len(set(uuids))
