"""Where a request's time goes under gunicorn: py-spy on one worker while wrk drives it.

    .venv/bin/python -m bench.profile_http                 # POST /v1/recommendations
    .venv/bin/python -m bench.profile_http --path /healthz --method GET

Starts the server as the benchmark does (one worker, so one process holds every sample),
samples it with py-spy for the run, and prints the functions with the largest share of
samples, inclusive and self. Needs py-spy (test extras) and ptrace rights (root here).
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench import loadgen, server
from bench.profiles import TYPICAL


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--path", default="/v1/recommendations")
    parser.add_argument("--method", default="POST")
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    body = json.dumps(TYPICAL).encode() if args.method == "POST" else None
    with server.start(workers=1) as srv:
        out = srv.workdir / "py-spy.txt"
        worker = srv.worker_pids()[0]
        sampler = subprocess.Popen(
            [
                spy,
                "record",
                "-p",
                str(worker),
                "-d",
                str(round(args.duration) + 1),
                "-r",
                "250",
                "-f",
                "raw",
                "-o",
                str(out),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.5)
        result = loadgen.run(
            loadgen.available(),
            srv.url + args.path,
            args.method,
            body,
            srv.api_key,
            args.connections,
            args.duration,
            srv.workdir,
        )
        sampler.wait(timeout=60)
        lines = out.read_text().splitlines() if out.exists() else []
    print(
        f"{args.method} {args.path} @{args.connections}: {result['per_s']:,.0f} req/s, "
        f"p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms"
    )
    total, inclusive, own = 0, collections.Counter(), collections.Counter()
    for line in lines:
        stack, _, count = line.rpartition(" ")
        frames, n = stack.split(";"), int(count)
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    if not total:
        print("no samples (is py-spy installed, and may it attach?)")
        return 1
    print(f"\n{total} samples; inclusive share (the request path):")
    for frame, n in inclusive.most_common(args.top + 12)[12:]:  # below gunicorn's own loop
        print(f"{100 * n / total:5.1f}%  {frame[:120]}")
    print("\nself share:")
    for frame, n in own.most_common(15):
        print(f"{100 * n / total:5.1f}%  {frame[:120]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
