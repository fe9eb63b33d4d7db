"""The LLM judge and the blend that keeps its score bounded by the grounded evidence."""

from __future__ import annotations

from typing import Any

from bot.domain.grade import DimensionScore, Grade, Rubric
from bot.grading.grounded import verbatim
from bot.grading.injection import scan
from bot.grading.reference import Reference
from bot.llm.prompts import load_prompt
from bot.llm.structured import StructuredOutputError, parse_reply, schema_hint

MAX_LIFT = 10  # the LLM may raise the grounded overall by at most this many points
LLM_WEIGHT = 0.5


def _rubric_text(rubric: Rubric) -> str:
    lines = [f"{rubric.title} — {rubric.description}"]
    for d in rubric.dimensions:
        anchors = "; ".join(f"{k}: {v}" for k, v in sorted(d.anchors.items()))
        lines.append(f"- {d.key} ({d.name}, weight {d.weight:.2f}): {anchors}")
    return "\n".join(lines)


def judge_messages(reference: Reference, rubric: Rubric, answer: str, max_chunk_chars: int = 6000) -> list[Any]:
    """The judge prompt: rubric, question, reference chunks and the (injection-scanned) answer in delimiters."""
    from langchain_core.messages import HumanMessage, SystemMessage

    chunks, used = [], 0
    for point in reference.points:
        block = f"[{point.citation.section}] {point.text.strip()}"
        if used + len(block) > max_chunk_chars:
            break
        chunks.append(block)
        used += len(block)
    parts = load_prompt("judge").render(
        rubric=_rubric_text(rubric), question=reference.question, reference_chunks="\n\n".join(chunks),
        key_points="\n".join(f"- {p.key_point}" for p in reference.points),
        answer=answer.replace("CANDIDATE_ANSWER", "CANDIDATE ANSWER"),
        schema=schema_hint(Grade, exclude={"question_id", "rubric", "engine", "notes", "flags"}),
    )
    kinds = {"system": SystemMessage, "user": HumanMessage}
    return [kinds[role](content=text) for role, text in parts]


class LLMJudge:
    """Asks a chat model for a `Grade` at temperature 0; invalid output gets one retry, then raises."""

    def __init__(self, model: Any, attempts: int = 2) -> None:
        self.model = model
        self.attempts = attempts

    def grade(self, reference: Reference, rubric: Rubric, answer: str) -> Grade:
        messages = judge_messages(reference, rubric, scan(answer).clean)
        defaults = {"question_id": reference.question_id, "rubric": rubric.name, "engine": "llm+grounded",
                    "flags": [], "notes": ""}
        last: Exception | None = None
        for _ in range(self.attempts):
            try:
                return parse_reply(self.model.invoke(messages), Grade, defaults)
            except StructuredOutputError as exc:
                last = exc
            except Exception as exc:  # noqa: BLE001 - transport failures are handled like invalid output
                last = StructuredOutputError(f"the model call failed: {type(exc).__name__}")
        raise StructuredOutputError(str(last))


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

