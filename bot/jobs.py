"""Long work off the interactive path: a bounded job queue on a worker pool, per-job progress, turns served first."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

log = logging.getLogger(__name__)
YIELD_AT_MOST_S = 2.0  # a job waits this long at most between two steps while turns are served, so it still advances
FINISHED_KEPT = 64  # finished jobs kept for their pages to collect (the oldest are dropped first)
JOBS_PER_OWNER = 2  # unfinished jobs one owner (a browser session) may have: one user cannot fill the queue

Status = Literal["queued", "running", "done", "failed"]


class QueueFull(RuntimeError):
    """No room for another job (the queue, or this owner's share of it, is full)."""


class TurnGate:
    """Interactive turns go first: between two steps a job waits while any turn is being served.

    A turn never waits for a job; it shares the machine with at most the one step each running job is in."""

    def __init__(self, max_wait_s: float = YIELD_AT_MOST_S) -> None:
        self.max_wait_s = max_wait_s
        self._idle = threading.Condition()
        self._turns = 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold around one interactive turn (an answer, a search, a finish)."""
        with self._idle:
            self._turns += 1
        try:
            yield
        finally:
            with self._idle:
                self._turns -= 1
                if self._turns == 0:
                    self._idle.notify_all()

    def pause(self) -> None:
        """Called by a job between steps: returns when no turn is being served, or after `max_wait_s`."""
        with self._idle:
            self._idle.wait_for(lambda: self._turns == 0, timeout=self.max_wait_s)


@dataclass
class Job:
    """One piece of long work: its progress while it runs, then its result or the error that stopped it."""

    label: str
    owner: str = ""
    id: str = field(default_factory=lambda: secrets.token_hex(16))
    status: Status = "queued"
    done: int = 0
    total: int = 0
    result: Any = None
    error: str = ""
    submitted: float = field(default_factory=time.monotonic)
    started: float | None = None
    ended: float | None = None

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0

    def describe(self, ahead: int = 0) -> str:
        """What the job is doing, for a progress bar."""
        if self.status == "queued":
            return f"{self.label}: waiting for a worker ({ahead} job(s) ahead)"
        if self.finished:
            return f"{self.label}: {'finished' if self.status == 'done' else 'failed'}"
        elapsed = time.monotonic() - (self.started or self.submitted)
        count = f"{self.done:,} of {self.total:,}, " if self.total else ""
        return f"{self.label}: {count}{elapsed:.0f} s"


_running = threading.local()  # the job a worker thread is running


def step(done: int, total: int) -> None:
    """A job's progress hook: records `done` of `total` and lets waiting turns go first (outside a job, nothing).

    Pass it as the `progress` of the work a job runs, e.g. `partial(grade_bulk, service, rows, jobs.step)`."""
    job: Job | None = getattr(_running, "job", None)
    if job is not None:
        job.done, job.total = done, total
    yield_to_turns()


def yield_to_turns() -> None:
    """In a job's thread, wait while turns are being served (elsewhere, nothing): called before each unit of heavy
    work, such as an embedding batch, so that a turn shares the machine with at most that one unit of a job."""
    gate: TurnGate | None = getattr(_running, "gate", None)
    if gate is not None:
        gate.pause()


class JobQueue:
    """A pool of `workers` threads with room for `capacity` waiting jobs; jobs run in submission order."""

    def __init__(self, workers: int = 2, capacity: int = 16, gate: TurnGate | None = None) -> None:
        self.workers = workers
        self.capacity = capacity
        self.gate = gate or TurnGate()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mockinterview-job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def turn(self) -> AbstractContextManager[None]:
        """The context to hold around an interactive turn (see TurnGate)."""
        return self.gate.turn()

    def submit(self, label: str, work: Callable[[], Any], owner: str = "",
               errors: tuple[type[Exception], ...] = ()) -> Job:
        """Queue `work()` (bind its arguments with functools.partial; `step` is its progress hook); its return value
        becomes the job's result. An exception of one of `errors` becomes the job's error message as it is; any
        other is logged and reported without its details."""
        with self._lock:
            unfinished = [j for j in self._jobs.values() if not j.finished]
            if owner and sum(j.owner == owner for j in unfinished) >= JOBS_PER_OWNER:
                raise QueueFull(f"you already have {JOBS_PER_OWNER} jobs waiting or running; wait for one to finish")
            if len(unfinished) >= self.workers + self.capacity:
                raise QueueFull(f"the job queue is full ({self.capacity} waiting; MOCKINTERVIEW_JOB_QUEUE sets the "
                                "room); try again in a minute")
            job = Job(label, owner)
            self._jobs[job.id] = job
            self._forget_old()
        self._pool.submit(self._run, job, work, errors)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def ahead_of(self, job: Job) -> int:
        """Jobs that will start before `job` does."""
        with self._lock:
            return sum(j.status == "queued" and j.submitted < job.submitted for j in self._jobs.values())

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, job: Job, work: Callable[[], Any], errors: tuple[type[Exception], ...]) -> None:
        job.status, job.started = "running", time.monotonic()
        _running.job, _running.gate = job, self.gate
        try:
            job.result = work()
        except errors as exc:
            job.error, job.status = str(exc), "failed"
        except Exception:  # the page shows a message, never a traceback; the log keeps it
            log.exception("job %r failed", job.label)
            job.error, job.status = f"{job.label} failed unexpectedly (the server log has the details)", "failed"
        else:
            job.status = "done"
        finally:
            _running.job = _running.gate = None
            job.ended = time.monotonic()

    def _forget_old(self) -> None:
        finished = sorted((j for j in self._jobs.values() if j.finished), key=lambda j: j.ended or 0.0)
        for job in finished[:max(0, len(finished) - FINISHED_KEPT)]:
            del self._jobs[job.id]
