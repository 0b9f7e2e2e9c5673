"""Benchmark the service against its targets (issue 6); prints every figure beside its target.

    .venv/bin/python -m bench.run              # the full run (about 5 minutes)
    .venv/bin/python -m bench.run --quick      # smaller counts, shorter HTTP runs (a smoke run)

In process: one evaluation through the knowledge base (simple and heavy profile), the
marshmallow schemas alone, RSS over 100,000 evaluations. Over HTTP, under gunicorn on
127.0.0.1 with a load generator (wrk when installed): POST /v1/recommendations, the
liveness endpoint and the CDS Hooks patient-view call with a full prefetch, at 1, 8 and 64
connections. Results go to bench/results/latest.json. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import inprocess, loadgen, server
from bench.profiles import TYPICAL, patient_view_request

RESULTS = Path(__file__).resolve().parent / "results"

# The targets (issue 6).
P99_IN_PROCESS_MS = 2.0
MEMORY_GROWTH_PCT = 5.0
HTTP_RATIO_MIN = 0.5
HTTP_P99_AT_64_MS = 100.0

LIVENESS = "/healthz"
LIVENESS_FALLBACK = "/v1/knowledge-base"  # before issue 5 added /healthz


class Report:
    """Collects target checks and prints each figure with its verdict."""

    def __init__(self) -> None:
        self.checks: list[dict[str, Any]] = []

    def check(self, name: str, value: float | None, op: str, target: float, unit: str = "") -> str:
        ok = value is not None and (value < target if op == "<" else value >= target)
        self.checks.append(
            {"check": name, "value": value, "target": f"{op} {target:g}{unit}", "met": ok}
        )
        return "met" if ok else "MISSED"

    def zero_errors(self, name: str, errors: int) -> str:
        ok = errors == 0
        self.checks.append({"check": name, "value": errors, "target": "== 0", "met": ok})
        return "met" if ok else "MISSED"


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for dist in ("durable_rules", "flask", "marshmallow", "gunicorn"):
        try:
            from importlib.metadata import version

            versions[dist] = version(dist)
        except Exception:  # a missing package is just not reported
            versions[dist] = None
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "versions": versions,
        "wrk": loadgen.wrk_version(),
    }


def run_in_process(args: argparse.Namespace, report: Report) -> dict[str, Any]:
    print(
        f"\n== In process ({args.n:,} evaluations through the knowledge base, the profile "
        f"already validated; {args.n // 2:,} schema and {args.n // 4:,} end-to-end calls)"
    )
    figures = inprocess.engine_and_schemas(args.n)
    print(
        f"{'what':36} {'evals/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
        f"{'cpu p99':>7}  target (wall p99; cpu p99 excludes other processes' time)"
    )
    for name, f in figures.items():
        e = f["engine"]
        wall = report.check(f"in-process p99 {name}", e["p99_ms"], "<", P99_IN_PROCESS_MS, " ms")
        cpu = report.check(
            f"in-process cpu p99 {name}", e["cpu_p99_ms"], "<", P99_IN_PROCESS_MS, " ms"
        )
        rows = (
            (
                f"knowledge base: {name}",
                e,
                f"p99 < {P99_IN_PROCESS_MS:g} ms: {wall} (cpu: {cpu}); {f['findings']} findings",
            ),
            (f"marshmallow load + dump: {name}", f["schemas"], "the edge's share"),
            (f"load + evaluate + dump: {name}", f["validate_evaluate_serialise"], ""),
        )
        for label, t, note in rows:
            print(
                f"{label:36} {t['per_s']:8,.0f} {t['p50_ms']:7.3f} {t['p99_ms']:7.3f} "
                f"{t['max_ms']:7.2f} {t['cpu_p99_ms']:7.3f}  {note}"
            )
    return figures


def run_memory(args: argparse.Namespace, report: Report) -> dict[str, Any]:
    print(
        f"\n== Memory: RSS over {args.memory_evaluations:,} evaluations "
        "(2,000 distinct profiles, half heavy)"
    )
    m = inprocess.memory(args.memory_evaluations)
    verdict = report.check("memory growth", m["growth_pct"], "<", MEMORY_GROWTH_PCT, " %")
    print(
        f"RSS before {m['rss_before_kib'] / 1024:.1f} MiB, after {m['rss_after_kib'] / 1024:.1f}"
        f" MiB: growth {m['growth_pct']:+.2f} %  (target < {MEMORY_GROWTH_PCT:g} %: {verdict})"
    )
    print(
        "RSS every 10 %: " + " ".join(f"{x / 1024:.1f}" for x in m["curve_kib"]) + " MiB;"
        f" {m['per_s']:,.0f} evaluations/s"
    )
    return m


def run_http(args: argparse.Namespace, report: Report) -> dict[str, Any]:
    tool = args.loadgen if args.loadgen != "auto" else loadgen.available()
    print(f"\n== HTTP: gunicorn on 127.0.0.1, load generator {tool}, {args.duration:g} s per run")
    srv = server.start(workers=args.workers, database_url=args.database_url)
    out: dict[str, Any] = {
        "tool": tool,
        "command": " ".join(srv.command[1:]),
        "config": str(server.CONFIG) if server.CONFIG.exists() else None,
        "database": "sqlite (temp file)"
        if not args.database_url
        else args.database_url.split(":", 1)[0],
        "runs": {},
    }
    notes: list[str] = []
    try:
        import logging

        from service import create_app  # the route table, to see what exists yet

        logging.disable(logging.WARNING)  # its start-up warnings are the server's to give
        app = create_app(
            {"TESTING": True, "DATABASE_URL": f"sqlite:///{srv.workdir / 'routes.sqlite3'}"}
        )
        rules = {r.rule for r in app.url_map.iter_rules()}
        logging.disable(logging.NOTSET)
        liveness = LIVENESS if LIVENESS in rules else LIVENESS_FALLBACK
        if liveness != LIVENESS:
            notes.append(f"{LIVENESS} does not exist yet: liveness measured on {liveness}")
        targets: dict[str, tuple[str, str, bytes | None]] = {
            "liveness": ("GET", liveness, None),
            "recommendations": ("POST", "/v1/recommendations", json.dumps(TYPICAL).encode()),
        }
        cds = _cds_patient_view(srv, rules)
        if isinstance(cds, str):
            notes.append(cds)
        else:
            targets["cds_patient_view"] = cds
        for note in notes:
            print("note: " + note)
        out["notes"] = notes
        out["endpoints"] = {k: f"{m} {p}" for k, (m, p, _) in targets.items()}
        rss_before = {pid: inprocess.rss_kib(pid) for pid in srv.worker_pids()}
        # Warm both workers (imports, first-use allocations) before measuring.
        for method, path, body in targets.values():
            loadgen.run(tool, srv.url + path, method, body, srv.api_key, 8, 2, srv.workdir)
        print(
            f"{'endpoint':34} {'conns':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
            f"{'max ms':>8} {'errors':>6}  targets"
        )
        for c in args.connections:
            row: dict[str, Any] = {}
            for name, (method, path, body) in targets.items():
                r = loadgen.run(
                    tool, srv.url + path, method, body, srv.api_key, c, args.duration, srv.workdir
                )
                row[name] = r
                ok = report.zero_errors(f"HTTP errors {name} @{c}", r["errors"])
                verdicts = [f"errors: {ok}"]
                if c == 64:
                    v = report.check(
                        f"HTTP p99 {name} @64", r["p99_ms"], "<", HTTP_P99_AT_64_MS, " ms"
                    )
                    verdicts.append(f"p99 < {HTTP_P99_AT_64_MS:g} ms: {v}")
                if name != "liveness" and row["liveness"]["per_s"]:
                    ratio = round(r["per_s"] / row["liveness"]["per_s"], 3)
                    r["ratio_to_liveness"] = ratio
                    v = report.check(
                        f"HTTP ratio {name}/liveness @{c}", ratio, ">=", HTTP_RATIO_MIN
                    )
                    verdicts.append(f"ratio {ratio:.2f} >= {HTTP_RATIO_MIN:g}: {v}")
                print(
                    f"{method + ' ' + path:34.34} {c:5d} {r['per_s']:8,.0f} {r['p50_ms']:8.2f} "
                    f"{r['p99_ms']:8.2f} {r['max_ms']:8.2f} {r['errors']:6d}  "
                    + "; ".join(verdicts)
                )
            out["runs"][str(c)] = row
        pids = srv.worker_pids()
        rss_after = {pid: inprocess.rss_kib(pid) for pid in pids}
        out["worker_rss_kib"] = {"before": rss_before, "after": rss_after}
        mib = lambda d: ", ".join(f"{v / 1024:.1f}" for v in d.values())  # noqa: E731
        recycled = " (workers were recycled)" if set(pids) != set(rss_before) else ""
        print(f"worker RSS (MiB) before: {mib(rss_before)}; after: {mib(rss_after)}{recycled}")
    finally:
        srv.stop()
    return out


def _cds_patient_view(srv: server.Server, rules: set[str]):
    """The patient-view service's request, or a note saying why it is skipped."""
    if "/cds-services" not in rules:
        return "CDS Hooks (/cds-services) does not exist yet: patient-view skipped"
    import http.client

    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
    conn.request("GET", "/cds-services")
    response = conn.getresponse()
    discovery = json.loads(response.read() or b"{}")
    conn.close()
    services = [s for s in discovery.get("services", []) if s.get("hook") == "patient-view"]
    if response.status != 200 or not services:
        return "CDS Hooks discovery lists no patient-view service: skipped"
    service = services[0]
    body = json.dumps(patient_view_request(tuple(service.get("prefetch") or {}))).encode()
    return ("POST", f"/cds-services/{service['id']}", body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run")
    parser.add_argument("--n", type=int, default=10_000, help="evaluations per in-process figure")
    parser.add_argument("--memory-evaluations", type=int, default=100_000)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per HTTP run")
    parser.add_argument(
        "--connections", type=lambda s: [int(x) for x in s.split(",")], default=[1, 8, 64]
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument(
        "--database-url",
        default=None,
        help="audit database for the server (default: a temp SQLite file)",
    )
    parser.add_argument(
        "--skip", action="append", default=[], choices=("in-process", "memory", "http")
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # progress shows when piped to a file
    if args.quick:
        args.n, args.memory_evaluations, args.duration = 2_000, 10_000, 3.0

    os.environ.setdefault("CDS_LOG_LEVEL", "WARNING")  # this process's app: quiet
    report = Report()
    result: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "args": {k: str(v) for k, v in vars(args).items()},
    }
    m = result["machine"]
    print(
        f"machine: {m['nproc']} cores, {m['cpu_model']}, Python {m['python']}, "
        f"load average {m['load_average_at_start']}"
    )
    started = time.perf_counter()
    if "in-process" not in args.skip:
        result["in_process"] = run_in_process(args, report)
    if "memory" not in args.skip:
        result["memory"] = run_memory(args, report)
    if "http" not in args.skip:
        result["http"] = run_http(args, report)
    result["checks"] = report.checks
    result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result["seconds"] = round(time.perf_counter() - started, 1)
    missed = [c["check"] for c in report.checks if not c["met"]]
    busy = max(m["load_average_at_start"][0], result["load_average_at_end"][0]) > m["nproc"]
    print(
        f"\nload average at the end: {result['load_average_at_end']}"
        + (
            f" (above {m['nproc']}: other processes shared the cores, so wall-clock tails grow)"
            if busy
            else ""
        )
    )
    print(
        f"\n== Targets: {len(report.checks) - len(missed)} of {len(report.checks)} met"
        + (f"; missed: {', '.join(missed)}" if missed else "")
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"results: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
