"""Start-up benchmark: `make run` (venv already built) until the first interview question is visible in Chromium.

Run: .venv/bin/python -m bench.bench_startup [--runs 3] [--fresh-index] [--runtime torch] [--fresh-clone]

Each run starts `make run PORT=<free port>` in its own process group with an empty session database, opens the app
in headless Chromium (Playwright, Debian's /usr/bin/chromium), enters a candidate name, presses "Start interview"
and stops the clock when "Question 1 of" is on screen. `--fresh-index` also builds the index from `seeds/` in an
empty directory first (what a new clone's first `make run` does); otherwise the existing index is used.
`--fresh-clone` times what a newcomer waits: a clean clone of HEAD whose `make run` creates its venv from the lock
with an empty pip cache, builds the index and starts the app. `--runtime torch` runs MiniLM on PyTorch instead of
ONNX Runtime (the comparison in the embedder benchmark).
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

from bench.report import ROOT, directory_mb, empty_caches, save

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"]
TIMEOUT_MS = 120_000
INSTALL_TIMEOUT_S = 1800  # a fresh clone installs its venv before the page answers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def one_run(store: Path, database: Path, runtime: str = "onnx", cwd: Path = ROOT,
            extra_env: dict[str, str] | None = None) -> dict[str, float]:
    """Seconds from `make run` to the page, and to the first question, for one cold start."""
    from playwright.sync_api import Error, expect, sync_playwright

    port = free_port()
    env = {**os.environ, "MOCKINTERVIEW_STORE": str(store), "MOCKINTERVIEW_LLM": "none",
           "MOCKINTERVIEW_DATABASE_URL": f"sqlite:///{database}", "MOCKINTERVIEW_MINILM_RUNTIME": runtime,
           **(extra_env or {})}
    started = time.perf_counter()
    process = subprocess.Popen(["make", "--no-print-directory", "run", f"PORT={port}"], cwd=cwd, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            deadline = time.monotonic() + (INSTALL_TIMEOUT_S if cwd != ROOT else TIMEOUT_MS / 1000)
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
    parser.add_argument("--runtime", choices=["onnx", "torch"], default="onnx", help="MiniLM runtime (default onnx)")
    parser.add_argument("--fresh-clone", action="store_true",
                        help="a clean clone of HEAD each run: venv from the lock with an empty pip cache, index, app")
    args = parser.parse_args()
    if args.fresh_clone:
        fresh_clone(args.runs)
        return
    runs: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for number in range(args.runs):
            store = Path(tmp) / f"index-{number}" if args.fresh_index else ROOT / "vectorstore"
            runs.append(one_run(store, Path(tmp) / f"sessions-{number}.db", args.runtime))
            print(f"run {number + 1}: {runs[-1]}", flush=True)
    first = [r["first_question_s"] for r in runs]
    results: dict[str, Any] = {"runs": runs, "fresh_index": args.fresh_index, "runtime": args.runtime,
                               "first_question_median_s": round(statistics.median(first), 2),
                               "first_question_max_s": max(first)}
    index = "built from `seeds/` in an empty directory on each run" if args.fresh_index else "already built"
    on_torch = " (MiniLM on PyTorch)" if args.runtime == "torch" else ""
    markdown = f"""## Start-up: `make run` to the first question{on_torch}

Command: `.venv/bin/python -m bench.bench_startup --runs {args.runs}{' --fresh-index' if args.fresh_index else ''}\
{' --runtime torch' if args.runtime == 'torch' else ''}`

Virtual environment already installed; index {index}; empty session database; MiniLM on {args.runtime}.
Clock from launching `make run` to "Question 1 of …" visible in headless Chromium (the page loaded, a name entered,
"Start interview" pressed).

- First question visible: median **{results['first_question_median_s']} s**, worst {results['first_question_max_s']} s
  over {len(runs)} cold starts (target ≤ 20 s)
- Page with the interview settings shown: median {statistics.median(r['page_s'] for r in runs):.2f} s
"""
    name = "20_startup_fresh" if args.fresh_index else "20_startup"
    save(name if args.runtime == "onnx" else f"{name}_torch", results, markdown)
    print(markdown)


def fresh_clone(count: int) -> None:
    """What a newcomer waits for: `git clone`, then `make run` (venv, pinned install, index) to the first question."""
    runs = []
    for number in range(count):
        with tempfile.TemporaryDirectory() as tmp:
            clone = Path(tmp) / "clone"
            subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
            runs.append(one_run(clone / "vectorstore", Path(tmp) / "sessions.db", cwd=clone,
                                extra_env=empty_caches(Path(tmp))))
            runs[-1]["venv_mb"] = directory_mb(clone / ".venv")
            print(f"run {number + 1}: {runs[-1]}", flush=True)
    first = [r["first_question_s"] for r in runs]
    results = {"runs": runs, "first_question_median_s": round(statistics.median(first), 2)}
    markdown = f"""## Start-up on a fresh machine: clone, `make run`, first question

Command: `.venv/bin/python -m bench.bench_startup --fresh-clone --runs {count}`

A clean clone of HEAD, empty pip and uv caches: `make run` installs uv, creates the venv from `requirements.lock`,
builds the index from `seeds/` and starts the app; the clock stops at "Question 1 of …" in headless Chromium.

- First question visible: median **{results['first_question_median_s']} s** over {count} run(s) (target ≤ 120 s)
- Runtime venv: {statistics.median(r['venv_mb'] for r in runs):.0f} MB (target ≤ 1024 MB)
"""
    save("21_startup_fresh_clone", results, markdown)
    print(markdown)


if __name__ == "__main__":
    main()
