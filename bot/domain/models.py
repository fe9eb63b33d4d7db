"""Core records of the product: questions from the banks and the chunks indexed from their reference answers."""

from __future__ import annotations

import hashlib

from pydantic import BaseModel, Field

CATEGORIES = ("behavioral", "ml_system_design", "analytics_experimentation", "product_strategy")


def stable_id(*parts: str, length: int = 16) -> str:
    """A short, stable content hash of the given parts (used for question and chunk ids)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


class AnswerSection(BaseModel):
    """A named part of a reference answer (a heading with its bullets, a STAR part, a transcript turn)."""

    title: str
    text: str
    asked: str = ""  # in a transcript: the interviewer's turn this section answers, verbatim


class QuestionSummary(BaseModel):
    """What identifies a question to a candidate, without its text or reference answer."""

    id: str
    title: str
    company: str = ""
    role: str = ""
    category: str = ""
    difficulty: str = ""

    def summary(self) -> QuestionSummary:
        return QuestionSummary.model_validate(self.model_dump(include=set(QuestionSummary.model_fields)))


class Question(QuestionSummary):
    """One interview question with its reference answer, as parsed from a bank file."""

    level: str = ""
    interview_round: str = ""
    team: str = ""
    source: str = ""
    source_file: str
    question: str
    reference_answer: str = ""
    key_points: list[str] = Field(default_factory=list)
    sections: list[AnswerSection] = Field(default_factory=list)
    follow_ups: list[str] = Field(default_factory=list)
    topic: str = ""

    @classmethod
    def build(cls, *, source_file: str, question: str, **fields: object) -> Question:
        """Create a question whose id is the hash of its source file name and question text."""
        return cls(id=stable_id(source_file, question.strip()), source_file=source_file, question=question, **fields)  # type: ignore[arg-type]


class Chunk(BaseModel):
    """A piece of a reference answer, sized in tokens, tagged with where it came from."""

    id: str
    question_id: str
    title: str
    section: str
    text: str
    company: str = ""
    role: str = ""
    category: str = ""
    difficulty: str = ""
    source_file: str = ""


class SearchHit(BaseModel):
    """A chunk returned by semantic search, with its similarity score (cosine, higher is closer)."""

    question_id: str
    title: str
    section: str
    text: str
    score: float
    chunk_id: str = ""
