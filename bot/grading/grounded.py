"""The grounded grader: deterministic rubric scores from coverage, content alignment and interview signals."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bot.domain.grade import DimensionScore, Grade, Rubric, RubricDimension
from bot.domain.models import SearchHit
from bot.grading.alignment import WORD_VECTOR_FEATURES, ContentModel, content_features, warm_reference
from bot.grading.coverage import Coverage, measure_coverage, reference_vectors
from bot.grading.injection import scan
from bot.grading.reference import Reference
from bot.grading.signals import InterviewSignals, Signal, read_signals, specificity
from bot.grading.text import content_tokens, sentences, stem
from bot.retrieval.embedder import Embedder

INJECTION_PENALTY = 10
CURVE = 1.6
OFF_TOPIC_COVERAGE = 0.35  # at or above this key-point coverage an answer is never off topic
_NON_ANSWER = re.compile(
    r"\b(?:i (?:do not|don't|dont) (?:know|have (?:a |an |much |any )?(?:good )?(?:example|experience|story|idea))|"
    r"no idea|not (?:really )?sure|pass|skip|no comment|can'?t (?:answer|think of)|cannot answer|"
    r"haven'?t (?:really )?(?:worked|done|deployed|thought|designed|built)|never (?:worked|done)|move on)\b", re.I)


Neighbours = Callable[[np.ndarray], list[SearchHit]]


@dataclass
class Measures:
    """Every 0..1 measure a rubric dimension can point at, with the quotes that support it."""

    values: dict[str, float]
    evidence: dict[str, list[str]]


def verbatim(answer: str, piece: str) -> str:
    """The span of `answer` that `piece` was cut from (whitespace-insensitive), so quotes are exact."""
    words = piece.split()
    if not words:
        return ""
    pattern = r"\s+".join(re.escape(w) for w in words)
    match = re.search(pattern, answer)
    return match.group(0) if match else ""


def _dedupe(sents: list[str]) -> tuple[list[str], float]:
    """Unique sentences (by stem set) and the share that were repeats."""
    seen: set[frozenset[str]] = set()
    kept = []
    for s in sents:
        key = frozenset(stem(t) for t in content_tokens(s))
        if key and key in seen:
            continue
        seen.add(key)
        kept.append(s)
    return kept, (1 - len(kept) / len(sents)) if sents else 0.0


def _measures(coverage: Coverage, content: float, signals: InterviewSignals, specific: float) -> Measures:
    """Measures in 0..1. Every measure but content is discounted by `specific` (0..1): generalities earn little."""
    def mean(*items: Signal) -> float:
        return float(np.mean([i.strength for i in items]))

    owned_action = signals.action.strength * (0.4 + 0.6 * min(1.0, signals.ownership / 0.6))
    values = {
        "coverage": coverage.weighted,
        "depth": 0.6 * content + 0.25 * signals.quantified.strength + 0.15 * coverage.weighted,
        "star_context": mean(signals.situation, signals.task),
        "star_action": owned_action,
        "impact": 0.4 * signals.result.strength + 0.6 * signals.quantified.strength,
        "tradeoffs_risks": mean(signals.tradeoffs, signals.risks),
        "structure_assumptions": 0.5 * signals.structure.strength + 0.5 * signals.assumptions.strength,
        "metrics": 0.7 * signals.metrics.strength + 0.3 * signals.quantified.strength,
    }
    discount = 0.25 + 0.75 * specific
    values = {key: value * discount for key, value in values.items()} | {"content": content}
    evidence = {
        "coverage": [r.evidence for r in coverage.covered if r.evidence][:3],
        "depth": signals.quantified.evidence[:2],
        "star_context": signals.situation.evidence[:1] + signals.task.evidence[:1],
        "star_action": signals.action.evidence[:3],
        "impact": signals.result.evidence[:2] or signals.quantified.evidence[:2],
        "tradeoffs_risks": signals.tradeoffs.evidence[:1] + signals.risks.evidence[:1],
        "structure_assumptions": signals.assumptions.evidence[:2],
        "metrics": signals.metrics.evidence[:2],
        "content": [],
    }
    return Measures(values, evidence)


def _dimension(dim: RubricDimension, value: float, quotes: list[str], answer: str) -> DimensionScore:
    score = int(np.clip(round(1 + 4 * value), 1, 5))
    anchor = dim.anchors.get(score) or dim.anchors[min(dim.anchors, key=lambda a: abs(a - score))]
    exact = [q for q in (verbatim(answer, q) for q in quotes) if q]
    return DimensionScore(key=dim.key, name=dim.name, weight=dim.weight, score=score,
                          justification=f"{anchor} (measured {value:.2f})", evidence=exact)


class GroundedGrader:
    """Grades an answer against a reference with no LLM: same input, same grade."""

    def __init__(self, embedder: Embedder, content_model: ContentModel | None = None) -> None:
        self.embedder = embedder
        self.content_model = content_model or ContentModel.load()
        self.word_vectors = bool(set(self.content_model.features) & set(WORD_VECTOR_FEATURES))

    def prepare(self, reference: Reference) -> None:
        """Embed and cache the reference now (e.g. while the candidate reads the question): grading then only
        embeds the answer."""
        reference_vectors(reference, self.embedder)
        warm_reference(reference.text or reference.question, self.embedder, question=reference.question,
                       word_vectors=self.word_vectors, features=self.content_model.features)

    def grade(self, reference: Reference, rubric: Rubric, answer: str, neighbours: Neighbours | None = None) -> Grade:
        """Grade `answer`; `neighbours(vector)` retrieves index chunks near the answer (for the off-topic check).

        Text addressed to the grader is removed before scoring. When there was any, the answer is also scored with
        it left in and with only the grader-directed sentences removed (not their neighbours); the lowest of the
        three is kept and a penalty applies: an attack can only cost points.
        """
        injection = scan(answer)
        result = self._grade_text(reference, rubric, injection.clean, answer, neighbours)
        if not injection.suspected:
            return result
        others = [self._grade_text(reference, rubric, text, answer, neighbours).overall
                  for text in dict.fromkeys((answer, injection.narrow)) if text != injection.clean]
        overall = max(0, min(result.overall, *others) - INJECTION_PENALTY)
        return result.model_copy(update={"overall": overall, "flags": ["suspected_injection", *result.flags]})

    def _grade_text(self, reference: Reference, rubric: Rubric, text: str, answer: str,
                    neighbours: Neighbours | None) -> Grade:
        flags: list[str] = []
        raw_sentences = sentences(text)
        unique, repeated = _dedupe(raw_sentences)
        if repeated > 0.3:
            flags.append("padding")
        clean_text = "\n".join(unique)
        words = content_tokens(clean_text)
        question_stems = {stem(t) for t in content_tokens(reference.question)}
        new_words = [w for w in words if stem(w) not in question_stems]
        vectors = self.embedder.embed(unique) if unique else np.zeros((0, self.embedder.dim), dtype=np.float32)
        coverage = measure_coverage(reference, unique, vectors, self.embedder)
        feats = content_features(clean_text, reference.text or reference.question, self.embedder,
                                 question=reference.question, word_vectors=self.word_vectors,
                                 features=self.content_model.features)
        content = self.content_model.score(feats) if words else 0.0
        terms = set().union(*(p.terms for p in reference.points))
        signals = read_signals(clean_text, terms)
        specific = specificity(unique)
        measures = _measures(coverage, content, signals, specific)
        dimensions = [_dimension(d, measures.values[d.measure], measures.evidence[d.measure], answer)
                      for d in rubric.dimensions]
        raw = sum(d.weight * measures.values[d.measure] for d in rubric.dimensions)
        overall = 100 * (1 - (1 - raw) ** CURVE)  # measures rarely all max out: lift the middle, keep the order
        # Interview polish cannot stand in for substance: the grade is bounded by the content evidence.
        substance = (0.7 * coverage.weighted + 0.3 * content) * (0.25 + 0.75 * specific)
        overall = min(overall, 15 + 100 * substance)
        if len(new_words) < 4 or (len(words) < 20 and _NON_ANSWER.search(clean_text)):
            flags.append("non_answer")
            overall = min(overall, 5)
        elif len(words) < 20:
            flags.append("too_short")
            overall = min(overall, 40)
        if "non_answer" not in flags and self._off_topic(reference, coverage, clean_text, neighbours):
            flags.append("off_topic")
            overall = min(overall, 15) * min(1.0, coverage.weighted / OFF_TOPIC_COVERAGE)
        return Grade(
            question_id=reference.question_id, rubric=rubric.name, overall=round(overall),
            dimensions=dimensions, covered=coverage.covered, missing=coverage.missing,
            strengths=_strengths(dimensions), improvements=_improvements(rubric, dimensions, coverage, signals),
            model_answer_excerpt=_excerpt(reference, coverage), flags=flags, engine="grounded",
            notes=f"content {content:.2f}, coverage {coverage.weighted:.2f}",
        )

    def _off_topic(self, reference: Reference, coverage: Coverage, text: str, neighbours: Neighbours | None) -> bool:
        """Off topic: little of this reference is covered and the answer sits closer to another question's.
        (The answer is embedded whole for retrieval only when its coverage is low: a mean of its sentence vectors
        retrieves worse, and flagged a vague on-topic answer.)"""
        if coverage.weighted >= OFF_TOPIC_COVERAGE or not text.strip():
            return False
        nearby = neighbours(self.embedder.embed([text])[0]) if neighbours else []
        if not nearby:
            return not coverage.covered and coverage.weighted < 0.1
        own = [h.score for h in nearby if h.question_id == reference.question_id]
        other = [h.score for h in nearby if h.question_id != reference.question_id]
        return bool(other) and (not own or max(other) > max(own) + 0.02)


def _strengths(dimensions: list[DimensionScore]) -> list[str]:
    return [f"{d.name}: {d.justification.split(' (measured')[0]}" for d in dimensions if d.score >= 4][:3]


def _improvements(rubric: Rubric, dimensions: list[DimensionScore], coverage: Coverage,
                  signals: InterviewSignals) -> list[str]:
    tips = [f"Cover “{r.key_point.split(':')[0]}” (reference section “{r.citation.section}”)."
            for r in coverage.missing[:2]]
    goals = {d.key: d.anchors[5] for d in rubric.dimensions}
    for d in sorted((d for d in dimensions if d.score <= 3), key=lambda d: (d.score, -d.weight)):
        tips.append(f"{d.name} ({d.score}/5) — a 5 looks like: {goals[d.key]}")
    if signals.quantified.strength < 0.34:
        tips.append("Quantify: give numbers (scale, latency, % change, money) with a baseline.")
    return list(dict.fromkeys(tips))[:3]


def _excerpt(reference: Reference, coverage: Coverage) -> str:
    """A short model-answer excerpt: the most important missed point's reference text, else the opening."""
    missing = coverage.missing
    source = missing[0].citation.snippet if missing else " ".join(reference.text.split())[:240]
    return source[:240]
