"""SessionService: every read and write of interviews, reports and history, checked against the acting user.

Pages and commands go through this service, never the repository: a session id (a link) grants nothing by itself;
the candidate who owns a session reads and writes it, their cohort's coaches and the admins only read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.access import Actor, require_read, require_write
from bot.domain.filters import QuestionFilter
from bot.domain.interview import Session, Turn
from bot.interview.interviewer import Interviewer
from bot.reports import Format
from bot.reports.service import QuestionSource, report_bytes
from bot.storage.repository import DimensionPoint, SessionRepository, SessionSummary


@dataclass(frozen=True)
class History:
    """A user's past practice: sessions with their scores, rubric scores over time, questions already asked."""

    user: str
    sessions: list[SessionSummary]
    dimensions: list[DimensionPoint]
    seen: set[str]


@dataclass
class SessionService:
    """The stored sessions and the interviewer behind the access rules of `bot.domain.access`."""

    repo: SessionRepository
    engine: Interviewer | None = None  # needed to start and answer; reports and history only read

    @classmethod
    def of(cls, interviewer: Interviewer) -> SessionService:
        return cls(interviewer.repo, interviewer)

    @property
    def interviewer(self) -> Interviewer:
        if self.engine is None:
            raise RuntimeError("this SessionService only reads: build it with SessionService.of(interviewer)")
        return self.engine

    # -- reads --------------------------------------------------------------------------------------------------

    def open(self, actor: Actor, session_id: str) -> Session:
        """The session, if `actor` may read it (AccessDenied otherwise; SessionNotFound when there is none)."""
        session = self.repo.load(session_id)
        require_read(actor, session.config.user)
        return session

    def usage(self, actor: Actor, session: Session) -> tuple[int, float]:
        """(LLM tokens, estimated cost) of a session opened with `open`."""
        require_read(actor, session.config.user)
        return self.repo.usage(session.id)

    def history(self, actor: Actor, user: str | None = None) -> History:
        """The practice history of `user` (default: the actor's own), if `actor` may read it."""
        owner = user or actor.user
        require_read(actor, owner, "this history")
        return History(owner, self.repo.sessions_of(owner), self.repo.dimension_history(owner),
                       self.repo.questions_seen(owner))

    def report(self, actor: Actor, session_id: str, store: QuestionSource, fmt: Format,
               engine_label: str | None = None) -> bytes:
        """The rendered report of a session `actor` may read."""
        self.open(actor, session_id)
        return report_bytes(session_id, self.repo, store, fmt, engine_label)

    def latest_active(self, actor: Actor, user: str | None = None) -> Session | None:
        """The owner's most recent unfinished session, to resume it (only the owner resumes)."""
        owner = user or actor.user
        require_write(actor, owner, "this history")
        return self.repo.latest_active(owner)

    # -- writes -------------------------------------------------------------------------------------------------

    def start(self, actor: Actor, wanted: QuestionFilter, count: int, topic: str | None = None, depth: int = 2,
              user: str | None = None, seed: str | None = None) -> tuple[Session, list[Turn]]:
        """Choose the questions and start a session for `user` (default: the actor; only the local profile may
        start one under another name)."""
        owner = user or actor.user
        require_write(actor, owner, "this history")
        picked = self.interviewer.choose(owner, wanted, count, topic, seed)
        return self.interviewer.start(owner, picked, depth=depth, wanted=wanted)

    def start_with(self, actor: Actor, questions: list[str], depth: int = 2,
                   user: str | None = None) -> tuple[Session, list[Turn]]:
        """Start a session on the given questions (ids or text, each resolved to a bank question)."""
        owner = user or actor.user
        require_write(actor, owner, "this history")
        return self.interviewer.start(owner, [self.interviewer.grading.resolve(q) for q in questions], depth=depth)

    def answer(self, actor: Actor, session: Session | str, text: str,
               on_text: Callable[[str], None] | None = None) -> list[Turn]:
        """Record the candidate's message and the interviewer's reply; a Session object (from `open`) is brought
        up to date in place, an id is loaded first."""
        loaded = self.repo.load(session) if isinstance(session, str) else session
        require_write(actor, loaded.config.user)
        return self.interviewer.reply_to(loaded, text, on_text)

    def catch_up(self, actor: Actor, session_id: str) -> list[Turn]:
        require_write(actor, self.repo.load(session_id).config.user)
        return self.interviewer.catch_up(session_id)

    def finish(self, actor: Actor, session_id: str) -> Session:
        """Grade what was answered and close the session (only its candidate may)."""
        require_write(actor, self.repo.load(session_id).config.user)
        return self.interviewer.finish(session_id)

    def prepare(self, actor: Actor, session: Session) -> None:
        """Ready the grader for the question being asked in a session the actor may answer in."""
        require_write(actor, session.config.user)
        self.interviewer.prepare(session.id)
