"""Override rates from CDS Hooks feedback: per finding code and rule version (issue 14).

Read from the audit trail: every card issued (`cds_cards`, with its evaluation's time and
knowledge-base version) and the clinician's latest outcome for it (`cds_feedback`).
Per finding code and rule version: cards issued, accepted, overridden, no feedback, the
override rate among answered cards, the reasons (this service's and the HL7 categories
they fall under), and the same counts per ISO week the cards were issued. A group whose
override rate passes the threshold, with at least the minimum number of answers, is
flagged for review. Comments are counted, never shown: they are free text and may hold
patient data.

The audit trail records a card's finding code and knowledge-base version, not the rule
version: the rule version is read from the current rules when the card was issued under
the running release, and reported as unknown otherwise.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, select

from rules.governance.fingerprint import declared
from service.audit.store import cds_cards, cds_feedback, evaluations
from service.reports.override_reasons import HL7_CATEGORIES, hl7_category

DATA_NOTES = "(record data notes)"


def _latest_outcomes(rows: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The latest feedback item per card (a clinician may change their mind)."""
    latest: dict[str, Mapping[str, Any]] = {}
    for row in rows:
        have = latest.get(row["card_uuid"])
        if have is None or row["outcome_timestamp"] > have["outcome_timestamp"]:
            latest[row["card_uuid"]] = row
    return latest


def _week(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def rule_versions(rules: Iterable[Any]) -> Mapping[str, str]:
    """Finding code → the version(s) of the rules yielding it ("1.0.0", or "1.0.0/1.1.0")."""
    by_code: dict[str, set[str]] = defaultdict(set)
    for rule in rules:
        by_code[rule.code].add(rule.version)
    return {code: "/".join(sorted(v)) for code, v in by_code.items()}


def feedback_report(
    engine: Engine,
    *,
    kb_version: str,
    rules: Iterable[Any],
    since: date | None = None,
    threshold: float = 0.5,
    min_responses: int = 5,
) -> dict[str, Any]:
    """The report as JSON (`markdown` renders it)."""
    query = select(
        cds_cards.c.card_uuid,
        cds_cards.c.finding_code,
        cds_cards.c.service_id,
        evaluations.c.created_at,
        evaluations.c.kb_version,
    ).join(evaluations, evaluations.c.id == cds_cards.c.evaluation_id)
    if since is not None:
        query = query.where(
            evaluations.c.created_at >= datetime(since.year, since.month, since.day, tzinfo=UTC)
        )
    with engine.connect() as conn:
        cards = [dict(r._mapping) for r in conn.execute(query)]
        uuids = [c["card_uuid"] for c in cards]
        answers: list[Mapping[str, Any]] = []
        for start in range(0, len(uuids), 500):  # bounded IN lists
            chunk = uuids[start : start + 500]
            answers += [
                dict(r._mapping)
                for r in conn.execute(
                    select(
                        cds_feedback.c.card_uuid,
                        cds_feedback.c.outcome,
                        cds_feedback.c.outcome_timestamp,
                        cds_feedback.c.override_reason,
                    ).where(cds_feedback.c.card_uuid.in_(chunk))
                )
            ]
    from service.cds_hooks.cards import OVERRIDE_REASONS

    known = {(r["system"], r["code"]): r["display"] for r in OVERRIDE_REASONS}
    latest = _latest_outcomes(answers)
    current = declared(kb_version)
    versions = rule_versions(rules)
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    hl7_totals: Counter[str] = Counter()
    for card in sorted(cards, key=lambda c: (c["created_at"], c["card_uuid"])):
        code = card["finding_code"] or DATA_NOTES
        if card["finding_code"] is None:
            version = "-"
        elif declared(card["kb_version"]) == current and code in versions:
            version = versions[code]
        else:
            version = f"unknown (knowledge base {card['kb_version']})"
        group = groups.setdefault(
            (code, version),
            {
                "finding_code": code,
                "rule_version": version,
                "issued": 0,
                "accepted": 0,
                "overridden": 0,
                "reasons": Counter(),
                "comments": 0,
                "weeks": defaultdict(Counter),
            },
        )
        created = card["created_at"]
        if created.tzinfo is None:  # SQLite drops the zone; rows are written in UTC
            created = created.replace(tzinfo=UTC)
        week = group["weeks"][_week(created)]
        group["issued"] += 1
        week["issued"] += 1
        answer = latest.get(card["card_uuid"])
        if answer is None:
            continue
        group[answer["outcome"]] += 1
        week[answer["outcome"]] += 1
        if answer["outcome"] == "overridden":
            reason = json.loads(answer["override_reason"] or "null") or {}
            coding = reason.get("reason")
            if isinstance(coding, dict):
                system, code = str(coding.get("system", "")), str(coding.get("code", ""))
                # A known code reads as we word it; a client's own display is cut short.
                display = known.get((system, code)) or str(coding.get("display") or code)[:100]
                key = (system, code, display, hl7_category(coding) or "")
                group["reasons"][key] += 1
                if key[3]:
                    hl7_totals[key[3]] += 1
            else:
                group["reasons"][("", "", "no reason given", "")] += 1
            if reason.get("userComment"):
                group["comments"] += 1
    rows = [_row(g, threshold, min_responses) for g in groups.values()]
    rows.sort(key=lambda r: (-(r["override_rate"] or 0), r["finding_code"], r["rule_version"]))
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "since": since.isoformat() if since else None,
        "knowledge_base": kb_version,
        "threshold": threshold,
        "min_responses": min_responses,
        "cards_issued": len(cards),
        "flagged": [r["finding_code"] for r in rows if r["flagged"]],
        "rows": rows,
        "hl7_categories": [
            {"code": code, "display": display, "count": hl7_totals[code]}
            for code, display in HL7_CATEGORIES.items()
        ],
    }


def _row(group: Mapping[str, Any], threshold: float, min_responses: int) -> dict[str, Any]:
    answered = group["accepted"] + group["overridden"]
    rate = round(group["overridden"] / answered, 4) if answered else None
    return {
        "finding_code": group["finding_code"],
        "rule_version": group["rule_version"],
        "issued": group["issued"],
        "accepted": group["accepted"],
        "overridden": group["overridden"],
        "no_feedback": group["issued"] - answered,
        "override_rate": rate,
        "flagged": rate is not None and answered >= min_responses and rate > threshold,
        "reasons": [
            {
                "system": system or None,
                "code": code or None,
                "display": display,
                "hl7_category": category or None,
                "count": count,
            }
            for (system, code, display, category), count in sorted(
                group["reasons"].items(), key=lambda kv: (-kv[1], kv[0][1], kv[0])
            )
        ],
        "comments": group["comments"],
        "weeks": [
            {
                "week": week,
                "issued": counts["issued"],
                "accepted": counts["accepted"],
                "overridden": counts["overridden"],
            }
            for week, counts in sorted(group["weeks"].items())
        ],
    }


def markdown(report: Mapping[str, Any]) -> str:
    """The report as a Markdown table per finding, flagged rows first."""
    since = f" since {report['since']}" if report["since"] else ""
    out = [
        f"# Override rates{since}",
        "",
        f"Knowledge base {report['knowledge_base']}; {report['cards_issued']} cards issued. "
        f"Flagged for review: override rate above {report['threshold']:.0%} with at least "
        f"{report['min_responses']} answers.",
        "",
        "| Finding | Rule version | Issued | Accepted | Overridden | No feedback | "
        "Override rate | Review |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in report["rows"]:
        rate = "—" if r["override_rate"] is None else f"{r['override_rate']:.0%}"
        flag = "**flagged**" if r["flagged"] else ""
        out.append(
            f"| {r['finding_code']} | {r['rule_version']} | {r['issued']} | {r['accepted']} | "
            f"{r['overridden']} | {r['no_feedback']} | {rate} | {flag} |"
        )
    out += ["", "## Override reasons", ""]
    any_reason = False
    for r in report["rows"]:
        for reason in r["reasons"]:
            any_reason = True
            category = f" (HL7: {reason['hl7_category']})" if reason["hl7_category"] else ""
            out.append(f"- {r['finding_code']}: {reason['display']}{category} × {reason['count']}")
        if r["comments"]:
            out.append(f"- {r['finding_code']}: {r['comments']} with a comment (not shown)")
    if not any_reason:
        out.append("None recorded.")
    out += ["", "## HL7 override-reason categories", ""]
    out += [f"- {c['display']} (`{c['code']}`): {c['count']}" for c in report["hl7_categories"]]
    out += ["", "## Weekly trend", "", "| Finding | Week | Issued | Accepted | Overridden |"]
    out.append("|---|---|---|---|---|")
    for r in report["rows"]:
        for w in r["weeks"]:
            out.append(
                f"| {r['finding_code']} | {w['week']} | {w['issued']} | {w['accepted']} | "
                f"{w['overridden']} |"
            )
    return "\n".join(out) + "\n"
