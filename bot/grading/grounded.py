"""The grounded grader: deterministic rubric scores from requirement coverage, content alignment and interview
signals, with the caps and flags of the grading policy."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bot.domain.grade import DimensionScore, Grade, Rubric, RubricDimension
from bot.grading.alignment import (
    WORD_VECTOR_FEATURES,
    ContentModel,
    answer_texts,
    content_features,
    warm_reference,
)
from bot.grading.coverage import Coverage, ReferenceVectors, measure_coverage, reference_vectors
from bot.grading.evidence import AnswerEvidence, analyse, evidence_texts, is_keyword_list
from bot.grading.heads import LogisticHeads
from bot.grading.injection import scan
from bot.grading.kinds import DECLINED, kind_model_for
from bot.grading.language import mismatch
from bot.grading.policy import GradingPolicy, load_policy
from bot.grading.reference import SCAFFOLD_STEMS, Reference
from bot.grading.signals import InterviewSignals, read_signals, specificity
from bot.grading.text import content_tokens, statements, stem, tokens
from bot.retrieval.embedder import Embedder

_NON_ANSWER = re.compile(
    r"\b(?:i (?:do not|don't|dont) (?:know|have (?:a |an |much |any )?(?:good )?(?:example|experience|story|idea))|"
    r"no idea|not (?:really )?sure|pass|skip|no comment|can'?t (?:answer|think of)|cannot answer|"
    r"haven'?t (?:really )?(?:worked|done|deployed|thought|designed|built)|never (?:worked|done)|move on|"
    r"not answered|no answer)\b", re.I)

# Other bank questions near an answer: (question id, cosine) pairs, nearest first.
Neighbours = Callable[[np.ndarray], list[tuple[str, float]]]


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


def _signals(coverage: Coverage, content: float, signals: InterviewSignals) -> dict[str, float]:
    values = {"coverage": coverage.weighted, "content": content, "quantified": signals.quantified.strength,
              "ownership": min(1.0, signals.ownership / 0.6), "structure": signals.structure.strength}
    return values | {f"kind.{k}": v for k, v in coverage.kind_strength.items()}


def _measures(policy: GradingPolicy, values: dict[str, float], evidence: AnswerEvidence, coverage: Coverage,
              signals: InterviewSignals, discount: float, expectation: float) -> Measures:
    """Each measure is its recipe's weighted mean of signals; all but content are scaled by `discount`, and the
    interview-form measures give way to content as far as the reference is short (`expectation` < 1)."""
    out: dict[str, float] = {}
    quotes: dict[str, list[str]] = {}
    for name, recipe in policy.measures.items():
        total = sum(recipe.values())
        value = sum(w * values.get(signal, 0.0) for signal, w in recipe.items()) / total
        if name in policy.expected_with_length:
            value = expectation * value + (1 - expectation) * values["content"]
        out[name] = value if name == "content" else value * discount
        found: list[str] = []
        for signal in recipe:
            if signal.startswith("kind."):
                score, best = evidence.strongest(signal[5:])
                if score >= policy.evidence.covered_at and best >= 0:
                    found.append(evidence.sentences[best])
            elif signal == "coverage":
                found.extend(r.evidence for r in coverage.covered if r.evidence)
            elif signal == "quantified":
                found.extend(signals.quantified.evidence[:2])
        quotes[name] = list(dict.fromkeys(found))[:3]
    return Measures(out, quotes)


def _dimension(dim: RubricDimension, value: float, quotes: list[str], answer: str) -> DimensionScore:
    score = int(np.clip(round(1 + 4 * value), 1, 5))
    anchor = dim.anchors.get(score) or dim.anchors[min(dim.anchors, key=lambda a: abs(a - score))]
    exact = [q for q in (verbatim(answer, q) for q in quotes) if q]
    return DimensionScore(key=dim.key, name=dim.name, weight=dim.weight, score=score, justification=anchor,
                          evidence=exact, measured=round(float(np.clip(value, 0.0, 1.0)), 3))


class GroundedGrader:
    """Grades an answer against a reference with no LLM: same input, same grade."""

    def __init__(self, embedder: Embedder, content_model: ContentModel | None = None,
                 policy: GradingPolicy | None = None, kind_model: LogisticHeads | None = None) -> None:
        self.embedder = embedder
        self.content_model = content_model or ContentModel.load()
        self.policy = policy or load_policy()
        self._kind_model = kind_model
        self.word_vectors = bool(set(self.content_model.features) & set(WORD_VECTOR_FEATURES))

    @property
    def kind_model(self) -> LogisticHeads:
        if self._kind_model is None:
            self._kind_model = kind_model_for(self.embedder)
        return self._kind_model

    def prepare(self, reference: Reference) -> None:
        """Embed and cache the reference now (e.g. while the candidate reads the question): grading then only
        embeds the answer."""
        reference_vectors(reference, self.embedder, self.policy.evidence.question_share)
        warm_reference(reference.text or reference.question, self.embedder, question=reference.question,
                       word_vectors=self.word_vectors, features=self.content_model.features)
        _ = self.kind_model

    def grade(self, reference: Reference, rubric: Rubric, answer: str, neighbours: Neighbours | None = None,
              forced: dict[str, str] | None = None) -> Grade:
        """Grade `answer`; `neighbours(vector)` lists bank questions near the answer (for the off-topic check);
        `forced` requirements (id → verified quote, see `verify`) count as covered.

        The answer is graded normalised (look-alike letters and invisible characters that disguise Latin text
        undone, see `graded_text`), and text addressed to the grader is removed before scoring. When there was any,
        the answer is also scored with it left in and with only the grader-directed sentences removed (not their
        neighbours); the lowest of the three is kept and a penalty applies: an attack can only cost points.
        """
        injection = scan(answer)
        answer = injection.normalised  # evidence is quoted from the text graded
        result = self._grade_text(reference, rubric, injection.clean, answer, neighbours, forced)
        if not injection.suspected:
            return result
        others = [self._grade_text(reference, rubric, text, answer, neighbours, forced).overall
                  for text in dict.fromkeys((answer, injection.narrow)) if text != injection.clean]
        overall = max(0, min([result.overall, *others]) - self.policy.caps.injection_penalty)
        return result.model_copy(update={"overall": overall, "flags": ["suspected_injection", *result.flags]})

    def verify(self, reference: Reference, answer: str, claims: dict[str, str]) -> dict[str, str]:
        """The claims (requirement id → quote) that hold: the quote is in the answer verbatim, is not text addressed
        to the grader, says something of its own and relates to the requirement."""
        checks, rules = self.policy.llm, self.policy.kinds
        injection = scan(answer)
        answer, clean = injection.normalised, injection.clean
        points = {p.id: (i, p) for i, p in enumerate(reference.points)}
        candidates = [(pid, verbatim(answer, quote)) for pid, quote in claims.items() if pid in points]
        candidates = [(pid, quote) for pid, quote in candidates if quote and verbatim(clean, quote)]
        if not candidates:
            return {}
        refvec = reference_vectors(reference, self.embedder, self.policy.evidence.question_share)
        evidence = analyse([q for _, q in candidates], reference, self.kind_model, self.policy, self.embedder)
        verified = {}
        for row, (pid, quote) in enumerate(candidates):
            index, point = points[pid]
            if evidence.gate[row] <= 0:
                continue
            if point.kind != "topic":
                related = float(np.clip((float(refvec.points[index] @ evidence.vectors[row]) - rules.related_lo)
                                        / (rules.related_hi - rules.related_lo), 0, 1))
                holds = float(evidence.kind_column(point.kind)[row]) >= checks.kind_min or related >= checks.related_min
            else:
                sims = refvec.sentences[refvec.owners == index] @ evidence.content_vectors[row]
                match = (float(sims.max()) - self.policy.content_points.semantic_lo) / (
                    self.policy.content_points.semantic_hi - self.policy.content_points.semantic_lo)
                holds = bool(len(sims)) and match >= checks.content_min
            if holds:
                verified[pid] = quote
        return verified

    def _grade_text(self, reference: Reference, rubric: Rubric, text: str, answer: str,
                    neighbours: Neighbours | None, forced: dict[str, str] | None = None) -> Grade:
        policy = self.policy
        flags: list[str] = []
        unique, repeated = _dedupe(statements(text))
        if repeated > policy.caps.padding_share:
            flags.append("padding")
        clean_text = "\n".join(unique)
        words = content_tokens(clean_text)
        new_words = [w for w in words if stem(w) not in reference.question_stems | SCAFFOLD_STEMS]
        refvec = reference_vectors(reference, self.embedder, self.policy.evidence.question_share)
        reference_text = reference.text or reference.question
        # Everything this answer needs embedded, in one call (the embedder keeps the vectors for the steps below).
        self.embedder.embed(list(dict.fromkeys([
            *evidence_texts(unique, reference, policy),
            *answer_texts(clean_text, reference_text, reference.question, self.word_vectors,
                          self.content_model.features)])))
        evidence = analyse(unique, reference, self.kind_model, policy, self.embedder)
        coverage = measure_coverage(reference, evidence, refvec, policy, forced)
        feats = content_features(clean_text, reference_text, self.embedder,
                                 question=reference.question, word_vectors=self.word_vectors,
                                 features=self.content_model.features)
        content = self.content_model.score(feats) if words else 0.0
        signals = read_signals(clean_text, set().union(*(p.terms for p in reference.points)))
        expectation = min(1.0, reference.reference_words / policy.specificity.reference_words_full)
        factor = policy.specificity.floor + (1 - policy.specificity.floor) * specificity(unique)
        discount = 1 - expectation * (1 - factor)
        measures = _measures(policy, _signals(coverage, content, signals), evidence, coverage, signals, discount,
                             expectation)
        dimensions = [_dimension(d, measures.values[d.measure], measures.evidence[d.measure], answer)
                      for d in rubric.dimensions]
        raw = sum(d.weight * measures.values[d.measure] for d in rubric.dimensions)
        overall = 100 * (1 - (1 - raw) ** policy.overall.curve)
        # Interview polish cannot stand in for substance: the grade is bounded by the content evidence.
        rules = policy.overall
        weight_coverage = expectation * rules.substance_coverage + (1 - expectation) * rules.substance_coverage_short
        weight_content = expectation * rules.substance_content + (1 - expectation) * rules.substance_content_short
        substance = (weight_coverage * coverage.weighted + weight_content * content) * discount
        overall = min(overall, rules.substance_base + 100 * substance)
        foreign = mismatch(clean_text, reference)
        if foreign:  # length and topic are not measurable across languages: say so instead of capping
            flags.append("language")
            overall = self._caps_in_any_language(overall, flags, clean_text)
        else:
            overall = self._caps(overall, flags, reference, clean_text, words, new_words, coverage, content,
                                 evidence, refvec, neighbours)
        return Grade(
            question_id=reference.question_id, rubric=rubric.name, overall=round(overall),
            dimensions=dimensions, covered=coverage.covered, missing=coverage.missing,
            strengths=_strengths(dimensions), improvements=_improvements(rubric, dimensions, coverage, signals),
            model_answer_excerpt=_excerpt(reference, coverage), flags=flags, engine="grounded",
            language="/".join(lang.name for lang in foreign) if foreign else "",
            notes=f"content {content:.2f}, coverage {coverage.weighted:.2f}",
        )

    def _caps(self, overall: float, flags: list[str], reference: Reference, text: str, words: list[str],
              new_words: list[str], coverage: Coverage, content: float, evidence: AnswerEvidence,
              refvec: ReferenceVectors, neighbours: Neighbours | None) -> float:
        """Apply the policy's caps, adding the flag of each one that applies."""
        policy = self.policy
        size = reference.reference_words
        short = min(policy.too_short.words, math.ceil(policy.too_short.reference_share * size))
        bare = min(policy.non_answer.new_words, math.ceil(policy.non_answer.reference_share * size))
        declined = len(new_words) <= policy.non_answer.declined_words and _NON_ANSWER.search(text)
        bare_answer = len(new_words) < bare and content < policy.non_answer.content_below
        if declined or bare_answer or _declines(evidence, reference, short, policy):
            flags.append("non_answer")
            return min(overall, policy.caps.non_answer)
        if len(words) < short:
            flags.append("too_short")
            overall = min(overall, policy.caps.too_short)
        if is_keyword_list(text, policy):
            flags.append("keyword_list")
            overall = min(overall, policy.caps.keyword_list)
        if self._off_topic(reference, coverage, evidence, refvec, neighbours) and not (
                reference.given and content >= policy.off_topic.content_given):
            flags.append("off_topic")
            overall = min(overall, policy.caps.off_topic)
        return overall

    def _caps_in_any_language(self, overall: float, flags: list[str], text: str) -> float:
        """The caps that do not depend on the answer's language (a keyword list is one in any language)."""
        if is_keyword_list(text, self.policy):
            flags.append("keyword_list")
            overall = min(overall, self.policy.caps.keyword_list)
        return overall

    def _off_topic(self, reference: Reference, coverage: Coverage, evidence: AnswerEvidence,
                   refvec: ReferenceVectors, neighbours: Neighbours | None) -> bool:
        """Off topic: the answer barely relates to this question (its prompt and requirements) at all; or it covers
        little of what this question asks, and relates weakly to it or clearly more to another bank question's
        prompt."""
        rules = self.policy.off_topic
        if not evidence.sentences:
            return False
        mean = evidence.vectors.mean(axis=0)
        norm = float(np.linalg.norm(mean))
        if not norm:
            return True
        mean = mean / norm
        asked = float(refvec.question @ mean)
        related = max(asked, float((refvec.points @ mean).max()) if len(refvec.points) else 0.0)
        if related < rules.unrelated_below and not reference.given:  # about something else, whatever it "covers"
            return True
        if coverage.weighted >= rules.coverage_below:
            return False
        if related < (rules.own_below_given if reference.given else rules.own_below):
            return True
        if reference.given or neighbours is None:
            return False
        nearby = neighbours(mean)
        # Questions on much the same subject as this one (two CLV questions) do not make an answer off topic.
        siblings = {q for q, s in neighbours(refvec.question) if s >= rules.sibling_above}
        mine = [s for q, s in nearby if q == reference.question_id]
        others = [s for q, s in nearby if q != reference.question_id and q not in siblings]
        if not others:
            return False
        # Not even among the nearest bank questions, or clearly nearer another one.
        return max(others) > (mine[0] + rules.other_margin if mine else asked)


def _declines(evidence: AnswerEvidence, reference: Reference, short: int, policy: GradingPolicy) -> bool:
    """Some sentence declines to answer ("Pass, pricing isn't my area") and the others say too little to be one. A
    terse fragment ("O(n)", "delete node") or a sentence in the reference's own terms says something: no decline."""
    terms = reference.detail_terms
    declining = [p >= policy.non_answer.declined_p and len(tokens(s)) >= policy.non_answer.declined_min_words
                 and not {stem(t) for t in content_tokens(s)} & terms
                 for s, p in zip(evidence.sentences, evidence.kind_column(DECLINED), strict=True)]
    said = sum(n for n, d in zip(evidence.new_words, declining, strict=True) if not d)
    return any(declining) and said < short


def _strengths(dimensions: list[DimensionScore]) -> list[str]:
    return [f"{d.name}: {d.justification}" for d in dimensions if d.score >= 4][:3]


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
