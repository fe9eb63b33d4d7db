"""Loads what a report needs (session, its questions, earlier history, bank questions) and renders it."""

from __future__ import annotations

from typing import Protocol

from bot.domain.models import Question
from bot.reports import Format, Report, build_report, describe_engines, render
from bot.storage.repository import SessionRepository


class QuestionSource(Protocol):
    """The part of the vector store a report reads."""

    def question(self, question_id: str) -> Question | None: ...
    def questions(self) -> list[Question]: ...


def load_report(session_id: str, repo: SessionRepository, store: QuestionSource,
                engine_label: str | None = None) -> Report:
    """The report of one session (SessionNotFound when there is none).

    History counts only the user's sessions started before this one, so an old session's report does not compare
    it with later practice. Practice suggestions skip every question the user has already been asked. Without
    `engine_label` the header names the engines recorded in the session itself.
    """
    session = repo.load(session_id)
    user = session.config.user
    ordered = dict.fromkeys([*session.config.question_ids, *(t.question_id for t in session.turns),
                             *session.grades])
    questions = {qid: q for qid in ordered if (q := store.question(qid)) is not None}
    earlier = {s.id for s in repo.sessions_of(user) if s.created_at < session.created_at and s.id != session.id}
    history = [p for p in repo.dimension_history(user) if p.session_id in earlier]
    asked = repo.questions_seen(user)
    candidates = [q for q in store.questions() if q.id not in asked]
    return build_report(session, questions, history, candidates, engine_label or describe_engines(session))


def report_bytes(session_id: str, repo: SessionRepository, store: QuestionSource, fmt: Format,
                 engine_label: str | None = None) -> bytes:
    """The rendered report of one session in `fmt` ("md", "html" or "pdf")."""
    return render(load_report(session_id, repo, store, engine_label), fmt)
