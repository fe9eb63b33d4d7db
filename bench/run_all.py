"""Runs every benchmark in turn (each rewrites its section of docs/benchmarks.md); stops at the first failure."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from bench.report import ROOT

# Quick ones first; eval_asag (Mohler and SAF, about half an hour on 2 cores) last.
BENCHMARKS: list[list[str]] = [
    ["bench.bench_ingest"],
    ["bench.bench_startup"],
    ["bench.bench_embedders"],
    ["bench.eval_grader"],
    ["bench.profile_grade"],
    ["bench.fit_kinds", "--no-save"],  # held-out figures only: the shipped models are written without --no-save
    ["bench.eval_injection"],
    ["bench.eval_interviewer"],
    ["bench.fit_intents", "--no-save"],
    ["bench.bench_reports"],
    ["bench.bench_variants"],
    ["bench.bench_llm"],  # needs `make llm-server-env` (the local OpenAI-compatible server)
    ["bench.bench_load"],
    ["bench.bench_fairness"],  # one user bulk-grading 500 answers while another interviews
    ["bench.bench_scale"],  # a 10,000-question bank: the longest after eval_asag
    ["bench.eval_outside"],
    ["bench.eval_asag"],
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip", nargs="*", default=[], help="module names to leave out, e.g. bench.eval_asag")
    args = parser.parse_args()
    for command in BENCHMARKS:
        if command[0] in args.skip:
            continue
        started = time.perf_counter()
        print(f"== {' '.join(command)}", flush=True)
        subprocess.run([sys.executable, "-m", *command], cwd=ROOT, check=True)
        print(f"== {command[0]} took {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
