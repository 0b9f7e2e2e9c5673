"""Governance commands of `magnesium-cds`: `kb versions|diff|export` and `report feedback`."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any


def add_parsers(sub: Any) -> None:
    """Register `kb` and `report` on the main parser's subcommands."""
    kb = sub.add_parser("kb", help="knowledge-base governance: versions, diff, export")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    versions = kb_sub.add_parser(
        "versions", help="check each rule against rules/data/versions.json (or --write it)"
    )
    versions.add_argument("--write", action="store_true", help="record the current rules")
    versions.add_argument(
        "--force",
        action="store_true",
        help="record rules changed without a version bump too (after a reviewed merge)",
    )
    diff = kb_sub.add_parser("diff", help="review report of what a release changes")
    diff.add_argument("old", help="git revision, directory, or `installed`")
    diff.add_argument("new", nargs="?", default="installed", help="default: installed")
    diff.add_argument("--corpus", type=Path, help="JSON lines of profiles (default: scenarios)")
    diff.add_argument("--markdown", type=Path, help="write the Markdown report here")
    diff.add_argument("--json", type=Path, help="write the JSON report here")
    export = kb_sub.add_parser("export", help="export the knowledge base")
    export.add_argument(
        "--fhir",
        type=Path,
        required=True,
        metavar="DIR",
        help="write FHIR R4 Library + PlanDefinitions into DIR",
    )
    report = sub.add_parser("report", help="operations reports from the audit database")
    report_sub = report.add_subparsers(dest="report_command", required=True)
    feedback = report_sub.add_parser("feedback", help="override rates per finding and rule")
    feedback.add_argument("--since", type=date.fromisoformat, help="YYYY-MM-DD (UTC)")
    feedback.add_argument("--json", action="store_true", help="JSON instead of Markdown")


def run(args: argparse.Namespace) -> int:
    """Run a `kb` or `report` command; the exit status."""
    if args.command == "report":
        return _feedback(args)
    if args.kb_command == "versions":
        return _versions(args)
    if args.kb_command == "diff":
        return _diff(args)
    return _export(args)


def _versions(args: argparse.Namespace) -> int:
    from rules.governance.fingerprint import (
        TABLE_PATH,
        declared,
        drift,
        load_table,
        table_update,
        write_table,
    )
    from rules.knowledge_base import ALL_RULES, VERSION

    release = declared(VERSION)
    table = load_table()
    if not args.write:
        found = drift(ALL_RULES, table)
        for d in found:
            print(d.message)
        if table.get("knowledge_base") != release:
            print(
                f"the table records knowledge base {table.get('knowledge_base')}, "
                f"the code declares {release}"
            )
        if not found and table.get("knowledge_base") == release:
            print(f"{len(ALL_RULES)} rules match {TABLE_PATH.name} (knowledge base {release})")
            return 0
        return 1
    new, notes = table_update(release, ALL_RULES, table, force=args.force)
    if new is None:
        for note in notes:
            print(f"refused: {note}", file=sys.stderr)
        return 1
    write_table(new)
    for note in notes:
        print(f"recorded: {note}")
    print(f"wrote {TABLE_PATH} ({len(new['rules'])} rules, knowledge base {release})")
    return 0


def _diff(args: argparse.Namespace) -> int:
    from service.governance.kb_diff import DiffError, diff, markdown

    try:
        report = diff(args.old, args.new, args.corpus)
    except DiffError as exc:
        print(f"kb diff: {exc}", file=sys.stderr)
        return 2
    text = markdown(report)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    if not args.markdown:
        print(text)
    else:
        replay = report["replay"]
        print(
            f"wrote {args.markdown}: {replay['changed']} of {replay['profiles']} patients changed"
        )
    return 0


def _export(args: argparse.Namespace) -> int:
    from rules import default_knowledge_base
    from service.governance.fhir_export import export

    bundle = export(default_knowledge_base())
    folder: Path = args.fhir
    folder.mkdir(parents=True, exist_ok=True)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        path = folder / f"{resource['resourceType']}-{resource['id']}.json"
        path.write_text(json.dumps(resource, indent=2, ensure_ascii=False) + "\n")
    (folder / "Bundle-knowledge-base.json").write_text(
        json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"
    )
    print(f"wrote {len(bundle['entry'])} resources and a collection Bundle to {folder}")
    return 0


def _feedback(args: argparse.Namespace) -> int:
    """Read the audit database (CDS_DATABASE_URL) without building the app."""
    import os

    from flask import Flask

    from rules import default_knowledge_base
    from service.audit.store import engine_for
    from service.reports.feedback import feedback_report, markdown
    from service.settings import load_settings

    settings = load_settings()
    instance_path = Flask("service", instance_relative_config=True).instance_path
    os.makedirs(instance_path, exist_ok=True)
    engine = engine_for(settings.flask_config(instance_path)["DATABASE_URL"])
    kb = default_knowledge_base()
    report = feedback_report(
        engine,
        kb_version=kb.version,
        rules=kb.rules.values(),
        since=args.since,
        threshold=settings.override_rate_threshold,
        min_responses=settings.override_min_responses,
    )
    print(json.dumps(report, indent=2) if args.json else markdown(report))
    return 0
