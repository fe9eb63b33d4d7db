"""Many candidates at once: N simulated candidates run whole scripted sessions concurrently (threads) against one
index and one database (SQLite and PostgreSQL); checks that no turn is lost or crossed and reports turn latency.

Run: .venv/bin/python -m bench.bench_load [--candidates 20] [--databases sqlite,postgres] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.report import ROOT, percentiles_ms, save
from bot.domain.models import Question
from bot.grading.grounded import GroundedGrader
from bot.grading.service import GradingService
from bot.ingest.pipeline import ingest
from bot.interview.interviewer import Interviewer
from bot.retrieval.embedder import CachedEmbedder, Embedder, OnnxMiniLMEmbedder
from bot.retrieval.store import ChromaStore
from bot.storage.repository import SessionRepository
from bot.storage.schema import describe_url

ANSWERS = [
    "For {topic} I would start from the goal and the metric that matters, state my assumptions, and then describe "
    "the data I would need and how I would validate it ({tag}).",
    "I would compare a simple baseline with a stronger model, watch precision and recall, and look at the trade-off "
    "between cost and quality before rolling it out to ten percent of users first ({tag}).",
    "The risks are data drift and bias; I would monitor them weekly and the result I would expect is a measurable "
    "lift of a few percent on the primary metric ({tag}).",
]


@dataclass
class CandidateRun:
    index: int
    question: Question
    session_id: str = ""
    sent: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    error: str | None = None


def tag(index: int) -> str:
    return f"candidate-{index:03d}"


def run_candidate(interviewer: Interviewer, run: CandidateRun, depth: int, start: threading.Barrier) -> None:
    try:
        start.wait()
        began = time.perf_counter()
        session, _ = interviewer.start(tag(run.index), [run.question], depth=depth)
        run.latencies.append(time.perf_counter() - began)
        run.session_id = session.id
        for template in ANSWERS:
            if interviewer.repo.load(session.id).status == "finished":
                break
            message = template.format(topic=run.question.title, tag=tag(run.index))
            began = time.perf_counter()
            interviewer.respond(session.id, message)
            run.latencies.append(time.perf_counter() - began)
            run.sent.append(message)
        began = time.perf_counter()
        interviewer.finish(session.id)
        run.latencies.append(time.perf_counter() - began)
    except Exception as exc:  # noqa: BLE001 - every failure is counted and reported, never hidden
        run.error = f"{type(exc).__name__}: {exc}"


def verify(repo: SessionRepository, run: CandidateRun) -> list[str]:
    """Problems with one candidate's stored transcript: it must hold exactly its own turns, in order."""
    if run.error or not run.session_id:
        return [f"{tag(run.index)}: {run.error or 'no session'}"]
    session = repo.load(run.session_id)
    problems = []
    said = [t.text for t in session.turns if t.role == "candidate"]
    if said != run.sent:
        problems.append(f"{tag(run.index)}: stored candidate turns differ from what was sent")
    if session.config.user != tag(run.index) or any(t.question_id != run.question.id for t in session.turns):
        problems.append(f"{tag(run.index)}: a turn belongs to another question or user")
    if any(tag(other) in t.text for t in session.turns for other in range(1000) if other != run.index):
        problems.append(f"{tag(run.index)}: another candidate's words appear in this transcript")
    kinds = [t.kind for t in session.turns]
    if kinds[0] != "question" or kinds.count("question") != 1 or session.status != "finished":
        problems.append(f"{tag(run.index)}: unexpected turn sequence {kinds} / {session.status}")
    if run.question.id not in session.grades:
        problems.append(f"{tag(run.index)}: no grade stored")
    return problems


def run_load(interviewer: Interviewer, questions: list[Question], candidates: int, depth: int,
             timeout: float) -> dict[str, Any]:
    runs = [CandidateRun(i, questions[i % len(questions)]) for i in range(candidates)]
    barrier = threading.Barrier(candidates)
    threads = [threading.Thread(target=run_candidate, args=(interviewer, run, depth, barrier), daemon=True)
               for run in runs]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    deadline = began + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.perf_counter()))
    wall = time.perf_counter() - began
    unfinished = sum(thread.is_alive() for thread in threads)
    problems = [p for run in runs if not any(t.is_alive() for t in threads) for p in verify(interviewer.repo, run)]
    latencies = [x for run in runs for x in run.latencies]
    stored_turns = sum(len(interviewer.repo.load(r.session_id).turns) for r in runs if r.session_id)
    return {"candidates": candidates, "wall_s": round(wall, 1), "timed_out": unfinished,
            "errors": sum(r.error is not None for r in runs), "problems": problems[:20],
            "problem_count": len(problems), "turns_timed": len(latencies), "turns_stored": stored_turns,
            **percentiles_ms(latencies), "max_ms": round(max(latencies) * 1000, 1) if latencies else None}


def build_grading(store_dir: Path, embedder: Embedder, banks: list[Path]) -> GradingService:
    store = ChromaStore.open(path=store_dir, embedder_name=embedder.name, dim=embedder.dim)
    if store.count_chunks() == 0:
        print(f"Indexing {', '.join(str(b) for b in banks)} into {store_dir} …", flush=True)
        ingest(banks, store, embedder)
    return GradingService(store=store, embedder=embedder, grounded=GroundedGrader(embedder))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=20, help="simultaneous candidates (default 20)")
    parser.add_argument("--depth", type=int, default=2, help="follow-ups per question (default 2)")
    parser.add_argument("--databases", default="sqlite,postgres", help="comma list of sqlite, postgres")
    parser.add_argument("--postgres-url", default=None, help="PostgreSQL URL (default: start a throw-away server "
                        "from Debian's postgresql package, as the integration tests do)")
    parser.add_argument("--store", type=Path, default=None, help="index directory (default: a fresh one of seeds/)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds allowed per database run")
    parser.add_argument("--no-cold-run", action="store_true", help="skip the first run, which measures a fresh "
                        "process (its one-time start-up costs land on the first concurrent turns)")
    parser.add_argument("--no-save", action="store_true", help="print only; do not write bench/results")
    args = parser.parse_args()

    model = OnnxMiniLMEmbedder()
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    store = build_grading(args.store or work / "index", CachedEmbedder(model), [ROOT / "seeds"]).store
    questions = store.questions()
    results: dict[str, Any] = {"questions_in_index": len(questions), "depth": args.depth, "runs": {}}
    server = None
    try:
        names = [d.strip() for d in args.databases.split(",") if d.strip()]
        if not args.no_cold_run:
            names.insert(0, "sqlite, fresh process")
        for name in names:
            if name.startswith("sqlite"):
                url = f"sqlite:///{work / (name.replace(', ', '-').replace(' ', '-') + '.db')}"
            elif name == "postgres":
                url = args.postgres_url or ""
                if not url:
                    from tests.integration.servers import PostgresServer

                    server = PostgresServer()
                    server.init()
                    server.start()
                    url = server.create_database("bench_load")
            else:
                parser.error(f"unknown database {name!r}")
            repo = SessionRepository(url)
            embedder = CachedEmbedder(model)  # a cold cache per run, so no run reuses another's embeddings
            grading = GradingService(store=store, embedder=embedder, grounded=GroundedGrader(embedder))
            print(f"{args.candidates} candidates against {describe_url(url)} …", flush=True)
            result = run_load(Interviewer(repo=repo, grading=grading), questions, args.candidates, args.depth,
                              args.timeout)
            result["database"] = describe_url(url).split(":")[0]
            results["runs"][name] = result
            print(result, flush=True)
            repo.close()
    finally:
        if server:
            server.cleanup()
    if not args.no_save:
        save("60_load", results, markdown(results, args))


def markdown(results: dict[str, Any], args: argparse.Namespace) -> str:
    rows = "\n".join(
        f"| {name} | {r['candidates']} | {r['turns_timed']} | {r['turns_stored']} | {r['errors']} | "
        f"{r['problem_count']} | {r['timed_out']} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['max_ms']:.0f} | "
        f"{r['wall_s']} |"
        for name, r in results["runs"].items())
    cold = " --no-cold-run" if args.no_cold_run else ""
    return f"""## Many candidates at once

`python -m bench.bench_load --candidates {args.candidates} --depth {args.depth} --databases {args.databases}{cold}`

{args.candidates} simulated candidates, one thread each, start together and run a whole scripted session (question,
up to three answers to the interviewer's follow-ups, finish with grading) through one shared interviewer: one
embedded Chroma index of the seed banks ({results['questions_in_index']} questions, MiniLM embeddings) and one
database; each database run starts with a cold embedding cache. A timed turn is one call: starting the session,
one answer with the interviewer's reply (grading
included), or finishing. Afterwards every stored transcript is checked to hold exactly its candidate's own
messages, in order, for its own question and user, with a grade ("problems" counts any deviation).

| database | users | turns timed | turns stored | errors | problems | timed out | p50 ms | p95 ms | max ms | wall s |
|---|---|---|---|---|---|---|---|---|---|---|
{rows}

The first row is the first load a fresh process serves (SQLite): one-time start-up work in the process lands on
its first concurrent turns. The following rows run in the same process afterwards, each with its own database and
a cold embedding cache. Without the fresh-process row, whichever database runs first shows the slow first turns
(checked with `--no-cold-run --databases postgres,sqlite`), so the difference is the process, not the database.

Latency is that of 20 sessions sharing the machine's cores at once (grading embeds each answer with MiniLM on the
CPU), not of one candidate alone."""


if __name__ == "__main__":
    main()
