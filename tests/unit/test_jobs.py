"""The job queue: results, errors without tracebacks, bounded room, and interactive turns served while a job runs."""

from __future__ import annotations

import json
import threading
import time
from functools import partial
from pathlib import Path

import pytest

from bot import jobs
from bot.domain.filters import QuestionFilter
from bot.grading.bulk import grade_bulk, parse_bulk
from bot.grading.grounded import GroundedGrader
from bot.grading.service import GradingService
from bot.ingest.pipeline import ingest
from bot.interview.interviewer import Interviewer
from bot.jobs import Job, JobQueue, QueueFull, TurnGate
from bot.retrieval.embedder import CachedEmbedder
from bot.retrieval.store import ChromaStore
from bot.storage.repository import SessionRepository
from tests.fakes import HashingEmbedder

QUESTION = {"title": "Checkout experiment", "category": "analytics_experimentation",
            "question": "How would you A/B test a new one-click checkout?",
            "reference_answer": "Metrics:\n- Primary conversion rate, guardrail refund rate\nDesign:\n- Randomise by "
                                "user, run two full weeks, compute power for a 1% lift"}


def wait_for(job: Job, timeout: float = 30.0) -> Job:
    deadline = time.monotonic() + timeout
    while not job.finished and time.monotonic() < deadline:
        time.sleep(0.01)
    assert job.finished, f"{job.label} did not finish in {timeout} s"
    return job


def counting(n: int) -> int:
    for done in range(1, n + 1):
        jobs.step(done, n)
    return n


def test_a_job_reports_progress_and_returns_its_result() -> None:
    queue = JobQueue(workers=1, capacity=2)
    job = wait_for(queue.submit("Counting", partial(counting, 5)))
    assert (job.status, job.result, job.done, job.total, job.fraction) == ("done", 5, 5, 5, 1.0)
    assert job.describe() == "Counting: finished"
    jobs.step(1, 2)  # outside a job the hook does nothing


def fails(error: Exception) -> None:
    raise error


def test_an_expected_error_is_shown_as_is_and_any_other_without_its_details() -> None:
    queue = JobQueue(workers=1)
    known = wait_for(queue.submit("Grading", partial(fails, ValueError("the file has no answers")),
                                  errors=(ValueError,)))
    assert (known.status, known.error) == ("failed", "the file has no answers")
    other = wait_for(queue.submit("Grading", partial(fails, KeyError("/srv/secret/path"))))
    assert other.status == "failed" and other.error == "Grading failed unexpectedly (the server log has the details)"


def test_the_queue_has_bounded_room_and_one_owner_cannot_fill_it() -> None:
    release = threading.Event()
    queue = JobQueue(workers=1, capacity=1)
    running = queue.submit("first", release.wait, owner="ana")
    waiting = queue.submit("second", release.wait, owner="bo")
    while running.status != "running":
        time.sleep(0.01)
    assert queue.ahead_of(waiting) == 0 and "waiting for a worker" in waiting.describe(queue.ahead_of(waiting))
    with pytest.raises(QueueFull, match=r"the job queue is full \(1 waiting; MOCKINTERVIEW_JOB_QUEUE"):
        queue.submit("third", release.wait, owner="cy")
    release.set()
    wait_for(running), wait_for(waiting)
    roomy = JobQueue(workers=4, capacity=4)
    release.clear()
    held = [roomy.submit(f"mine {i}", release.wait, owner="ana") for i in range(jobs.JOBS_PER_OWNER)]
    with pytest.raises(QueueFull, match="you already have 2 jobs waiting or running"):
        roomy.submit("one more", release.wait, owner="ana")
    assert roomy.submit("someone else's", release.wait, owner="bo")
    release.set()
    for job in held:
        wait_for(job)


def test_a_job_waits_between_steps_while_a_turn_is_served() -> None:
    queue = JobQueue(workers=1)
    started = threading.Event()

    def work() -> int:
        started.set()
        return counting(1000)

    with queue.turn():
        job = queue.submit("Counting", work)
        started.wait(5)
        time.sleep(0.3)
        assert job.done == 1  # it did one step, then waited for the turn
    assert wait_for(job).result == 1000


def test_embedding_in_a_job_waits_while_a_turn_is_served_and_elsewhere_never() -> None:
    queue = JobQueue(workers=1, gate=TurnGate(max_wait_s=600))
    calls: list[str] = []
    embedder = CachedEmbedder(HashingEmbedder(), before_embed=jobs.yield_to_turns)
    with queue.turn():
        embedder.embed(["a turn's own text"])  # outside a job: not held back by the turn in progress
        job = queue.submit("Embedding", lambda: calls.append("done") or embedder.embed(["a job's text"]))
        time.sleep(0.3)
        assert job.status == "running" and calls == ["done"]  # it reached the embedding, and waits there
    assert wait_for(job).result.shape == (1, HashingEmbedder.dim)


@pytest.fixture
def interviewer(tmp_path: Path) -> Interviewer:
    embedder = HashingEmbedder()
    store = ChromaStore.open(path=tmp_path / "index", embedder_name=embedder.name, dim=embedder.dim)
    (tmp_path / "bank.json").write_text(json.dumps([QUESTION]), encoding="utf-8")
    ingest([tmp_path / "bank.json"], store, embedder)
    grading = GradingService(store=store, embedder=embedder, grounded=GroundedGrader(embedder))
    return Interviewer(repo=SessionRepository(f"sqlite:///{tmp_path / 'sessions.db'}"), grading=grading)


def test_an_interactive_turn_is_served_while_a_long_bulk_job_runs_not_after_it(interviewer: Interviewer) -> None:
    answers = "".join(f"cand{i},{QUESTION['question']},\"I would randomise by user number {i}, watch conversion "
                      f"and refunds for {i % 5 + 1} weeks\"\n" for i in range(300))
    rows = parse_bulk("answers.csv", f"candidate,question,answer\n{answers}".encode(), 5 * 1024 * 1024)
    question = interviewer.choose("ana", QuestionFilter(), 1)[0]
    warm, _ = interviewer.start("warm-up", [question], depth=1)
    interviewer.respond(warm.id, "I would look at conversion.")  # one-time model loads are not the turn measured
    queue = JobQueue(workers=2, gate=TurnGate(max_wait_s=600))  # the job may not move on while the turn lasts
    bulk = queue.submit("Grading 300 answers", partial(grade_bulk, interviewer.grading, rows, jobs.step))
    deadline = time.monotonic() + 60
    while bulk.done < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert bulk.status == "running" and bulk.done >= 2
    with queue.turn():
        session, _ = interviewer.start("ana", [question], depth=1)
        before = bulk.done
        turns = interviewer.respond(session.id, "I would randomise by user and track the conversion rate.")
        during = bulk.done - before
    assert turns and turns[0].role == "interviewer"
    assert not bulk.finished and during <= 1  # served within one row of the job, not after its 300 rows
    results = wait_for(bulk, timeout=600).result
    assert len(results) == 300 and all("overall" in r for r in results)
