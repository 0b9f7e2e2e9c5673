"""The one evaluation path every interface uses: knowledge base, then the evaluation hooks.

Hooks (audit trail, metrics) are registered by their modules' `init_app`; an edge never
re-derives clinical logic, it only builds a `Profile` and renders the `Recommendation`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from flask import Flask, current_app

from rules import KnowledgeBase, Profile, Recommendation, default_knowledge_base
from rules.model import BackPain, Kidney

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvaluationEvent:
    """What the hooks see of one evaluation."""

    recommendation: Recommendation
    profile: Profile
    profile_hash: str
    interface: str  # "api", "cds-hooks", "form" or "cli"
    caller: str | None


Hook = Callable[[EvaluationEvent], None]


def profile_hash(profile: Profile) -> str:
    """A stable SHA-256 of the profile's content (the audit keeps this, not the data).

    The canonical form is the sorted-key compact JSON of `profile_as_plain(profile)`; the
    encoder expands each node itself (`_plain_node`), which is twice as fast as building
    the plain form first.
    """
    canonical = json.dumps(profile, sort_keys=True, default=_plain_node, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def profile_as_plain(value: Any) -> Any:
    """A profile as plain JSON values: dataclasses as dicts, sets sorted, tuples as lists.

    Fields added after the first release are left out while at their default (`_ADDED_LATER`).

    `dataclasses.asdict` with sets sorted, without its deep copies; the raw profile the
    audit keeps when asked to.
    """
    if isinstance(value, list | tuple):
        return [profile_as_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: profile_as_plain(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float):
        return value
    return profile_as_plain(_plain_node(value))


# Profile fields added after the first release (2026.12.0), with their defaults: left out of
# the plain form while at the default, so a profile that could be written before them keeps
# the hash stored audit rows carry.
_ADDED_LATER: dict[type, dict[str, Any]] = {
    Profile: {"weight_kg": None, "conditions": frozenset(), "not_checked": ()},
    Kidney: {"creatinine": None},
    BackPain: {"reported": False},
}


def _plain_node(value: Any) -> Any:
    """One dataclass or set as JSON can hold it (the rule both forms above share)."""
    if is_dataclass(value) and not isinstance(value, type):
        later = _ADDED_LATER.get(type(value), {})
        return {
            f.name: getattr(value, f.name)
            for f in fields(value)
            if f.name not in later or getattr(value, f.name) != later[f.name]
        }
    if isinstance(value, frozenset | set):
        return sorted(value)
    raise TypeError(type(value).__name__)


def knowledge_base() -> KnowledgeBase:
    """Return the app's knowledge base."""
    return current_app.extensions["knowledge_base"]


def evaluate_profile(profile: Profile, interface: str, caller: str | None = None) -> Recommendation:
    """Evaluate `profile` and run the hooks; errors propagate (fail closed)."""
    recommendation = knowledge_base().evaluate(profile)
    event = EvaluationEvent(recommendation, profile, profile_hash(profile), interface, caller)
    for hook in current_app.extensions["evaluation_hooks"]:
        hook(event)
    return recommendation


def add_hook(app: Flask, hook: Hook) -> None:
    """Run `hook` after every successful evaluation in `app`."""
    app.extensions.setdefault("evaluation_hooks", []).append(hook)


def init_app(app: Flask) -> None:
    """Attach the knowledge base (compiled once per process) to `app`."""
    app.extensions["knowledge_base"] = app.config.get("KNOWLEDGE_BASE") or default_knowledge_base()
    app.extensions.setdefault("evaluation_hooks", [])
