"""The grade of one answer and the rubric it is scored against (pure data, shared by every grading engine)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

Engine = Literal["grounded", "llm+grounded", "grounded-fallback"]


class RubricDimension(BaseModel):
    """One scored dimension: its weight, the grounded measure that scores it, and 1/3/5 anchors."""

    key: str
    name: str
    weight: float = Field(gt=0, le=1)
    measure: str
    anchors: dict[int, str]

    @field_validator("anchors")
    @classmethod
    def _anchors_cover_scale(cls, value: dict[int, str]) -> dict[int, str]:
        if not {1, 3, 5} <= set(value):
            raise ValueError("anchors need at least the 1, 3 and 5 descriptions")
        return value


class Rubric(BaseModel):
    """A rubric for one question category; weights sum to 1."""

    name: str
    title: str
    applies_to: list[str]
    description: str = ""
    dimensions: list[RubricDimension]

    @field_validator("dimensions")
    @classmethod
    def _weights_sum_to_one(cls, value: list[RubricDimension]) -> list[RubricDimension]:
        total = sum(d.weight for d in value)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"dimension weights sum to {total:.3f}, not 1")
        return value


class Citation(BaseModel):
    """The reference chunk a judgement was matched against."""

    question_id: str
    section: str
    chunk_id: str = ""
    snippet: str = ""


class KeyPointResult(BaseModel):
    """Whether one requirement was covered, with the answer's evidence and the cited reference."""

    key_point: str
    id: str = ""  # the requirement's id within its question: "e3" (asked by the prompt) or "s2" (reference section)
    kind: str = ""  # what shows it: a requirement kind ("risk_mitigation", …) or "topic" (its content)
    covered: bool
    score: float = Field(ge=0, le=1)
    evidence: str = ""
    citation: Citation


class DimensionScore(BaseModel):
    """A rubric dimension scored 1–5, with its justification and verbatim quotes from the answer."""

    key: str
    name: str
    weight: float
    score: int = Field(ge=1, le=5)
    justification: str
    evidence: list[str] = Field(default_factory=list)
    measured: float = Field(default=0.0, ge=0, le=1)  # the grounded measure (0..1) the score was read from


class Grade(BaseModel):
    """The full grade of one answer."""

    question_id: str
    rubric: str
    overall: int = Field(ge=0, le=100)
    dimensions: list[DimensionScore]
    covered: list[KeyPointResult] = Field(default_factory=list)
    missing: list[KeyPointResult] = Field(default_factory=list)
    strengths: list[str] = Field(default_factory=list)
    improvements: list[str] = Field(default_factory=list)
    model_answer_excerpt: str = ""
    flags: list[str] = Field(default_factory=list)
    language: str = ""  # with the `language` flag: the answer's language and the reference's, e.g. "Chinese/English"
    engine: Engine = "grounded"
    notes: str = ""

    def dimension(self, key: str) -> DimensionScore | None:
        return next((d for d in self.dimensions if d.key == key), None)
