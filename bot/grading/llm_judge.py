"""The LLM judge and the blend that keeps its score bounded by the grounded evidence."""

from __future__ import annotations

from typing import Any

from bot.domain.grade import DimensionScore, Grade, Rubric
from bot.grading.grounded import verbatim
from bot.grading.injection import scan
from bot.grading.reference import Reference
from bot.llm.budget import BudgetExceeded, Fitted, TokenBudget, count_messages
from bot.llm.client import LLMClient
from bot.llm.prompts import load_prompt
from bot.llm.structured import StructuredOutputError, schema_hint

MAX_LIFT = 10  # the LLM may raise the grounded overall by at most this many points
LLM_WEIGHT = 0.5
FILLED = frozenset({"question_id", "rubric", "engine", "notes", "flags"})  # fields we set, not the model


def _rubric_text(rubric: Rubric) -> str:
    lines = [f"{rubric.title} — {rubric.description}"]
    for d in rubric.dimensions:
        anchors = "; ".join(f"{k}: {v}" for k, v in sorted(d.anchors.items()))
        lines.append(f"- {d.key} ({d.name}, weight {d.weight:.2f}): {anchors}")
    return "\n".join(lines)


def judge_messages(reference: Reference, rubric: Rubric, answer: str,
                   budget: TokenBudget | None = None) -> tuple[list[Any], Fitted]:
    """The judge prompt: rubric, question, reference chunks and the (injection-scanned) answer in delimiters,
    fitted to the token budget: the answer truncated with a marker, reference chunks kept by rank."""
    from langchain_core.messages import HumanMessage, SystemMessage

    budget = budget or TokenBudget(context=8192, reserve=800)
    template = load_prompt("judge")
    ranked = sorted(reference.points, key=lambda p: -p.importance)
    values = {
        "rubric": _rubric_text(rubric), "question": reference.question,
        "key_points": "\n".join(f"- {p.key_point}" for p in reference.points),
        "schema": schema_hint(Grade, exclude=FILLED),
    }
    fixed = count_messages(template.render(**values, reference_chunks="", answer=""))
    fitted = budget.fit(fixed, answer.replace("CANDIDATE_ANSWER", "CANDIDATE ANSWER"),
                        [f"[{p.citation.section}] {p.text.strip()}" for p in ranked])
    parts = template.render(**values, reference_chunks="\n\n".join(fitted.chunks), answer=fitted.answer)
    kinds = {"system": SystemMessage, "user": HumanMessage}
    return [kinds[role](content=text) for role, text in parts], fitted


class LLMJudge:
    """Asks a chat model for a `Grade` at temperature 0; invalid output gets one retry, then raises."""

    def __init__(self, model: Any, attempts: int = 2) -> None:
        self.client = LLMClient.wrap(model)
        self.attempts = attempts

    def grade(self, reference: Reference, rubric: Rubric, answer: str) -> Grade:
        """The judge's grade; StructuredOutputError (with a redacted reason) when none can be had."""
        try:
            messages, _ = judge_messages(reference, rubric, scan(answer).clean, self.client.budget)
        except BudgetExceeded as exc:
            raise StructuredOutputError(str(exc)) from None
        defaults = {"question_id": reference.question_id, "rubric": rubric.name, "engine": "llm+grounded",
                    "flags": [], "notes": ""}
        return self.client.structured(messages, Grade, defaults, attempts=self.attempts, exclude=FILLED)


def blend(llm: Grade, grounded: Grade, rubric: Rubric, answer: str) -> Grade:
    """Combine the judge with the grounded grade: grounded citations and flags, bounded score, verified quotes."""
    ceiling = grounded.overall if "suspected_injection" in grounded.flags else grounded.overall + MAX_LIFT
    overall = round(LLM_WEIGHT * llm.overall + (1 - LLM_WEIGHT) * grounded.overall)
    overall = max(0, min(overall, ceiling, 100))
    by_key = {d.key: d for d in llm.dimensions}
    dimensions = []
    for g in grounded.dimensions:
        j = by_key.get(g.key)
        if j is None:
            dimensions.append(g)
            continue
        score = max(1, min(5, round((g.score + j.score) / 2), g.score + 1))
        quotes = [q for q in (verbatim(answer, e) for e in j.evidence) if q] or g.evidence
        dimensions.append(DimensionScore(key=g.key, name=g.name, weight=g.weight, score=score,
                                         justification=j.justification or g.justification, evidence=quotes))
    return grounded.model_copy(update={
        "overall": overall, "dimensions": dimensions, "engine": "llm+grounded",
        "strengths": llm.strengths[:3] or grounded.strengths,
        "improvements": llm.improvements[:3] or grounded.improvements,
        "notes": f"{grounded.notes}; llm overall {llm.overall}, grounded {grounded.overall}",
    })


def fallback(grounded: Grade, reason: str) -> Grade:
    """The grounded grade, marked as standing in for a failed LLM judgement."""
    return grounded.model_copy(update={"engine": "grounded-fallback", "notes": f"{grounded.notes}; llm: {reason}"})

