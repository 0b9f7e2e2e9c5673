"""Hooks between packages that must not import each other: `service.ops` and `service.audit`.

The audit trail registers what operations reports on; operations registers what it counts.
Neither imports the other (evaluations have their own hook: `service.evaluation.add_hook`).

- Readiness: `add_readiness_check(app, check)`. /readyz calls each check, which returns a
  state (`ready`, `degraded` or `not-ready`) and its entries for the `checks` object.
- Audit events: `add_audit_listener(app, listener)`; the audit trail calls
  `audit_event(app, event, kind)` when a record is `spooled` or `replayed`.
- Spool gauges: `set_spool(app, spool)`; /metrics reads its `pending()` and `rejected()`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, Protocol

from flask import Flask

State = Literal["ready", "degraded", "not-ready"]
ReadinessCheck = Callable[[], tuple[State, dict[str, dict[str, Any]]]]
AuditListener = Callable[[str, str], None]  # (event, kind of record)

_READINESS = "hooks.readiness"
_AUDIT_LISTENERS = "hooks.audit_listeners"
_SPOOL = "hooks.spool"


class SpoolGauges(Protocol):
    def pending(self) -> int: ...
    def rejected(self) -> int: ...


def add_readiness_check(app: Flask, check: ReadinessCheck) -> None:
    """Ask `check` on every /readyz."""
    app.extensions.setdefault(_READINESS, []).append(check)


def readiness_checks(app: Flask) -> list[ReadinessCheck]:
    """The checks registered so far, in order."""
    return list(app.extensions.get(_READINESS, []))


def add_audit_listener(app: Flask, listener: AuditListener) -> None:
    """Call `listener(event, kind)` for each audit record spooled or replayed in `app`."""
    app.extensions.setdefault(_AUDIT_LISTENERS, []).append(listener)


def audit_event(app: Flask, event: str, kind: str) -> None:
    """Tell every listener that a record of `kind` was `spooled` or `replayed`."""
    for listener in app.extensions.get(_AUDIT_LISTENERS, []):
        listener(event, kind)


def set_spool(app: Flask, spool: SpoolGauges) -> None:
    """The spool whose depth /metrics reports."""
    app.extensions[_SPOOL] = spool


def spool(app: Flask) -> SpoolGauges | None:
    """The spool registered by the audit trail, if any."""
    return app.extensions.get(_SPOOL)
