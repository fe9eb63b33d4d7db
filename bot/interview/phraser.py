"""Who words the interviewer's turns: templates (grounded) or an LLM held to the same targets and no-leak rule."""

from __future__ import annotations

from typing import Any, Protocol

from bot.domain.models import Question
from bot.domain.policy import Target
from bot.interview import phrasing
from bot.llm.prompts import load_prompt
from bot.llm.structured import reply_text


class Phraser(Protocol):
    """Turns a follow-up target into the interviewer's words."""

    engine: str

    def follow_up(self, question: Question, target: Target, answer: str, earlier: list[str], seed: str) -> str: ...


class TemplatePhraser:
    """The grounded engine's wording: varied templates per key point and rubric dimension."""

    engine = "grounded"

    def follow_up(self, question: Question, target: Target, answer: str, earlier: list[str], seed: str) -> str:
        text = phrasing.follow_up(target, seed, earlier)
        if phrasing.shared_run(text, question.reference_answer, question=question.question) is None:
            return text
        short = Target(kind=target.kind, key=target.key, label=" ".join(target.label.split(":")[0].split()[:4]))
        return phrasing.follow_up(short, seed, earlier)


class LLMPhraser:
    """An LLM phrases the follow-up from the same target; a leak, a repeat or a failure falls back to templates."""

    def __init__(self, model: Any, fallback: Phraser | None = None) -> None:
        self.model = model
        self.fallback = fallback or TemplatePhraser()
        self.engine = "llm"
        self.last_engine = "llm"

    def follow_up(self, question: Question, target: Target, answer: str, earlier: list[str], seed: str) -> str:
        from langchain_core.messages import HumanMessage, SystemMessage

        parts = load_prompt("follow_up").render(
            question=question.question, target=target.label, target_kind=target.kind.replace("_", " "),
            answer=answer[-3000:], earlier="\n".join(f"- {e}" for e in earlier) or "(none)",
        )
        kinds = {"system": SystemMessage, "user": HumanMessage}
        try:
            text = reply_text(self.model.invoke([kinds[role](content=body) for role, body in parts])).strip()
        except Exception:  # noqa: BLE001 - any model failure means the grounded wording for this turn
            text = ""
        text = text.strip().strip('"').split("\n")[0].strip()
        acceptable = (10 <= len(text) <= 300 and text not in earlier
                      and phrasing.shared_run(text, question.reference_answer, question=question.question) is None)
        self.last_engine = "llm" if acceptable else "grounded-fallback"
        return text if acceptable else self.fallback.follow_up(question, target, answer, earlier, seed)
