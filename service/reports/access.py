"""The audit role: who may read the audit reports. One function, so it can be swapped.

The audit role is one setting, CDS_AUDIT_READERS (the security issue's: the callers who
read every audit record). `require_audit_role()` answers 403 unless the authenticated
caller (`g.caller`, set by `service.security.authenticate`) is listed there, matched
exactly as `service.audit.views.may_read` matches it. With none listed, or access control
off (no keys, no issuers: no caller can be told apart), the reports are refused: never open.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response, current_app, g

from service.problems import problem


def in_audit_role(caller: str | None, members: Iterable[str]) -> bool:
    """Whether `caller` ("key:<12 hex>" or "jwt:<iss>#<sub>") is exactly one of `members`."""
    # Exact ids only: a bare JWT subject would admit that subject from any trusted issuer.
    return bool(caller) and caller in {member.strip() for member in members}


def require_audit_role() -> Response | None:
    """None when the caller holds the audit role; otherwise a 403 problem."""
    members = list(current_app.config.get("AUDIT_READERS") or [])
    if not members:
        return problem(403, "Forbidden", "No audit role is configured (CDS_AUDIT_READERS).")
    if not in_audit_role(g.get("caller"), members):
        return problem(403, "Forbidden", "This report needs the audit role (CDS_AUDIT_READERS).")
    return None
