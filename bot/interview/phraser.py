"""Who words the interviewer's turns: templates (grounded) or an LLM held to the same targets and no-leak rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from bot.domain.models import Question
from bot.domain.policy import Target
from bot.interview import phrasing
from bot.llm import usage
from bot.llm.budget import BudgetExceeded, count_messages
from bot.llm.client import LLMClient, LLMUnavailable
from bot.llm.prompts import load_prompt

MAX_CHARS = 300


class Phraser(Protocol):
    """Turns a follow-up target into the interviewer's words."""

    engine: str

    def follow_up(self, question: Question, target: Target, answer: str, earlier: list[str], seed: str,
                  on_text: Callable[[str], None] | None = None, acknowledgement: str = "") -> str: ...


class TemplatePhraser:
    """The grounded engine's wording: varied templates per key point and rubric dimension."""

    engine = "grounded"

    def follow_up(self, question: Question, target: Target, answer: str, earlier: list[str], seed: str,
                  on_text: Callable[[str], None] | None = None, acknowledgement: str = "") -> str:
        text = phrasing.follow_up(target, seed, earlier, acknowledgement)
        if phrasing.shared_run(text, question.reference_answer, question=question.question) is None:
            return text
        return phrasing.follow_up(target, seed, earlier)  # the acknowledgement shared words with the reference


class LeakGuard:
    """Passes streamed text on only while it stays on its first line and shares no long run with the reference."""

    def __init__(self, question: Question, sink: Callable[[str], None] | None) -> None:
        self.question, self.sink = question, sink
        self.buffer, self.shown, self.stopped = "", "", False

    def feed(self, piece: str) -> None:
        self.buffer += piece
        if self.stopped or self.sink is None:
            return
        candidate = self.buffer.lstrip().lstrip('"').split("\n")[0]
        if "\n" in self.buffer.lstrip() or len(candidate) > MAX_CHARS:
            self.stopped = True
        if phrasing.shared_run(candidate, self.question.reference_answer, question=self.question.question):
            self.stopped = True
            return
        if len(candidate) > len(self.shown):
            self.sink(candidate[len(self.shown):])
            self.shown = candidate


class LLMPhraser:
    """An LLM phrases the follow-up from the same target; a leak, a repeat or a failure falls back to templates.

    With `on_text`, the reply is streamed as it arrives, but only while the leak check passes; the final text
    is checked again before it is returned (and stored), and replaced by the template wording when it fails.
    """

    def __init__(self, model: Any, fallback: Phraser | None = None) -> None:
        self.client = LLMClient.wrap(model)
        self.fallback = fallback or TemplatePhraser()
        self.engine = "llm"
        self.last_engine = "llm"

    def messages(self, question: Question, target: Target, answer: str, earlier: list[str]) -> list[Any]:
        """The follow-up prompt, the answer's older part cut (with a marker) to fit the token budget."""
        from langchain_core.messages import HumanMessage, SystemMessage

        template = load_prompt("follow_up")
        values = {"question": question.question, "target": target.probe or target.label,
                  "target_kind": target.kind.replace("_", " "),
                  "earlier": "\n".join(f"- {e}" for e in earlier) or "(none)"}
        fixed = count_messages(template.render(**values, answer=""))
        fitted = self.client.budget.fit(fixed, answer, [], keep="tail")
        kinds = {"system": SystemMessage, "user": HumanMessage}
        return [kinds[role](content=body) for role, body in template.render(**values, answer=fitted.answer)]

    def follow_up(self, question: Question, target: Target, answer: str, earlier: list[str], seed: str,
                  on_text: Callable[[str], None] | None = None, acknowledgement: str = "") -> str:
        guard = LeakGuard(question, on_text)
        reason = ""
        try:
            messages = self.messages(question, target, answer, earlier)
            if on_text is None:
                text = self.client.invoke(messages).text
            else:
                text = self.client.stream(messages, guard.feed).text
        except (LLMUnavailable, BudgetExceeded) as exc:  # the grounded wording for this turn
            text, reason = "", str(exc)
        text = text.strip().strip('"').split("\n")[0].strip()
        acceptable = (10 <= len(text) <= MAX_CHARS and text not in earlier and not phrasing.grammar_defects(text)
                      and phrasing.shared_run(text, question.reference_answer, question=question.question) is None)
        self.last_engine = "llm" if acceptable else "grounded-fallback"
        if acceptable:
            return text
        usage.record_fallback(f"follow-up: {reason or 'the wording was rejected (leak, repeat or length)'}")
        return self.fallback.follow_up(question, target, answer, earlier, seed, acknowledgement=acknowledgement)
