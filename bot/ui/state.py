"""Pure helpers for the Streamlit pages: the typed UI state, inert rendering, and table shaping (no Streamlit here)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from bot.domain.grade import Grade
from bot.domain.interview import Session
from bot.domain.models import Question
from bot.reports.inert import inert_markdown as inert_markdown  # the pages render every text through it
from bot.storage.repository import DimensionPoint, SessionSummary
from bot.variants.review import RecruiterState

STATE_KEY = "mockinterview"
SESSION_PARAM = "session"
ANY = "Any"
_SESSION_ID = re.compile(r"[0-9a-f]{32}")


@dataclass
class UploadOutcome:
    """What happened to one uploaded file; `name` is the user's file name, for display only."""

    name: str
    status: str  # "ingested" | "unchanged" | "error"
    questions: int = 0
    chunks: int = 0
    reason: str = ""


@dataclass
class UiState:
    """Everything the app keeps per browser session (the one object stored in st.session_state)."""

    session_id: str | None = None
    candidate: str = "candidate"  # the local profile's name for its history (no sign-in)
    signed_in: str | None = None  # the account name after a password sign-in (team mode)
    uploads: list[UploadOutcome] = field(default_factory=list)
    recruiter: RecruiterState = field(default_factory=RecruiterState)
    jobs: dict[str, str] = field(default_factory=dict)  # this browser session's background jobs: kind -> job id
    owner: str = field(default_factory=lambda: secrets.token_hex(8))  # whose jobs they are, in the job queue


def is_session_id(value: object) -> bool:
    """True for the shape of ids the repository creates (32 lowercase hex digits)."""
    return isinstance(value, str) and _SESSION_ID.fullmatch(value) is not None


def options(questions: Iterable[Question], attribute: str) -> list[str]:
    """`Any` followed by the distinct non-empty values of one question attribute, sorted case-insensitively."""
    values = {str(getattr(q, attribute)).strip() for q in questions}
    return [ANY, *sorted((v for v in values if v), key=str.lower)]


def chosen(value: str | None) -> str | None:
    """A filter selectbox value as a filter argument (`Any` means no filter)."""
    return None if value in (None, "", ANY) else value


def question_rows(questions: Iterable[Question]) -> list[dict[str, Any]]:
    return [{"title": q.title, "company": q.company, "role": q.role, "category": q.category or q.topic,
             "difficulty": q.difficulty, "key points": len(q.key_points), "source": q.source_file, "id": q.id}
            for q in questions]


def question_label(question: Question) -> str:
    context = " · ".join(v for v in (question.company, question.role, question.difficulty) if v)
    return f"{question.title} ({context})" if context else question.title


def dimension_rows(grade: Grade) -> list[dict[str, Any]]:
    return [{"dimension": d.name, "score": f"{d.score}/5", "weight": f"{d.weight:.0%}", "why": d.justification}
            for d in grade.dimensions]


def graded_without_feedback(session: Session) -> list[str]:
    """Question ids graded by `finish` (no feedback turn in the chat), in the session's order."""
    with_feedback = {t.question_id for t in session.turns if t.kind == "feedback"}
    return [q for q in session.config.question_ids if q in session.grades and q not in with_feedback]


def history_frame(points: Iterable[DimensionPoint]) -> pd.DataFrame:
    """Scores per rubric dimension (columns) for each graded answer (rows, by the time it was graded)."""
    rows = [{"graded at": p.created_at, "dimension": p.name, "score": p.score} for p in points]
    if not rows:
        return pd.DataFrame()
    frame = pd.DataFrame(rows).pivot_table(index="graded at", columns="dimension", values="score", aggfunc="mean")
    frame.columns.name = None
    return frame.sort_index()


def session_rows(summaries: Iterable[SessionSummary]) -> list[dict[str, Any]]:
    return [{"started": s.created_at.strftime("%Y-%m-%d %H:%M"), "status": s.status,
             "questions": len(s.question_ids), "graded": len(s.overall),
             "mean score": None if s.mean_overall is None else round(s.mean_overall, 1), "session": s.id}
            for s in reversed(list(summaries))]


def seen_rows(seen: Iterable[str], questions: Iterable[Question]) -> list[dict[str, Any]]:
    """The questions a candidate was asked, by title (ids no longer in the index are listed as such)."""
    known = {q.id: q for q in questions}
    rows = [{"title": known[i].title, "company": known[i].company, "category": known[i].category, "id": i}
            if i in known else {"title": "(no longer in the index)", "company": "", "category": "", "id": i}
            for i in seen]
    return sorted(rows, key=lambda row: (row["title"].startswith("("), row["title"].lower()))
