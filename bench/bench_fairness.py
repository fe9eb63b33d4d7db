"""Two users at once: while one bulk-grades 500 answers through the app's job queue, another's interview turns are
timed; the target is a turn p95 within 2x of its idle value.

Both go through what the app runs: the interviewer and grading service built by `bot.wiring` (MiniLM, SQLite), the
bulk file parsed by `parse_bulk` and graded by `grade_bulk` as a job of `bot.jobs.JobQueue` (the page's worker pool,
with the default settings), and every turn held in the queue's `turn()`, as the practice page does.

Run: .venv/bin/python -m bench.bench_fairness [--answers 500] [--uploads 5] [--turns 15] [--think 0] [--store DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from bench.report import ROOT, percentiles_ms, save
from bot import jobs
from bot.domain.models import Question
from bot.grading.bulk import grade_bulk, parse_bulk
from bot.ingest.pipeline import ingest
from bot.interview.interviewer import Interviewer
from bot.jobs import Job, JobQueue
from bot.settings import Settings
from bot.wiring import interviewer_for

PARTIAL_ANSWERS = ROOT / "bench" / "data" / "partial_answers.yaml"


def samples(questions: list[Question]) -> list[tuple[Question, str]]:
    """The benchmark's realistic partial answers (one per seed question) with their questions."""
    by_title = {q.title: q for q in questions}
    return [(by_title[a["title"]], " ".join(a["answer"].split()))
            for a in yaml.safe_load(PARTIAL_ANSWERS.read_text(encoding="utf-8")) if a["title"] in by_title]


SYLLABLES = ("ka", "lo", "mi", "ru", "te", "sa", "no", "vi", "de", "pu")


def tag(kind: str, n: int) -> str:
    """A made-up word naming one candidate (letters only, so the grader keeps it as a word like any other)."""
    return kind + "".join(SYLLABLES[int(d)] for d in str(n)) + "x"


def own(text: str, name: str) -> str:
    """`text` made one candidate's own: their made-up word follows every fifth word, so no sentence or phrase of
    it is graded from vectors cached for another answer (real candidates do not share sentences; cached ones cost
    nothing)."""
    words = text.split(" ")
    return " ".join(f"{w} {name}" if i % 5 == 4 else w for i, w in enumerate(words))


def bulk_file(pool: list[tuple[Question, str]], count: int, kind: str = "zu", first: int = 0) -> bytes:
    """A CSV of `count` candidates' answers (numbered from `first`), each a partial answer made their own."""
    lines = ["candidate,question,answer"]
    for n in range(first, first + count):
        question, answer = pool[n % len(pool)]
        text = own(answer, tag(kind, n)).replace('"', '""')
        lines.append(f'candidate-{n:04d},{question.id},"{text}"')
    return ("\n".join(lines) + "\n").encode()


def run_turns(interviewer: Interviewer, queue: JobQueue, pool: list[tuple[Question, str]], phase: str,
              enough: Callable[[list[float], int], bool], think: float) -> list[float]:
    """One user's interviews, one session after another, until `enough(turn_seconds, sessions)`: each prepares its
    question (as the page does while the candidate reads), answers it in two messages (the second one replies to
    the follow-up) and finishes; each answer and finish is one timed turn, held in `queue.turn()` as the practice
    page holds it."""
    latencies: list[float] = []
    number = 0
    while not enough(latencies, number):
        question, answer = pool[number % len(pool)]
        session, _ = interviewer.start(f"{phase}-{number}", [question], depth=2)
        with queue.turn():
            interviewer.prepare(session.id)
        sentences = re.split(r"(?<=[.!?]) ", own(answer, tag(phase[:2], number)))
        half = max(1, len(sentences) // 2)
        for message in (" ".join(sentences[:half]), " ".join(sentences[half:])):
            if not message or interviewer.repo.load(session.id).status == "finished" or enough(latencies, number):
                break
            time.sleep(think)
            began = time.perf_counter()
            with queue.turn():
                interviewer.respond(session.id, message)
            latencies.append(time.perf_counter() - began)
        time.sleep(think)
        began = time.perf_counter()
        with queue.turn():
            interviewer.finish(session.id)
        latencies.append(time.perf_counter() - began)
        number += 1
    return latencies


def in_session_thread(work: Callable[[], list[float]]) -> list[float]:
    """Run one user's turns in a thread of their own, as Streamlit runs each page run (not in the main thread:
    there torch starts a two-thread OpenMP team per operation, which a busy shared machine slows many times over)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="browser-session") as session:
        return session.submit(work).result()


def summary(latencies: list[float]) -> dict[str, Any]:
    return {"turns": len(latencies), **percentiles_ms(latencies), "max_ms": round(max(latencies) * 1000, 1)}


def idle_block(interviewer: Interviewer, queue: JobQueue, pool: list[tuple[Question, str]], name: str, turns: int,
               think: float) -> tuple[list[float], dict[str, Any]]:
    load, began = os.getloadavg()[0], time.perf_counter()
    latencies = in_session_thread(partial(run_turns, interviewer, queue, pool, name,
                                          lambda done, _: len(done) >= turns, think))
    return latencies, {"phase": "idle", **summary(latencies), "wall_s": round(time.perf_counter() - began, 1),
                       "load_average": [round(load, 2), round(os.getloadavg()[0], 2)]}


def loaded_block(interviewer: Interviewer, queue: JobQueue, pool: list[tuple[Question, str]], name: str,
                 data: bytes, think: float) -> tuple[list[float], dict[str, Any]]:
    """The other user's turns for as long as one bulk upload's job runs (submitted as the recruiter page does)."""
    rows = parse_bulk("answers.csv", data, len(data))
    load, began = os.getloadavg()[0], time.perf_counter()
    job: Job = queue.submit(f"Grading {len(rows)} answers", partial(grade_bulk, interviewer.grading, rows, jobs.step))
    while job.status == "queued":
        time.sleep(0.01)
    latencies = in_session_thread(partial(run_turns, interviewer, queue, pool, name, lambda done, _: job.finished,
                                          think))
    while not job.finished:
        time.sleep(0.05)
    return latencies, {"phase": "bulk job", **summary(latencies), "wall_s": round(time.perf_counter() - began, 1),
                       "load_average": [round(load, 2), round(os.getloadavg()[0], 2)], "job_status": job.status,
                       "job_error": job.error, "job_rows": len(rows),
                       "job_graded": sum("overall" in r for r in job.result or []),
                       "job_s": round((job.ended or 0.0) - (job.started or 0.0), 1)}


def job_alone(interviewer: Interviewer, queue: JobQueue, data: bytes) -> dict[str, Any]:
    """One upload's job with nobody else on (answers of other candidates: nothing of them is cached)."""
    rows = parse_bulk("answers.csv", data, len(data))
    job = queue.submit("alone", partial(grade_bulk, interviewer.grading, rows, jobs.step))
    while not job.finished:
        time.sleep(0.05)
    return {"rows": len(rows), "job_s": round((job.ended or 0.0) - (job.started or 0.0), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=500, help="answers bulk-graded in all (default 500)")
    parser.add_argument("--uploads", type=int, default=5, help="uploads they come in, one job each, with idle "
                        "turns measured before, between and after them, so that idle and loaded turns see the same "
                        "background load on a shared machine (default 5; 1 = one file)")
    parser.add_argument("--turns", type=int, default=15, help="turns timed in each idle block (default 15)")
    parser.add_argument("--think", type=float, default=0.0, help="seconds between one user's turns (default 0: "
                        "back to back, the hardest case)")
    parser.add_argument("--job-alone", action="store_true", help="also time one upload's job with nobody else on")
    parser.add_argument("--store", type=Path, default=None, help="index directory (default: a fresh one of seeds/)")
    parser.add_argument("--no-save", action="store_true", help="print only; do not write bench/results")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-fairness-"))
    settings = Settings(store=args.store or work / "index", database_url=f"sqlite:///{work / 'sessions.db'}",
                        llm="none")
    interviewer = interviewer_for(settings)
    if interviewer.grading.store.count_chunks() == 0:
        print(f"Indexing seeds/ into {settings.store} …", flush=True)
        ingest([ROOT / "seeds"], interviewer.grading.store, interviewer.grading.embedder)
    questions = interviewer.grading.store.questions()
    pool = samples(questions)  # the bulk answers are to every question; the interviews practise 8 of them
    interviews = pool[::4]
    per_upload = -(-args.answers // args.uploads)
    uploads = [bulk_file(pool, min(per_upload, args.answers - first), first=first)
               for first in range(0, args.answers, per_upload)]
    queue = JobQueue(workers=settings.job_workers, capacity=settings.job_queue)
    print("Warming up: the model, every question's reference (a grade compares the answer with the nearest bank "
          "questions too), and one interview on each question practised, so that no block pays a first use …",
          flush=True)
    for question in questions:
        interviewer.grading.prepare(question)
    in_session_thread(partial(run_turns, interviewer, queue, interviews, "warm-up",
                              lambda _, sessions: sessions >= len(interviews), 0.0))
    idle: list[float] = []
    loaded: list[float] = []
    blocks: list[dict[str, Any]] = []
    for number, data in enumerate([*uploads, None]):
        latencies, block = idle_block(interviewer, queue, interviews, f"i{SYLLABLES[number % 10]}", args.turns,
                                      args.think)
        idle += latencies
        blocks.append(block)
        print(block, flush=True)
        if data is not None:
            latencies, block = loaded_block(interviewer, queue, interviews, f"l{SYLLABLES[number % 10]}", data,
                                            args.think)
            loaded += latencies
            blocks.append(block)
            print(block, flush=True)
    results: dict[str, Any] = {
        "questions_in_index": len(questions), "answers": args.answers, "uploads": len(uploads),
        "think_s": args.think, "workers": settings.job_workers, "idle": summary(idle), "during_bulk": summary(loaded),
        "blocks": blocks, "graded": sum(b.get("job_graded", 0) for b in blocks),
        "job_s": round(sum(b.get("job_s", 0.0) for b in blocks), 1)}
    results["p95_ratio"] = round(results["during_bulk"]["p95_ms"] / results["idle"]["p95_ms"], 2)
    if args.job_alone:
        results["job_alone"] = job_alone(interviewer, queue, bulk_file(pool, per_upload, kind="al"))
    print(f"turn p95 during bulk grading / idle: {results['p95_ratio']}", flush=True)
    queue.shutdown()
    if not args.no_save:
        save("62_fairness", results, markdown(results, args))


def markdown(results: dict[str, Any], args: argparse.Namespace) -> str:
    idle, loaded = results["idle"], results["during_bulk"]
    loads = [x for b in results["blocks"] for x in b["load_average"]]
    blocks = "\n".join(
        f"| {b['phase']} | {b['turns']} | {b['p50_ms']:.0f} | {b['p95_ms']:.0f} | {b['max_ms']:.0f} | {b['wall_s']} | "
        f"{b['load_average'][0]:.1f} → {b['load_average'][1]:.1f} |" for b in results["blocks"])
    alone = results.get("job_alone")
    alone_line = (f"\nOne upload of {alone['rows']} other answers, graded with nobody else on, took "
                  f"{alone['job_s']} s: that is how long a turn would have waited behind it under a single lock."
                  if alone else "")
    flags = f" --answers {args.answers} --uploads {args.uploads} --turns {args.turns} --think {args.think:g}" + (
        " --job-alone" if args.job_alone else "")
    return f"""## Two users at once: bulk grading and an interview

`python -m bench.bench_fairness{flags}`

One user bulk-grades {results['answers']} answers ({results['uploads']} uploads, one job each, on the app's worker pool
of {results['workers']} workers) while another user runs interviews turn after turn (think time {args.think:g} s), each
turn held in the queue's `turn()` as the practice page holds it: a job waits before its next answer and before its
next embedding batch while a turn is being served. Idle turns are timed before, between and after the uploads, so
that idle and loaded turns see the same background load on the shared machine. All answers are the realistic
partial answers of `bench/data/partial_answers.yaml` (the bulk files answer all {results['questions_in_index']} seed
questions, the interviews 8 of them; a warm-up prepared every reference first), each made one candidate's own by a
made-up word after every fifth word, so that nothing is graded from vectors cached for another answer. A timed turn
is an answer with the interviewer's reply (grading included; each session's answer comes in two messages, the
second replying to the follow-up) or a finish. MiniLM embeddings on the CPU, sessions in SQLite, no LLM; each
user's turns run in a thread of their own, as Streamlit runs each page run.

| turns | count | p50 ms | p95 ms | max ms |
|---|---|---|---|---|
| idle | {idle['turns']} | {idle['p50_ms']:.0f} | {idle['p95_ms']:.0f} | {idle['max_ms']:.0f} |
| during bulk grading | {loaded['turns']} | {loaded['p50_ms']:.0f} | {loaded['p95_ms']:.0f} | {loaded['max_ms']:.0f} |

During bulk grading the turn p95 was **{results['p95_ratio']}x** its idle value (target: at most 2x). The jobs
graded {results['graded']} of {results['answers']} answers in {results['job_s']} s of job time while the interviews went
on; turns come first, so a job shared with back-to-back turns runs slower than alone.{alone_line}
Before the job queue, the app held one engine lock for the whole of a bulk grading, so a turn that arrived as one
started waited for all of it. The 1-minute load average ranged {min(loads):.1f}–{max(loads):.1f} on the machine's 2
cores during the run (this benchmark itself keeps about two busy).

| block | turns | p50 ms | p95 ms | max ms | wall s | load average (start → end) |
|---|---|---|---|---|---|---|
{blocks}"""


if __name__ == "__main__":
    main()
