"""SessionRepository: each write commits before returning; short-lived ORM sessions make it safe across threads."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from statistics import fmean
from typing import Any, Literal, TypeVar, cast

from pydantic import BaseModel, Field
from sqlalchemy import URL, CursorResult, Engine, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import sessionmaker

from bot.domain.grade import Grade
from bot.domain.interview import Session, SessionConfig, Turn, now
from bot.storage.errors import SessionNotFound, StorageError
from bot.storage.models import GradeRow, SessionRow, TurnRow, UserRow
from bot.storage.schema import db_session, ensure_schema, make_engine, storage_error

__all__ = ["DimensionPoint", "SessionNotFound", "SessionRepository", "SessionSummary", "StorageError"]

T = TypeVar("T")
_WRITE_ATTEMPTS = 8
STATUSES = ("active", "finished")


class SessionSummary(BaseModel):
    """One past session for a history list: its questions and the overall score of each graded one."""

    id: str
    created_at: datetime
    status: Literal["active", "finished"]
    question_ids: list[str]
    overall: dict[str, int] = Field(default_factory=dict)
    mean_overall: float | None = None


class DimensionPoint(BaseModel):
    """One rubric-dimension score of one graded answer, for "scores per dimension over time"."""

    session_id: str
    question_id: str
    created_at: datetime
    key: str
    name: str
    score: int = Field(ge=1, le=5)


class SessionRepository:
    """Users, sessions, turns and grades in any SQLAlchemy database (SQLite by default, PostgreSQL unchanged)."""

    def __init__(self, database: str | URL | Engine) -> None:
        self._owns_engine = not isinstance(database, Engine)
        self.engine = make_engine(database) if not isinstance(database, Engine) else database
        ensure_schema(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        """Release pooled connections (only of an engine this repository created)."""
        if self._owns_engine:
            self.engine.dispose()

    # -- plumbing ---------------------------------------------------------------------------------------------

    def _db(self, action: str) -> AbstractContextManager[DbSession]:
        return db_session(self._sessions, action, self.engine.url)

    def _retrying(self, action: str, write: Callable[[], T]) -> T:
        """Run one write transaction, retrying when a concurrent writer took the same unique key first."""
        for attempt in range(_WRITE_ATTEMPTS):
            try:
                return write()
            except IntegrityError as exc:
                if attempt == _WRITE_ATTEMPTS - 1:
                    raise storage_error(action, self.engine.url, exc) from exc
                time.sleep(random.uniform(0.001, 0.01) * (attempt + 1))
        raise AssertionError("unreachable")

    @staticmethod
    def _touch(db: DbSession, session_id: str, **values: Any) -> None:
        """Update the session row (locking it until commit, which serialises writers); SessionNotFound if absent."""
        result = cast(CursorResult[Any], db.execute(
            update(SessionRow).where(SessionRow.id == session_id).values(updated_at=now(), **values)))
        if result.rowcount == 0:
            raise SessionNotFound(session_id)

    @staticmethod
    def _user_id(user: str) -> Any:
        return select(UserRow.id).where(UserRow.name == user).scalar_subquery()

    # -- writes ---------------------------------------------------------------------------------------------

    def create_session(self, config: SessionConfig) -> Session:
        """Start a session for `config.user` (creating the user on first use), committed before returning."""
        def write() -> Session:
            created = now()
            with self._db("create a session in") as db, db.begin():
                user_id = db.scalar(select(UserRow.id).where(UserRow.name == config.user))
                if user_id is None:
                    user = UserRow(name=config.user, created_at=created)
                    db.add(user)
                    db.flush()
                    user_id = user.id
                session_id = uuid.uuid4().hex
                db.add(SessionRow(id=session_id, user_id=user_id, config=config.model_dump(mode="json"),
                                  status="active", created_at=created, updated_at=created, tokens_used=0,
                                  est_cost=0.0))
            return Session(id=session_id, config=config, created_at=created)
        return self._retrying("create a session in", write)

    def append_turn(self, session_id: str, turn: Turn) -> None:
        """Store `turn` as the session's next message (seq = last + 1), committed before returning."""
        def write() -> None:
            with self._db("save a turn in") as db, db.begin():
                self._touch(db, session_id)
                db.add(self._turn_row(session_id, self._next_seq(db, session_id), turn))
        self._retrying("save a turn in", write)

    def record(self, session_id: str, turns: list[Turn], grades: dict[str, Grade] | None = None,
               status: Literal["active", "finished"] | None = None, tokens: int = 0, cost: float = 0.0) -> None:
        """Store the interviewer's reply in one transaction: its turns in order, any grades, the session's status and
        the LLM usage it cost (a reply is saved whole or not at all)."""
        if status is not None and status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
        if tokens < 0 or cost < 0:
            raise ValueError("tokens and cost must not be negative")

        def write() -> None:
            with self._db("save a reply in") as db, db.begin():
                updates: dict[str, Any] = {"status": status} if status else {}
                if tokens or cost:
                    updates |= {"tokens_used": SessionRow.tokens_used + int(tokens),
                                "est_cost": SessionRow.est_cost + float(cost)}
                self._touch(db, session_id, **updates)
                seq = self._next_seq(db, session_id)
                for offset, turn in enumerate(turns):
                    db.add(self._turn_row(session_id, seq + offset, turn))
                for question_id, grade in (grades or {}).items():
                    self._put_grade(db, session_id, question_id, grade)
        self._retrying("save a reply in", write)

    @staticmethod
    def _turn_row(session_id: str, seq: int, turn: Turn) -> TurnRow:
        return TurnRow(session_id=session_id, seq=seq, role=turn.role, kind=turn.kind, text=turn.text,
                       question_id=turn.question_id, target_key_point=turn.target_key_point, engine=turn.engine,
                       prompt_tokens=turn.prompt_tokens, completion_tokens=turn.completion_tokens, cost=turn.cost,
                       created_at=turn.created_at)

    @staticmethod
    def _put_grade(db: DbSession, session_id: str, question_id: str, grade: Grade) -> None:
        row = db.scalar(select(GradeRow).where(GradeRow.session_id == session_id, GradeRow.question_id == question_id))
        payload = grade.model_dump(mode="json")
        if row is None:
            db.add(GradeRow(session_id=session_id, question_id=question_id, overall=grade.overall, grade=payload,
                            created_at=now()))
        else:
            row.overall, row.grade = grade.overall, payload

    @staticmethod
    def _next_seq(db: DbSession, session_id: str) -> int:
        last = db.scalar(select(func.max(TurnRow.seq)).where(TurnRow.session_id == session_id))
        return (last or 0) + 1

    def save_grade(self, session_id: str, question_id: str, grade: Grade) -> None:
        """Insert or replace the grade of one question (its first created_at is kept), committed before returning."""
        def write() -> None:
            with self._db("save a grade in") as db, db.begin():
                self._touch(db, session_id)
                self._put_grade(db, session_id, question_id, grade)
        self._retrying("save a grade in", write)

    def set_status(self, session_id: str, status: Literal["active", "finished"]) -> None:
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
        with self._db("update a session in") as db, db.begin():
            self._touch(db, session_id, status=status)

    def add_usage(self, session_id: str, tokens: int, cost: float) -> None:
        """Add LLM tokens and estimated cost to the session's totals (an atomic increment in SQL)."""
        if tokens < 0 or cost < 0:
            raise ValueError("tokens and cost must not be negative")
        with self._db("record usage in") as db, db.begin():
            self._touch(db, session_id, tokens_used=SessionRow.tokens_used + int(tokens),
                        est_cost=SessionRow.est_cost + float(cost))

    # -- reads ----------------------------------------------------------------------------------------------

    def load(self, session_id: str) -> Session:
        """The whole session: turns ordered by seq, grades by question id."""
        with self._db("load a session from") as db:
            row = db.get(SessionRow, session_id)
            if row is None:
                raise SessionNotFound(session_id)
            turns = db.scalars(select(TurnRow).where(TurnRow.session_id == session_id).order_by(TurnRow.seq))
            grades = db.scalars(select(GradeRow).where(GradeRow.session_id == session_id)
                                .order_by(GradeRow.question_id))
            return Session(
                id=row.id, config=SessionConfig.model_validate(row.config), status=cast(Any, row.status),
                created_at=row.created_at,
                turns=[Turn(role=cast(Any, t.role), kind=cast(Any, t.kind), text=t.text, question_id=t.question_id,
                            target_key_point=t.target_key_point, engine=t.engine, prompt_tokens=t.prompt_tokens,
                            completion_tokens=t.completion_tokens, cost=t.cost, created_at=t.created_at)
                       for t in turns],
                grades={g.question_id: Grade.model_validate(g.grade) for g in grades},
            )

    def latest_active(self, user: str) -> Session | None:
        """The user's most recently updated session that is still active (to resume it), or None."""
        with self._db("look up sessions in") as db:
            session_id = db.scalar(
                select(SessionRow.id).where(SessionRow.user_id == self._user_id(user),
                                            SessionRow.status == "active")
                .order_by(SessionRow.updated_at.desc(), SessionRow.created_at.desc()).limit(1))
        return None if session_id is None else self.load(session_id)

    def sessions_of(self, user: str) -> list[SessionSummary]:
        """The user's sessions, oldest first, with the overall score of each graded question."""
        with self._db("list sessions in") as db:
            rows = db.execute(select(SessionRow.id, SessionRow.created_at, SessionRow.status, SessionRow.config)
                              .where(SessionRow.user_id == self._user_id(user))
                              .order_by(SessionRow.created_at, SessionRow.id)).all()
            scores: dict[str, dict[str, int]] = {row.id: {} for row in rows}
            for session_id, question_id, overall in db.execute(
                    select(GradeRow.session_id, GradeRow.question_id, GradeRow.overall)
                    .join(SessionRow, SessionRow.id == GradeRow.session_id)
                    .where(SessionRow.user_id == self._user_id(user)).order_by(GradeRow.question_id)):
                scores[session_id][question_id] = overall
        summaries = []
        for row in rows:
            question_ids = list(row.config.get("question_ids", []))
            graded = scores[row.id]
            ordered = {q: graded[q] for q in question_ids if q in graded} | graded
            summaries.append(SessionSummary(id=row.id, created_at=row.created_at, status=row.status,
                                            question_ids=question_ids, overall=ordered,
                                            mean_overall=fmean(ordered.values()) if ordered else None))
        return summaries

    def questions_seen(self, user: str) -> set[str]:
        """Ids of the questions actually asked (a turn of kind "question") in any of the user's sessions."""
        with self._db("look up questions in") as db:
            return set(db.scalars(
                select(TurnRow.question_id).distinct().join(SessionRow, SessionRow.id == TurnRow.session_id)
                .where(SessionRow.user_id == self._user_id(user), TurnRow.kind == "question")))

    def dimension_history(self, user: str) -> list[DimensionPoint]:
        """Every rubric-dimension score of the user's graded answers, ordered by the time each was first graded."""
        with self._db("read grades from") as db:
            rows = db.execute(
                select(GradeRow.session_id, GradeRow.question_id, GradeRow.created_at, GradeRow.grade)
                .join(SessionRow, SessionRow.id == GradeRow.session_id)
                .where(SessionRow.user_id == self._user_id(user))
                .order_by(GradeRow.created_at, GradeRow.id)).all()
        return [DimensionPoint(session_id=row.session_id, question_id=row.question_id, created_at=row.created_at,
                               key=dim.key, name=dim.name, score=dim.score)
                for row in rows for dim in Grade.model_validate(row.grade).dimensions]

    def usage(self, session_id: str) -> tuple[int, float]:
        """(tokens used, estimated cost) of the session so far."""
        with self._db("read usage from") as db:
            row = db.execute(select(SessionRow.tokens_used, SessionRow.est_cost)
                             .where(SessionRow.id == session_id)).one_or_none()
        if row is None:
            raise SessionNotFound(session_id)
        return int(row.tokens_used), float(row.est_cost)
