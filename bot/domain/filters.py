"""Question filters shared by the CLI, the interviewer and the UI (case-insensitive substring matches)."""

from __future__ import annotations

from pydantic import BaseModel

from bot.domain.models import Question


class QuestionFilter(BaseModel):
    """Company, role, category (or the bank's own topic) and difficulty; empty means any."""

    company: str | None = None
    role: str | None = None
    category: str | None = None
    difficulty: str | None = None

    def matches(self, question: Question) -> bool:
        def has(value: str, wanted: str | None) -> bool:
            return not wanted or wanted.lower() in value.lower()

        return (has(question.company, self.company) and has(question.role, self.role)
                and has(question.difficulty, self.difficulty)
                and (has(question.category, self.category) or has(question.topic, self.category)))

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump().items() if v}
