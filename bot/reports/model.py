"""The feedback report as data: built from a session, its questions and the user's history (pure, no I/O)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from statistics import fmean
from typing import Literal

from pydantic import BaseModel, Field

from bot.domain.grade import Citation, DimensionScore, Grade, Rubric
from bot.domain.interview import Session, Turn
from bot.domain.models import Question, QuestionSummary
from bot.grading.policy import load_policy
from bot.grading.rubrics import DEFAULT_RUBRIC, load_rubrics, rubric_for
from bot.storage.repository import DimensionPoint


def flag_text(code: str, language: str = "") -> str:
    """What a grade's flag means, with the cap it applied (from the grading policy)."""
    return load_policy().flag_text(code, language)


TURN_LABELS = {"follow_up": "Follow-up", "clarification": "Clarification", "hint": "Hint"}
CANDIDATE_LABELS = {"clarification": "Clarifying question", "hint": "Hint request"}
EXCERPT_CHARS = 320
TOP_IMPROVEMENTS = 3
PLAN_DIMENSIONS = 3
PLAN_QUESTIONS = 3
PRACTISE_BELOW = 4.0  # dimensions averaging under this go into the practice plan
TREND_EPSILON = 0.05


class TranscriptEntry(BaseModel):
    """One message after the opening question: the interviewer's probe or the candidate's reply."""

    speaker: Literal["interviewer", "candidate"]
    kind: str
    label: str
    text: str


class FlagNote(BaseModel):
    code: str
    text: str


class QuestionReport(BaseModel):
    """One question of the session: what was asked, what the candidate said and how it was graded."""

    number: int
    question_id: str
    title: str
    text: str
    company: str = ""
    role: str = ""
    category: str = ""
    difficulty: str = ""
    in_bank: bool = True
    transcript: list[TranscriptEntry] = Field(default_factory=list)
    grade: Grade | None = None
    flags: list[FlagNote] = Field(default_factory=list)
    model_answer_excerpt: str = ""
    improvements: list[str] = Field(default_factory=list)


class DimensionSummary(BaseModel):
    """A rubric dimension averaged over the session's graded answers, with the earlier average when known."""

    key: str
    name: str
    mean: float
    count: int
    weight: float
    earlier_mean: float | None = None
    earlier_count: int = 0
    earlier_sessions: int = 0

    @property
    def arrow(self) -> str:
        if self.earlier_mean is None:
            return ""
        delta = self.mean - self.earlier_mean
        return "↑" if delta > TREND_EPSILON else "↓" if delta < -TREND_EPSILON else "="

    @property
    def trend(self) -> str:
        """"Result & impact: 2.0 → 3.5 ↑", or "" without earlier scores."""
        if self.earlier_mean is None:
            return ""
        return f"{self.name}: {self.earlier_mean:.1f} → {self.mean:.1f} {self.arrow}"


class PracticeItem(BaseModel):
    """One step of the practice plan: a weak dimension, why, what a 5 looks like, and questions to try next."""

    key: str
    name: str
    mean: float
    weakest: str = ""
    target: str = ""
    questions: list[QuestionSummary] = Field(default_factory=list)


class Report(BaseModel):
    """Everything a renderer shows; renderers only format this."""

    session_id: str
    candidate: str
    created_at: datetime
    status: str
    companies: list[str] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    engine: str
    overall: float | None = None
    graded: int = 0
    total: int = 0
    dimensions: list[DimensionSummary] = Field(default_factory=list)
    questions: list[QuestionReport] = Field(default_factory=list)
    plan: list[PracticeItem] = Field(default_factory=list)
    earlier_sessions: int = 0

    @property
    def trends(self) -> list[DimensionSummary]:
        return [d for d in self.dimensions if d.earlier_mean is not None]

    @property
    def date(self) -> str:
        if self.created_at.tzinfo is None:
            return f"{self.created_at:%Y-%m-%d %H:%M}"
        return f"{self.created_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def _shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0].rstrip(",;:.")
    return f"{cut} …"


def describe_engines(session: Session) -> str:
    """The engines recorded in the session: who graded and who worded the interviewer's questions."""
    grading = _unique([g.engine for g in session.grades.values()])
    wording = _unique([t.engine for t in session.turns if t.role == "interviewer"])
    parts = []
    if grading:
        parts.append(f"grading: {', '.join(grading)}")
    if wording:
        parts.append(f"interviewer wording: {', '.join(wording)}")
    return "; ".join(parts) or "not recorded"


def _transcript(turns: list[Turn]) -> tuple[str, list[TranscriptEntry]]:
    """The opening question text as asked, and the later messages (feedback turns left out)."""
    asked = ""
    entries: list[TranscriptEntry] = []
    answered = False
    for turn in turns:
        if turn.role == "interviewer" and turn.kind == "question" and not asked:
            asked = turn.text
        elif turn.role == "interviewer" and turn.kind in TURN_LABELS:
            entries.append(TranscriptEntry(speaker="interviewer", kind=turn.kind, label=TURN_LABELS[turn.kind],
                                           text=turn.text))
        elif turn.role == "candidate":
            label = CANDIDATE_LABELS.get(turn.kind) or ("Reply" if answered else "Answer")
            answered = answered or turn.kind == "answer"
            entries.append(TranscriptEntry(speaker="candidate", kind=turn.kind, label=label, text=turn.text))
    return asked, entries


def cite(citation: Citation) -> str:
    return f"{citation.question_id} § {citation.section}"


def _improvements(grade: Grade) -> list[str]:
    """The grade's own improvements first, then missing key points not yet mentioned, three at most."""
    tips = list(grade.improvements)
    for item in grade.missing:
        label = item.key_point.split(":")[0]
        if not any(label in tip or f"“{item.citation.section}”" in tip for tip in tips):
            tips.append(f"Cover “{label}” (reference section “{item.citation.section}”).")
    return list(dict.fromkeys(tips))[:TOP_IMPROVEMENTS]


def _question_report(number: int, question_id: str, session: Session, bank: dict[str, Question]) -> QuestionReport:
    question = bank.get(question_id)
    asked, entries = _transcript(session.turns_for(question_id))
    grade = session.grades.get(question_id)
    return QuestionReport(
        number=number, question_id=question_id,
        title=question.title if question else f"Question {question_id}",
        text=question.question if question else asked or "(the question text is no longer in the bank)",
        company=question.company if question else "", role=question.role if question else "",
        category=question.category if question else "", difficulty=question.difficulty if question else "",
        in_bank=question is not None, transcript=entries, grade=grade,
        flags=[FlagNote(code=f, text=flag_text(f, grade.language)) for f in grade.flags] if grade else [],
        model_answer_excerpt=_shorten(grade.model_answer_excerpt, EXCERPT_CHARS) if grade else "",
        improvements=_improvements(grade) if grade else [],
    )


def _dimensions(session: Session, history: list[DimensionPoint]) -> list[DimensionSummary]:
    scores: dict[str, list[int]] = defaultdict(list)
    weights: dict[str, list[float]] = defaultdict(list)
    names: dict[str, str] = {}
    for question_id in _graded_in_order(session):
        for dim in session.grades[question_id].dimensions:
            scores[dim.key].append(dim.score)
            weights[dim.key].append(dim.weight)
            names.setdefault(dim.key, dim.name)
    earlier: dict[str, list[DimensionPoint]] = defaultdict(list)
    for point in history:
        if point.session_id != session.id:
            earlier[point.key].append(point)
    summaries = []
    for key, values in scores.items():
        before = earlier.get(key, [])
        summaries.append(DimensionSummary(
            key=key, name=names[key], mean=round(fmean(values), 2), count=len(values),
            weight=round(fmean(weights[key]), 3),
            earlier_mean=round(fmean(p.score for p in before), 2) if before else None,
            earlier_count=len(before), earlier_sessions=len({p.session_id for p in before})))
    return summaries


def _graded_in_order(session: Session) -> list[str]:
    ordered = [q for q in session.config.question_ids if q in session.grades]
    return ordered + [q for q in sorted(session.grades) if q not in ordered]


def _lowest(session: Session, key: str) -> tuple[str, DimensionScore]:
    """The graded question that scored lowest on dimension `key` (the first one on ties)."""
    scored = [(qid, d) for qid in _graded_in_order(session) if (d := session.grades[qid].dimension(key))]
    return min(scored, key=lambda pair: pair[1].score)


def _plan(session: Session, dimensions: list[DimensionSummary], history: list[DimensionPoint],
          candidates: list[Question], bank: dict[str, Question], rubrics: dict[str, Rubric]) -> list[PracticeItem]:
    ranked = sorted(dimensions, key=lambda d: (d.mean, -d.weight, d.name))
    chosen = [d for d in ranked if d.mean < PRACTISE_BELOW][:PLAN_DIMENSIONS] or ranked[:1]
    seen = set(session.config.question_ids) | set(session.grades) | {p.question_id for p in history}
    roles = {q.role for q in bank.values() if q.role}
    companies = {q.company for q in bank.values() if q.company}
    pool = [q for q in candidates if q.id not in seen]
    suggested: set[str] = set()
    items = []
    for dim in chosen:
        worst_id, worst = _lowest(session, dim.key)
        title = bank[worst_id].title if worst_id in bank else worst_id
        rubric = rubrics.get(session.grades[worst_id].rubric) or rubrics[DEFAULT_RUBRIC]
        anchors = next((d.anchors for d in rubric.dimensions if d.key == dim.key), {})
        fits = [q for q in pool if any(d.key == dim.key for d in rubric_for(q.category, rubrics).dimensions)]
        fits.sort(key=lambda q: (q.id in suggested, q.role not in roles, q.company not in companies))
        picks = fits[:PLAN_QUESTIONS]
        suggested.update(q.id for q in picks)
        items.append(PracticeItem(
            key=dim.key, name=dim.name, mean=dim.mean,
            weakest=f"Lowest on “{title}”: {worst.score}/5 — {worst.justification}",
            target=anchors.get(5, ""),
            questions=[q.summary() for q in picks]))
    return items


def build_report(session: Session, questions: dict[str, Question], history: list[DimensionPoint],
                 candidate_questions: list[Question], engine: str, rubrics: dict[str, Rubric] | None = None
                 ) -> Report:
    """The report of `session`; `history` holds dimension scores of earlier sessions (this session's are ignored)."""
    rubrics = rubrics or load_rubrics()
    history = [p for p in history if p.session_id != session.id]
    ordered = _unique(session.config.question_ids + [t.question_id for t in session.turns] + sorted(session.grades))
    bank = {qid: questions[qid] for qid in ordered if qid in questions}
    dimensions = _dimensions(session, history)
    graded = [session.grades[q] for q in _graded_in_order(session)]
    return Report(
        session_id=session.id, candidate=session.config.user, created_at=session.created_at, status=session.status,
        companies=_unique([q.company for q in bank.values()]), roles=_unique([q.role for q in bank.values()]),
        categories=_unique([q.category for q in bank.values()]) or _unique([g.rubric for g in graded]),
        engine=engine, overall=round(fmean(g.overall for g in graded), 1) if graded else None,
        graded=len(graded), total=len(ordered), dimensions=dimensions,
        questions=[_question_report(i, qid, session, bank) for i, qid in enumerate(ordered, start=1)],
        plan=_plan(session, dimensions, history, candidate_questions, bank, rubrics) if dimensions else [],
        earlier_sessions=len({p.session_id for p in history}),
    )


__all__ = [
    "DimensionSummary",
    "PracticeItem",
    "QuestionReport",
    "Report",
    "TranscriptEntry",
    "build_report",
    "cite",
    "describe_engines",
    "flag_text",
]
