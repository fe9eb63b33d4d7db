"""Start-up benchmark: `make run` (venv already built) until the first interview question is visible in Chromium.

Run: .venv/bin/python -m bench.bench_startup [--runs 3] [--fresh-index]

Each run starts `make run PORT=<free port>` in its own process group with an empty session database, opens the app
in headless Chromium (Playwright, Debian's /usr/bin/chromium), enters a candidate name, presses "Start interview"
and stops the clock when "Question 1 of" is on screen. `--fresh-index` also builds the index from `seeds/` in an
empty directory first (what a new clone's first `make run` does); otherwise the existing index is used.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.report import ROOT, save

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"]
TIMEOUT_MS = 120_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def one_run(store: Path, database: Path) -> dict[str, float]:
    """Seconds from `make run` to the page, and to the first question, for one cold start."""
    from playwright.sync_api import Error, expect, sync_playwright

    port = free_port()
    env = {**os.environ, "MOCKINTERVIEW_STORE": str(store), "MOCKINTERVIEW_LLM": "none",
           "MOCKINTERVIEW_DATABASE_URL": f"sqlite:///{database}"}
    started = time.perf_counter()
    process = subprocess.Popen(["make", "--no-print-directory", "run", f"PORT={port}"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            deadline = time.monotonic() + TIMEOUT_MS / 1000
            while True:
                if process.poll() is not None:
                    raise SystemExit(f"`make run` exited with {process.returncode}")
                try:
                    page.goto(f"http://127.0.0.1:{port}", timeout=5000)
                    break
                except Error:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            sidebar = page.get_by_test_id("stSidebar")
            start = sidebar.get_by_role("button", name="Start interview")
            expect(start).to_be_visible(timeout=TIMEOUT_MS)
            page_shown = time.perf_counter() - started
            name = sidebar.get_by_role("textbox", name="Candidate name")
            name.fill("startup-benchmark")
            name.press("Enter")
            page.wait_for_timeout(300)
            expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=TIMEOUT_MS)
            start.click()
            expect(page.get_by_text("Question 1 of").first).to_be_visible(timeout=TIMEOUT_MS)
            first_question = time.perf_counter() - started
            browser.close()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    return {"page_s": round(page_shown, 2), "first_question_s": round(first_question, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="cold starts to time (default 3)")
    parser.add_argument("--fresh-index", action="store_true",
                        help="build the index from seeds/ in an empty directory on each run")
    args = parser.parse_args()
    runs: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for number in range(args.runs):
            store = Path(tmp) / f"index-{number}" if args.fresh_index else ROOT / "vectorstore"
            runs.append(one_run(store, Path(tmp) / f"sessions-{number}.db"))
            print(f"run {number + 1}: {runs[-1]}", flush=True)
    first = [r["first_question_s"] for r in runs]
    results: dict[str, Any] = {"runs": runs, "fresh_index": args.fresh_index,
                               "first_question_median_s": round(statistics.median(first), 2),
                               "first_question_max_s": max(first)}
    index = "built from `seeds/` in an empty directory on each run" if args.fresh_index else "already built"
    markdown = f"""## Start-up: `make run` to the first question

Command: `.venv/bin/python -m bench.bench_startup --runs {args.runs}{' --fresh-index' if args.fresh_index else ''}`

Virtual environment already installed; index {index}; empty session database. Clock from launching `make run`
to "Question 1 of …" visible in headless Chromium (the page loaded, a name entered, "Start interview" pressed).

- First question visible: median **{results['first_question_median_s']} s**, worst {results['first_question_max_s']} s
  over {len(runs)} cold starts (target ≤ 20 s)
- Page with the interview settings shown: median {statistics.median(r['page_s'] for r in runs):.2f} s
"""
    save("20_startup_fresh" if args.fresh_index else "20_startup", results, markdown)
    print(markdown)


if __name__ == "__main__":
    main()
