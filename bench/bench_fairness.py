"""Two users at once: while one bulk-grades 500 answers through the app's job queue, another's interview turns are
timed; the target is a turn p95 within 2x of its idle value.

Both go through what the app runs: the interviewer and grading service built by `bot.wiring` (MiniLM, SQLite), the
bulk file parsed by `parse_bulk` and graded by `grade_bulk` as a job of `bot.jobs.JobQueue` (the page's worker pool,
with the default settings), and every turn held in the queue's `turn()`, as the practice page does.

Run: .venv/bin/python -m bench.bench_fairness [--answers 500] [--turns 45] [--think 0] [--store DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
from collections.abc import Callable
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


def own(text: str, tag: str) -> str:
    """`text` made one candidate's own: the tag follows every fifth word, so no sentence or phrase of it is graded
    from vectors cached for another answer (real candidates do not share sentences; cached ones cost nothing)."""
    words = text.split(" ")
    return " ".join(f"{w} {tag}" if i % 5 == 4 else w for i, w in enumerate(words))


def bulk_file(pool: list[tuple[Question, str]], count: int, prefix: str = "c") -> bytes:
    """A CSV of `count` candidates' answers, each one of the partial answers made that candidate's own."""
    lines = ["candidate,question,answer"]
    for n in range(count):
        question, answer = pool[n % len(pool)]
        text = own(answer, f"{prefix}{n}").replace('"', '""')
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
        question, answer = pool[(number * 7) % len(pool)]
        session, _ = interviewer.start(f"{phase}-{number}", [question], depth=2)
        with queue.turn():
            interviewer.prepare(session.id)
        sentences = re.split(r"(?<=[.!?]) ", own(answer, f"{phase[0]}{number}"))
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


def phase_result(latencies: list[float], began: float, load_at_start: float) -> dict[str, Any]:
    return {"turns": len(latencies), **percentiles_ms(latencies), "max_ms": round(max(latencies) * 1000, 1),
            "wall_s": round(time.perf_counter() - began, 1),
            "load_average": [round(load_at_start, 2), round(os.getloadavg()[0], 2)]}


def idle_phase(interviewer: Interviewer, queue: JobQueue, pool: list[tuple[Question, str]], name: str, turns: int,
               think: float) -> dict[str, Any]:
    load, began = os.getloadavg()[0], time.perf_counter()
    latencies = run_turns(interviewer, queue, pool, name, lambda done, _: len(done) >= turns, think)
    return phase_result(latencies, began, load)


def loaded_phase(interviewer: Interviewer, queue: JobQueue, pool: list[tuple[Question, str]], data: bytes,
                 think: float) -> dict[str, Any]:
    rows = parse_bulk("answers.csv", data, len(data))
    load, began = os.getloadavg()[0], time.perf_counter()
    job: Job = queue.submit(f"Grading {len(rows)} answers", partial(grade_bulk, interviewer.grading, rows, jobs.step))
    while job.status == "queued":
        time.sleep(0.01)
    latencies = run_turns(interviewer, queue, pool, "loaded", lambda done, _: job.finished, think)
    while not job.finished:
        time.sleep(0.05)
    graded = sum("overall" in r for r in job.result or [])
    return {**phase_result(latencies, began, load), "job_status": job.status, "job_error": job.error,
            "job_rows": len(rows), "job_graded": graded,
            "job_s": round((job.ended or 0.0) - (job.started or 0.0), 1)}


def job_alone(interviewer: Interviewer, queue: JobQueue, data: bytes) -> dict[str, Any]:
    rows = parse_bulk("answers.csv", data, len(data))
    job = queue.submit("alone", partial(grade_bulk, interviewer.grading, rows, jobs.step))
    while not job.finished:
        time.sleep(0.05)
    return {"rows": len(rows), "job_s": round((job.ended or 0.0) - (job.started or 0.0), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=500, help="answers in the bulk file (default 500)")
    parser.add_argument("--turns", type=int, default=45, help="turns timed in each idle phase (default 45)")
    parser.add_argument("--think", type=float, default=0.0, help="seconds between one user's turns (default 0: "
                        "back to back, the hardest case)")
    parser.add_argument("--job-alone", action="store_true", help="also time the bulk job with nobody else on")
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
    pool = samples(questions)
    data = bulk_file(pool, args.answers)
    queue = JobQueue(workers=settings.job_workers, capacity=settings.job_queue)
    results: dict[str, Any] = {"questions_in_index": len(questions), "answers": args.answers, "think_s": args.think,
                               "workers": settings.job_workers}
    print("Warming up: the model, and one interview on every question (so no phase pays a first use) …", flush=True)
    run_turns(interviewer, queue, pool, "warm-up", lambda _, sessions: sessions >= len(pool), 0.0)
    grade_bulk(interviewer.grading, parse_bulk("warm.csv", bulk_file(pool, 3, "w"), 1 << 20))
    for name, run in (("idle before", lambda: idle_phase(interviewer, queue, pool, "before", args.turns,
                                                          args.think)),
                      ("during bulk grading", lambda: loaded_phase(interviewer, queue, pool, data, args.think)),
                      ("idle after", lambda: idle_phase(interviewer, queue, pool, "after", args.turns,
                                                         args.think))):
        print(f"{name} …", flush=True)
        results[name] = run()
        print(results[name], flush=True)
    if args.job_alone:
        print("bulk job alone …", flush=True)
        results["job alone"] = job_alone(interviewer, queue, data)
        print(results["job alone"], flush=True)
    loaded = results["during bulk grading"]["p95_ms"]
    results["p95_ratio_before"] = round(loaded / results["idle before"]["p95_ms"], 2)
    results["p95_ratio_after"] = round(loaded / results["idle after"]["p95_ms"], 2)
    print(f"p95 during / idle: {results['p95_ratio_before']} (before), {results['p95_ratio_after']} (after)",
          flush=True)
    queue.shutdown()
    if not args.no_save:
        save("62_fairness", results, markdown(results, args))


def markdown(results: dict[str, Any], args: argparse.Namespace) -> str:
    phases = ("idle before", "during bulk grading", "idle after")
    rows = "\n".join(
        f"| {name} | {r['turns']} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['max_ms']:.0f} | {r['wall_s']} | "
        f"{r['load_average'][0]:.1f} → {r['load_average'][1]:.1f} |" for name, r in ((n, results[n]) for n in phases))
    loaded = results["during bulk grading"]
    alone = results.get("job alone")
    alone_line = (f" With nobody else on, the same job took {alone['job_s']} s." if alone else "")
    flags = f" --answers {args.answers} --turns {args.turns} --think {args.think:g}" + (
        " --job-alone" if args.job_alone else "")
    return f"""## Two users at once: bulk grading and an interview

`python -m bench.bench_fairness{flags}`

One user bulk-grades {loaded['job_rows']} answers as a job of the app's worker pool ({results['workers']} workers),
while another user runs interviews (think time {args.think:g} s between turns), each turn held in the queue's
`turn()` as the practice page holds it; a job waits between two answers while a turn is being served. Both users'
answers are the realistic partial answers of `bench/data/partial_answers.yaml` to the seed questions, each made a
candidate's own (a tag after every fifth word, so nothing is graded from vectors cached for another answer). A timed
turn is an answer with the interviewer's reply (grading included; each session's answer comes in two messages, the
second replying to the follow-up) or a finish. The idle phases run the same kind of turns with nothing else on,
before and after; embeddings are MiniLM on the CPU, sessions in SQLite, no LLM.

| phase | turns | p50 ms | p95 ms | max ms | wall s | load average (1 min, start → end) |
|---|---|---|---|---|---|---|
{rows}

During the bulk job the turn p95 was **{results['p95_ratio_before']}x** its idle value before the job
({results['p95_ratio_after']}x the idle value after it); target: at most 2x. The job graded {loaded['job_graded']} of
{loaded['job_rows']} answers in {loaded['job_s']} s while the interviews went on.{alone_line} Before the job queue, the
app held one engine lock for the whole bulk grading, so a turn that arrived during it waited for all of it."""


if __name__ == "__main__":
    main()
