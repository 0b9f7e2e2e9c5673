"""Evaluate profiles from files, with no server: `magnesium-cds evaluate profile.json`.

`magnesium-cds screen EXPORT --out DIR` screens a FHIR Bulk Data export (see
service/screening/): exit status 0 when every patient was evaluated and every line read,
1 when the output lists patients not evaluated or lines rejected, or there were no
patients, 2 for usage errors.

`magnesium-cds db upgrade` migrates the audit database (CDS_DATABASE_URL) to the newest
revision; `db downgrade REV` and `db current` do what they say. Each first waits for the
database to accept a connection, for at most `--wait-seconds` (default 60): a database
that is still starting (compose's first `up`) is waited for, one that never answers is
reported and the command exits 1. Governance (README, "Clinical governance"):
`kb versions [--write]`, `kb diff OLD [NEW]`, `kb export --fhir DIR`,
`report feedback [--since DATE]`.

A `.jsonl` file (or `--lines`) holds one profile per line; each line gets one output line,
a recommendation or an error, and a bad line never stops the batch. Exit status: 0 when
every profile was evaluated, 1 when any failed, 2 for usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

from marshmallow import ValidationError

from rules import EvaluationError, ProfileError
from service.problems import field_errors
from service.schemas import PROFILE_SCHEMA, dump_recommendation


def _evaluate_text(text: str, app: Any) -> tuple[bool, dict[str, Any]]:
    from service.evaluation import evaluate_profile

    try:
        data = json.loads(text, parse_constant=_reject)
    except ValueError as exc:
        return False, {"error": "invalid JSON", "detail": str(exc)}
    try:
        profile = PROFILE_SCHEMA.load(data)
    except ValidationError as exc:
        return False, {"error": "invalid profile", "errors": field_errors(exc.messages)}
    try:
        with app.app_context():
            rec = evaluate_profile(profile, "cli")
    except ProfileError as exc:
        return False, {
            "error": "cannot evaluate",
            "errors": [{"field": exc.field, "message": exc.message}],
        }
    except EvaluationError as exc:
        return False, {"error": "evaluation failed", "detail": str(exc)}
    return True, dump_recommendation(rec)


def _reject(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _lines(stream: TextIO) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(stream, start=1):
        if line.strip():
            yield number, line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="magnesium-cds", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ev = sub.add_parser("evaluate", help="evaluate a profile (.json) or profiles (.jsonl)")
    ev.add_argument("path", help="a file, or - for standard input")
    ev.add_argument("--lines", action="store_true", help="treat the input as JSON lines")
    db = sub.add_parser("db", help="migrate the audit database (CDS_DATABASE_URL)")
    wait = argparse.ArgumentParser(add_help=False)
    wait.add_argument(
        "--wait-seconds",
        type=float,
        default=60.0,
        metavar="S",
        help="wait this long for the database to accept a connection (default 60)",
    )
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", parents=[wait], help="upgrade to a revision (default: head)")
    up.add_argument("revision", nargs="?", default="head")
    down = db_sub.add_parser(
        "downgrade", parents=[wait], help="downgrade to a revision (base: drop all)"
    )
    down.add_argument("revision")
    db_sub.add_parser("current", parents=[wait], help="print the database's revision")
    _add_screen(sub)
    from service.governance import cli as governance_cli

    governance_cli.add_parsers(sub)  # kb versions|diff|export, report feedback
    args = parser.parse_args(argv)
    if args.command == "db":
        return _db(args)
    if args.command == "screen":
        return _screen(parser, args)
    if args.command in ("kb", "report"):
        return governance_cli.run(args)

    from service import create_app

    app = create_app()
    stream = sys.stdin if args.path == "-" else open(args.path, encoding="utf-8")
    with stream:
        if args.lines or args.path.endswith(".jsonl"):
            failed = 0
            for number, line in _lines(stream):
                ok, out = _evaluate_text(line, app)
                failed += not ok
                print(json.dumps({"line": number, **({"recommendation": out} if ok else out)}))
            return 1 if failed else 0
        ok, out = _evaluate_text(stream.read(), app)
    print(json.dumps(out, indent=2))
    return 0 if ok else 1


def _add_screen(sub: Any) -> None:
    sc = sub.add_parser(
        "screen",
        help="screen a FHIR Bulk Data export (NDJSON files, gzip accepted)",
        description="Evaluate every patient of a FHIR Bulk Data export; write one row per "
        "patient (results.jsonl, results.parquet), rejected.jsonl and summary.json to --out.",
    )
    sc.add_argument("input", help="the export: a folder of .ndjson / .ndjson.gz files, or one")
    sc.add_argument("--out", required=True, help="the output folder (created when missing)")
    sc.add_argument("--engine", choices=("local", "spark"), default="local")
    sc.add_argument("--master", help="Spark master (spark engine only; default local[*])")
    sc.add_argument(
        "--processes", type=_positive, help="worker processes (local engine; default: one a core)"
    )
    sc.add_argument(
        "--as-of",
        type=date.fromisoformat,
        help="the date ages are counted at, YYYY-MM-DD (default: today, UTC)",
    )
    sc.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar on stderr (default: only on a terminal)",
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _screen(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Run the screen; print where the outputs are and the counts that matter."""
    from service.screening import ScreenOptions, screen

    if args.engine == "local" and args.master:
        parser.error("--master is for --engine spark")
    if args.engine == "spark" and args.processes:
        parser.error("--processes is for --engine local (Spark sizes itself from --master)")
    if not Path(args.input).exists() and args.engine == "local":
        parser.error(f"{args.input}: no such file or folder")
    if args.engine == "spark":
        try:
            import pyspark  # noqa: F401
        except ImportError:
            print(
                "the Spark engine needs PySpark and Java 17: pip install 'magnesium-cds[spark]' "
                "and a Java runtime (Debian: apt-get install default-jre-headless)",
                file=sys.stderr,
            )
            return 2
    options = ScreenOptions(
        input=args.input,
        out=Path(args.out),
        today=args.as_of or datetime.now(UTC).date(),
        engine=args.engine,
        processes=args.processes,
        master=args.master or "local[*]",
        progress=args.progress,
    )
    try:
        summary = screen(options)
    except FileNotFoundError as error:
        print(f"magnesium-cds screen: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        if type(error).__name__ != "SparkUnavailable":
            raise
        print(f"magnesium-cds screen: {error}", file=sys.stderr)
        return 2
    patients, lines = summary["patients"], summary["input"]
    print(
        f"{patients['total']} patients: {patients['evaluated']} evaluated, "
        f"{patients['not_evaluated']} not evaluated; "
        + ", ".join(f"{k} {v}" for k, v in patients["by_disposition"].items())
        + f"; {lines['rejected_lines']} lines rejected. Outputs in {options.out}/ "
        f"(summary.json); {summary['run']['patients_per_second']} patients/s",
        file=sys.stderr,
    )
    if not patients["total"]:
        print(f"magnesium-cds screen: no patients found in {args.input}", file=sys.stderr)
        return 1  # an empty screen is not a clean one
    return 1 if patients["not_evaluated"] or lines["rejected_lines"] else 0


def _db(args: argparse.Namespace) -> int:
    """Run a migration command without building the app (no migrate-on-start race)."""
    import os

    from flask import Flask

    from service.audit import migrate
    from service.settings import load_settings

    instance_path = Flask("service", instance_relative_config=True).instance_path
    os.makedirs(instance_path, exist_ok=True)
    url = load_settings().flask_config(instance_path)["DATABASE_URL"]
    if not wait_for_database(url, args.wait_seconds):
        return 1
    if args.db_command == "upgrade":
        migrate.upgrade(url, args.revision)
    elif args.db_command == "downgrade":
        migrate.downgrade(url, args.revision)
    print(migrate.current(url) or "base")
    return 0


def wait_for_database(url: str, seconds: float) -> bool:
    """Connect until the database answers or `seconds` pass; say so on stderr either way."""
    import time

    from service.audit.durable import is_unavailable
    from service.audit.store import engine_for

    deadline = time.monotonic() + max(seconds, 0.0)
    pause = 0.5
    engine = engine_for(url, connect_timeout=max(1, min(5, int(seconds) or 1)))
    try:
        while True:
            try:
                with engine.connect():
                    return True
            except Exception as exc:
                if not is_unavailable(exc):
                    raise
                left = deadline - time.monotonic()
                # The exception's class only: its text can carry the connection string.
                reason = type(getattr(exc, "orig", None) or exc).__name__
                if left <= 0:
                    print(
                        f"magnesium-cds: the database did not accept a connection within "
                        f"{seconds:g} s ({reason})",
                        file=sys.stderr,
                    )
                    return False
                print(
                    f"magnesium-cds: waiting for the database ({reason}); {left:.0f} s left",
                    file=sys.stderr,
                )
                time.sleep(min(pause, left))
                pause = min(pause * 2, 5.0)
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
