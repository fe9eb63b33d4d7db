"""Interview sessions as data: turns, per-question grades, and the state derived from them (pure, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from bot.domain.grade import Grade

Role = Literal["interviewer", "candidate"]
# Interviewer turns: question, follow_up, clarification (also a repeated or reworded question), hint, feedback.
# Candidate turns: answer, clarification, hint (asked for), dont_know, request (repeat, rephrase, skip), aside.
TurnKind = Literal["question", "follow_up", "clarification", "hint", "answer", "feedback", "dont_know", "request",
                   "aside"]
Status = Literal["active", "finished"]


def now() -> datetime:
    return datetime.now(UTC)


class Turn(BaseModel):
    """One message of the conversation, tied to the question it belongs to."""

    role: Role
    kind: TurnKind
    text: str
    question_id: str
    target_key_point: str | None = None
    engine: str = "grounded"
    prompt_tokens: int = Field(default=0, ge=0)  # LLM tokens spent producing this turn (0 for the grounded engine)
    completion_tokens: int = Field(default=0, ge=0)
    cost: float = Field(default=0.0, ge=0)  # estimated, USD
    created_at: datetime = Field(default_factory=now)


class SessionConfig(BaseModel):
    """What the candidate asked for: the questions chosen and how deep to probe."""

    user: str
    question_ids: list[str]
    depth: int = Field(default=2, ge=0, le=3)
    filters: dict[str, str] = Field(default_factory=dict)


class Session(BaseModel):
    """A whole interview: its turns in order and a grade per finished question."""

    id: str
    config: SessionConfig
    turns: list[Turn] = Field(default_factory=list)
    grades: dict[str, Grade] = Field(default_factory=dict)
    status: Status = "active"
    created_at: datetime = Field(default_factory=now)

    @property
    def current_question_id(self) -> str | None:
        """The first question without a grade, or None when every question is graded."""
        return next((q for q in self.config.question_ids if q not in self.grades), None)

    def turns_for(self, question_id: str) -> list[Turn]:
        return [t for t in self.turns if t.question_id == question_id]

    def candidate_answer(self, question_id: str) -> str:
        """The main answer plus replies to follow-ups (clarifying questions excluded), as one text."""
        return "\n\n".join(t.text for t in self.turns_for(question_id) if t.role == "candidate" and t.kind == "answer")

    def probes_asked(self, question_id: str) -> list[Turn]:
        return [t for t in self.turns_for(question_id) if t.kind == "follow_up"]

    def interviewer_texts(self) -> list[str]:
        return [t.text for t in self.turns if t.role == "interviewer"]

    @property
    def awaiting_candidate(self) -> bool:
        """True when the last turn is the interviewer's (a question, follow-up, clarification or hint)."""
        return bool(self.turns) and self.turns[-1].role == "interviewer" and self.turns[-1].kind != "feedback"
