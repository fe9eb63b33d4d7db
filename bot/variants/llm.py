"""The LLM variant generator: structured output from the parent and its reference chunks, validated, with the
grounded generator as fallback."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field

from bot.domain.categories import normalize_category
from bot.domain.models import Chunk, Question
from bot.ingest.parsers import company_from_text, title_from_question
from bot.llm.prompts import load_prompt
from bot.llm.structured import StructuredOutputError, parse_reply, schema_hint
from bot.variants.grounded import GroundedGenerator
from bot.variants.models import Axis, OutlinePoint, Provenance, Variant

HOLE = re.compile(r"\{[^{}]*\}|\[[A-Z][A-Z _]+\]|<[A-Za-z_ ]+>|\bTODO\b|\bXXX\b|\bCOMPANY_NAME\b")


class DraftPoint(BaseModel):
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)


class Draft(BaseModel):
    """One variant as the model writes it."""

    axis: Axis
    question: str = Field(min_length=15)
    difficulty: str = ""
    category: str = ""
    outline: list[DraftPoint] = Field(min_length=2)


class Drafts(BaseModel):
    variants: list[Draft]


def draft_problem(parent: Question, draft: Draft, axes: list[Axis]) -> str | None:
    """Why a draft cannot be used (None when it can)."""
    texts = [draft.question, *(f"{p.title} {p.text}" for p in draft.outline)]
    if draft.axis not in axes:
        return f"axis {draft.axis!r} was not asked for"
    if any(HOLE.search(t) for t in texts):
        return "it contains a template placeholder"
    if " ".join(draft.question.split()).lower() == " ".join(parent.question.split()).lower():
        return "it repeats the parent question"
    if draft.axis == "domain" and parent.company and any(company_from_text(t) == parent.company for t in texts):
        return f"a domain swap still names {parent.company}"
    return None


class LLMVariantGenerator:
    """Asks a chat model for variants; invalid replies get one retry, then the grounded engine fills in."""

    engine = "llm"

    def __init__(self, model: Any, fallback: GroundedGenerator | None = None, attempts: int = 2) -> None:
        self.model = model
        self.fallback = fallback or GroundedGenerator()
        self.attempts = attempts

    def messages(self, parent: Question, chunks: list[Chunk], n: int, axes: list[Axis]) -> list[Any]:
        from langchain_core.messages import HumanMessage, SystemMessage

        reference = "\n\n".join(f"[{c.section}] {c.text.strip()}" for c in chunks)[:6000] or parent.reference_answer
        parts = load_prompt("variants").render(
            question=parent.question, category=parent.category or "unspecified",
            difficulty=parent.difficulty or "unspecified", reference_chunks=reference or "(none)",
            axes=", ".join(axes), count=str(n), schema=schema_hint(Drafts, exclude=set()),
        )
        kinds = {"system": SystemMessage, "user": HumanMessage}
        return [kinds[role](content=text) for role, text in parts]

    def _ask(self, messages: list[Any]) -> Drafts:
        last: Exception | None = None
        for _ in range(self.attempts):
            try:
                return parse_reply(self.model.invoke(messages), Drafts)
            except StructuredOutputError as exc:
                last = exc
            except Exception as exc:  # noqa: BLE001 - a transport failure is handled like invalid output
                last = StructuredOutputError(f"the model call failed: {type(exc).__name__}")
        raise StructuredOutputError(str(last))

    def generate(self, parent: Question, chunks: list[Chunk], n: int, axes: list[Axis],
                 seed: int = 0) -> tuple[list[Variant], list[str]]:
        """Up to `n` variants and notes on what was rejected or filled in by the grounded engine."""
        notes: list[str] = []
        try:
            drafts = self._ask(self.messages(parent, chunks, n, axes)).variants
        except StructuredOutputError as exc:
            notes.append(f"the LLM reply was unusable ({exc}); the grounded engine generated the variants")
            return self.fallback.generate(parent, n, axes, seed), notes
        variants: list[Variant] = []
        for number, draft in enumerate(drafts[:n], start=1):
            problem = draft_problem(parent, draft, axes)
            if problem:
                notes.append(f"LLM variant {number} rejected: {problem}")
                continue
            variants.append(self._variant(parent, draft))
        if len(variants) < n:
            seen = {v.question for v in variants}
            extra = [v for v in self.fallback.generate(parent, n, axes, seed) if v.question not in seen]
            filled = extra[:n - len(variants)]
            variants.extend(filled)
            notes.append(f"{len(filled)} variant(s) filled in by the grounded engine")
        return variants, notes

    @staticmethod
    def _variant(parent: Question, draft: Draft) -> Variant:
        question = " ".join(draft.question.split())
        return Variant(
            question=question, title=title_from_question(question),
            outline=[OutlinePoint(title=p.title.strip(), text=p.text.strip()) for p in draft.outline],
            category=normalize_category(draft.category) or parent.category,
            difficulty=draft.difficulty.strip().lower() or parent.difficulty,
            company="" if draft.axis == "domain" else parent.company, role=parent.role,
            provenance=Provenance(parent_id=parent.id, parent_title=parent.title, axis=draft.axis, engine="llm"),
        )
