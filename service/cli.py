"""Evaluate profiles from files, with no server: `magnesium-cds evaluate profile.json`.

A `.jsonl` file (or `--lines`) holds one profile per line; each line gets one output line,
a recommendation or an error, and a bad line never stops the batch. Exit status: 0 when
every profile was evaluated, 1 when any failed, 2 for usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from marshmallow import ValidationError

from rules import EvaluationError, ProfileError
from service.problems import field_errors
from service.schemas import ProfileSchema, dump_recommendation


def _evaluate_text(text: str, app: Any) -> tuple[bool, dict[str, Any]]:
    from service.evaluation import evaluate_profile

    try:
        data = json.loads(text, parse_constant=_reject)
    except ValueError as exc:
        return False, {"error": "invalid JSON", "detail": str(exc)}
    try:
        profile = ProfileSchema().load(data)
    except ValidationError as exc:
        return False, {"error": "invalid profile", "errors": field_errors(exc.messages)}
    try:
        with app.app_context():
            rec = evaluate_profile(profile, "cli")
    except ProfileError as exc:
        return False, {"error": "cannot evaluate", "errors": [{"field": exc.field, "message": exc.message}]}
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
    args = parser.parse_args(argv)

    from service import create_app

    app = create_app()
    stream = sys.stdin if args.path == "-" else open(args.path, encoding="utf-8")  # noqa: SIM115
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


if __name__ == "__main__":
    sys.exit(main())
