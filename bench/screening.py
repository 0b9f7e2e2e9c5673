"""Benchmark the population screen (issue 15): patients per second over synthetic Bulk exports.

    .venv/bin/python -m bench.screening                     # 10,000 and 100,000 patients
    .venv/bin/python -m bench.screening --sizes 10000 --profile   # and where the time goes

For each size: the local engine with 1 and 2 processes, and Spark `local[2]` (when PySpark
and Java are installed). Each figure is wall-clock patients per second, and for the local
engine also per CPU-second (this process and its workers), which other processes on a
shared machine do not distort. Target: 1,000 patients per second per core, local engine.
Exports are generated once into --work (tests/screening/synthetic.py, seed 0).
Results go to bench/results/screening.json, beside bench/results/latest.json; --profile
writes a pyinstrument profile of the 1-process run to bench/results/screening-profile.txt.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bench.run import RESULTS, machine
from service.screening import ScreenOptions, screen
from tests.screening.synthetic import write_export

TARGET_PER_CORE = 1000.0
TODAY = date(2026, 12, 1)


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def export_of(work: Path, patients: int) -> Path:
    path = work / f"export-{patients}"
    if not (path / "Patient.ndjson").exists():
        started = time.perf_counter()
        shutil.rmtree(path, ignore_errors=True)
        write_export(path, patients, seed=0)
        print(f"generated {patients:,} patients in {time.perf_counter() - started:.1f} s: {path}")
    return path


def one_run(export: Path, out: Path, engine: str, processes: int | None) -> dict[str, Any]:
    options = ScreenOptions(
        str(export),
        out,
        TODAY,
        engine=engine,
        processes=processes,
        master="local[2]",
        progress=False,
    )
    cpu_before, started = cpu_seconds(), time.perf_counter()
    summary = screen(options)
    wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu_before
    patients = summary["patients"]["total"]
    figure = {
        "engine": engine,
        "processes": processes,
        "master": "local[2]" if engine == "spark" else None,
        "patients": patients,
        "resources": sum(summary["input"]["resources_read"].values()),
        "seconds": round(wall, 2),
        "patients_per_second": round(patients / wall, 1),
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    if engine == "local":  # Spark's Python workers are the JVM's children, not ours
        figure["cpu_seconds"] = round(cpu, 2)
        figure["patients_per_cpu_second"] = round(patients / cpu, 1)
    return figure


def profile(export: Path, out: Path, target: Path) -> None:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    profiler.start()
    screen(ScreenOptions(str(export), out, TODAY, processes=1, progress=False))
    profiler.stop()
    target.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    print(f"profile: {target}")


def spark_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("pyspark") is not None and bool(
        os.environ.get("JAVA_HOME") or shutil.which("java")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=lambda s: [int(x) for x in s.split(",")], default=[10_000, 100_000]
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/magnesium-cds-screening-bench"))
    parser.add_argument("--skip-spark", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS / "screening.json")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    args.work.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "target_patients_per_second_per_core": TARGET_PER_CORE,
        "runs": [],
    }
    print(
        f"{'patients':>9} {'engine':8} {'procs':>5} {'seconds':>8} {'patients/s':>10} "
        f"{'per CPU-s':>9}  load"
    )
    for size in args.sizes:
        export = export_of(args.work, size)
        plans: list[tuple[str, int | None]] = [("local", 1), ("local", 2)]
        if not args.skip_spark and spark_available():
            plans.append(("spark", None))
        for engine, processes in plans:
            figure = one_run(
                export, args.work / f"out-{size}-{engine}-{processes}", engine, processes
            )
            result["runs"].append(figure)
            per_cpu = figure.get("patients_per_cpu_second")
            print(
                f"{size:9,} {engine:8} {processes or '':>5} {figure['seconds']:8.1f} "
                f"{figure['patients_per_second']:10,.0f} "
                f"{(f'{per_cpu:,.0f}' if per_cpu else '-'):>9}  "
                f"{figure['load_average_after']}"
            )
    if args.profile:
        profile(
            export_of(args.work, args.sizes[0]),
            args.work / "out-profile",
            RESULTS / "screening-profile.txt",
        )
    single = [r for r in result["runs"] if r["engine"] == "local" and r["processes"] == 1]
    if single:
        best = max(r["patients_per_cpu_second"] for r in single)
        verdict = "met" if best >= TARGET_PER_CORE else "MISSED"
        result["per_core_check"] = {"value": best, "target": TARGET_PER_CORE, "met": verdict}
        print(
            f"\nlocal engine, 1 process: {best:,.0f} patients per CPU-second "
            f"(target >= {TARGET_PER_CORE:,.0f} per core: {verdict})"
        )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"results: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
