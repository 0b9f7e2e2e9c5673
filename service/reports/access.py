"""The audit role: who may read the audit reports. One function, so it can be swapped.

`require_audit_role()` answers 403 unless the authenticated caller (`g.caller`, set by
`service.security.authenticate`) is listed in CDS_AUDIT_ROLE. With access control off
(no keys, no issuers) no caller can be told apart, so the reports are refused: never open.
"""

from __future__ import annotations

from flask import Response, current_app, g

from service.problems import problem


def in_audit_role(caller: str | None, members: list[str]) -> bool:
    """Whether `caller` ("key:<12 hex>" or "jwt:<iss>#<sub>") is one of `members`."""
    if not caller:
        return False
    for member in members:
        member = member.strip()
        if not member:
            continue
        if member == caller:
            return True
        if caller.startswith("key:") and len(member) == 64 and member.lower()[:12] == caller[4:]:
            return True  # the key's whole SHA-256, as CDS_API_KEYS_SHA256 holds it
        if caller.startswith("jwt:") and "#" not in member and caller.rsplit("#", 1)[-1] == member:
            return True  # a bare subject
    return False


def require_audit_role() -> Response | None:
    """None when the caller holds the audit role; otherwise a 403 problem."""
    members = list(current_app.config.get("AUDIT_ROLE") or [])
    if not members:
        return problem(403, "Forbidden", "No audit role is configured (CDS_AUDIT_ROLE).")
    if not in_audit_role(g.get("caller"), members):
        return problem(403, "Forbidden", "This report needs the audit role (CDS_AUDIT_ROLE).")
    return None
