"""The one evaluation path every interface uses: knowledge base, then the evaluation hooks.

Hooks (audit trail, metrics) are registered by their modules' `init_app`; an edge never
re-derives clinical logic, it only builds a `Profile` and renders the `Recommendation`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Mapping
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


HASH_SCHEME = "hmac-sha256"  # the audit's profile_hash_scheme for rows written now


def profile_hash(profile: Profile, key: bytes) -> str:
    """HMAC-SHA-256 of the profile's content under `key` (the audit keeps this, not the data).

    Keyed because a profile has few fields: an unkeyed hash was reversed by trying every
    plausible profile in seconds. Stable for one key, so equal profiles still match.
    The canonical form is the sorted-key compact JSON of `profile_as_plain(profile)`; the
    encoder expands each node itself (`_plain_node`), which is twice as fast as building
    the plain form first.
    """
    canonical = json.dumps(profile, sort_keys=True, default=_plain_node, separators=(",", ":"))
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def profile_hash_key(config: Mapping[str, Any]) -> bytes:
    """CDS_PROFILE_HASH_KEY, else a key derived from CDS_SECRET_KEY (shared by the workers)."""
    if config.get("PROFILE_HASH_KEY"):
        return str(config["PROFILE_HASH_KEY"]).encode()
    secret = str(config.get("SECRET_KEY") or "").encode()
    return hmac.new(secret, b"magnesium-cds profile hash", hashlib.sha256).digest()


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
    digest = profile_hash(profile, current_app.extensions["profile_hash_key"])
    event = EvaluationEvent(recommendation, profile, digest, interface, caller)
    for hook in current_app.extensions["evaluation_hooks"]:
        hook(event)
    return recommendation


def add_hook(app: Flask, hook: Hook) -> None:
    """Run `hook` after every successful evaluation in `app`."""
    app.extensions.setdefault("evaluation_hooks", []).append(hook)


def init_app(app: Flask) -> None:
    """Attach the knowledge base (compiled once per process) to `app`."""
    app.extensions["knowledge_base"] = app.config.get("KNOWLEDGE_BASE") or default_knowledge_base()
    app.extensions["profile_hash_key"] = profile_hash_key(app.config)
    app.extensions.setdefault("evaluation_hooks", [])
