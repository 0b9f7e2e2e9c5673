"""Where one evaluation's time goes, in process: pyinstrument over many evaluations.

.venv/bin/python -m bench.profile_engine            # the heavy profile
.venv/bin/python -m bench.profile_engine --profile simple --all-frames
"""

from __future__ import annotations

import argparse
import sys

from pyinstrument import Profiler

from bench.profiles import PROFILES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", choices=sorted(PROFILES), default="heavy")
    parser.add_argument("-n", type=int, default=2_000, help="evaluations sampled")
    parser.add_argument("--all-frames", action="store_true", help="show library frames too")
    args = parser.parse_args(argv)

    from rules import default_knowledge_base
    from service.schemas import ProfileSchema

    kb = default_knowledge_base()
    profile = ProfileSchema().load(PROFILES[args.profile])
    for _ in range(200):  # warm up first
        kb.evaluate(profile)
    profiler = Profiler(interval=0.0001)
    profiler.start()
    for _ in range(args.n):
        kb.evaluate(profile)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=args.all_frames))
    return 0


if __name__ == "__main__":
    sys.exit(main())
