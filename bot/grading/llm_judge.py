"""The LLM judge and the blend that keeps its score bounded by grounded evidence: the judge may mark a missed
requirement covered only by quoting the answer, and the grounded grader checks every quote before it counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from bot.domain.grade import DimensionScore, Grade, Rubric
from bot.grading.grounded import verbatim
from bot.grading.injection import scan
from bot.grading.reference import Reference
from bot.llm.budget import BudgetExceeded, Fitted, TokenBudget, count_messages
from bot.llm.client import LLMClient
from bot.llm.prompts import load_prompt
from bot.llm.structured import StructuredOutputError, schema_hint

LLM_WEIGHT = 0.5


class CoverageClaim(BaseModel):
    """A requirement the judge finds covered, with the sentence of the answer that shows it, copied verbatim."""

    id: str
    quote: str


class DimensionJudgement(BaseModel):
    key: str
    score: int = Field(ge=1, le=5)
    justification: str = ""
    evidence: list[str] = Field(default_factory=list)


class JudgeVerdict(BaseModel):
    """What the judge returns."""

    overall: int = Field(ge=0, le=100)
    dimensions: list[DimensionJudgement] = Field(default_factory=list)
    covered: list[CoverageClaim] = Field(default_factory=list)
    strengths: list[str] = Field(default_factory=list)
    improvements: list[str] = Field(default_factory=list)


def _rubric_text(rubric: Rubric) -> str:
    lines = [f"{rubric.title} — {rubric.description}"]
    for d in rubric.dimensions:
        anchors = "; ".join(f"{k}: {v}" for k, v in sorted(d.anchors.items()))
        lines.append(f"- {d.key} ({d.name}, weight {d.weight:.2f}): {anchors}")
    return "\n".join(lines)


def judge_messages(reference: Reference, rubric: Rubric, answer: str,
                   budget: TokenBudget | None = None) -> tuple[list[Any], Fitted]:
    """The judge prompt: rubric, question, requirements with their ids, reference chunks and the (injection-scanned)
    answer in delimiters, fitted to the token budget: the answer truncated with a marker, chunks kept by rank."""
    from langchain_core.messages import HumanMessage, SystemMessage

    budget = budget or TokenBudget(context=8192, reserve=800)
    template = load_prompt("judge")
    ranked = sorted(reference.points, key=lambda p: -p.importance)
    values = {
        "rubric": _rubric_text(rubric), "question": reference.question,
        "key_points": "\n".join(f"- [{p.id}] {p.key_point}" for p in reference.points),
        "schema": schema_hint(JudgeVerdict, exclude=frozenset()),
    }
    fixed = count_messages(template.render(**values, reference_chunks="", answer=""))
    fitted = budget.fit(fixed, answer.replace("CANDIDATE_ANSWER", "CANDIDATE ANSWER"),
                        [f"[{p.citation.section}] {p.text.strip()}" for p in ranked])
    parts = template.render(**values, reference_chunks="\n\n".join(fitted.chunks), answer=fitted.answer)
    kinds = {"system": SystemMessage, "user": HumanMessage}
    return [kinds[role](content=text) for role, text in parts], fitted


class LLMJudge:
    """Asks a chat model for a `JudgeVerdict` at temperature 0; invalid output gets one retry, then raises."""

    def __init__(self, model: Any, attempts: int = 2) -> None:
        self.client = LLMClient.wrap(model)
        self.attempts = attempts

    def grade(self, reference: Reference, rubric: Rubric, answer: str) -> JudgeVerdict:
        """The judge's verdict; StructuredOutputError (with a redacted reason) when none can be had."""
        try:
            messages, _ = judge_messages(reference, rubric, scan(answer).clean, self.client.budget)
        except BudgetExceeded as exc:
            raise StructuredOutputError(str(exc)) from None
        return self.client.structured(messages, JudgeVerdict, attempts=self.attempts)


Verifier = Callable[[dict[str, str]], dict[str, str]]  # claimed {id: quote} -> the ones that check out
Regrader = Callable[[dict[str, str]], Grade]  # the grounded grade with these requirements covered by these quotes


def blend(verdict: JudgeVerdict, grounded: Grade, rubric: Rubric, answer: str, verify: Verifier,
          regrade: Regrader) -> Grade:
    """Combine the judge with the grounded grade. The judge can lower a grade freely, and raise it only as far as the
    grounded grade with the requirements it proved covered (verified quotes) allows; never for a flagged answer."""
    missed = {r.id for r in grounded.missing}
    claims = {c.id: c.quote for c in verdict.covered if c.id in missed}
    verified = verify(claims) if claims and "suspected_injection" not in grounded.flags else {}
    base = regrade(verified) if verified else grounded
    ceiling = max(base.overall, grounded.overall) if "suspected_injection" not in grounded.flags else grounded.overall
    overall = max(0, min(round(LLM_WEIGHT * verdict.overall + (1 - LLM_WEIGHT) * base.overall), ceiling, 100))
    by_key = {d.key: d for d in verdict.dimensions}
    dimensions = []
    for g in base.dimensions:
        j = by_key.get(g.key)
        if j is None:
            dimensions.append(g)
            continue
        score = max(1, min(5, round((g.score + j.score) / 2), g.score + 1))
        quotes = [q for q in (verbatim(answer, e) for e in j.evidence) if q] or g.evidence
        dimensions.append(DimensionScore(key=g.key, name=g.name, weight=g.weight, score=score,
                                         justification=j.justification or g.justification, evidence=quotes,
                                         measured=g.measured))
    rejected = sorted(set(claims) - set(verified))
    notes = f"{grounded.notes}; llm overall {verdict.overall}, grounded {grounded.overall}"
    if claims:
        notes += f", quotes verified {sorted(verified) or 'none'}" + (f", rejected {rejected}" if rejected else "")
    return base.model_copy(update={
        "overall": overall, "dimensions": dimensions, "engine": "llm+grounded",
        "strengths": verdict.strengths[:3] or base.strengths,
        "improvements": verdict.improvements[:3] or base.improvements, "notes": notes,
    })


def fallback(grounded: Grade, reason: str) -> Grade:
    """The grounded grade, marked as standing in for a failed LLM judgement."""
    return grounded.model_copy(update={"engine": "grounded-fallback", "notes": f"{grounded.notes}; llm: {reason}"})
