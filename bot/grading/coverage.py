"""Requirement coverage: which requirements an answer covers, by the kind its sentences show or by their content,
counting only sentences that say something beyond the question's words."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import numpy as np

from bot.domain.grade import KeyPointResult
from bot.grading.evidence import AnswerEvidence, echo_spans
from bot.grading.policy import GradingPolicy
from bot.grading.reference import Reference, ReferencePoint
from bot.grading.text import content_tokens, stem
from bot.retrieval.embedder import Embedder, masked_text

_CACHE_LIMIT = 2048
_cache: dict[tuple[str, str], ReferenceVectors] = {}
_cache_lock = threading.Lock()
_NUMBERED = re.compile(r"^\s*\(?(\d)[.):]")
_NAMED = re.compile(r"\b(?:(?:story|part|example)\s*(\d|one|two|three)\b|"
                    r"(first|second|third|other|next|another)\s+(?:story|one|example|situation)\b)", re.I)
_HEAD_WORDS = 8  # a named marker ("the second story") counts within a sentence's first words
_ORDINAL = {"1": 0, "one": 0, "first": 0, "2": 1, "two": 1, "second": 1, "other": 1, "next": 1, "another": 1,
            "3": 2, "three": 2, "third": 2}


@dataclass(frozen=True)
class ReferenceVectors:
    """Vectors of every point sentence (with its point index), of each point, of each prompt part, and the question."""

    sentences: np.ndarray
    owners: np.ndarray
    points: np.ndarray
    parts: np.ndarray
    question: np.ndarray


def reference_vectors(reference: Reference, embedder: Embedder, question_share: float) -> ReferenceVectors:
    """Embed the reference's requirement texts once (cached per embedder and reference)."""
    key = (embedder.name, reference.question_id + str(hash(reference.text)) + str(len(reference.points)))
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    # Content is matched with the question's words taken out on both sides (they are no evidence); an asked element's
    # own wording is kept: it names the concept an answer must show in other words.
    texts = [s if p.ask and n == 0 else masked_text(s, echo_spans(s, reference.question_stems, question_share))
             for p in reference.points for n, s in enumerate(p.sentences)]
    owners = np.asarray([i for i, p in enumerate(reference.points) for _ in p.sentences], dtype=int)
    parts = [f"{p.title}: {p.text}" if p.title else p.text for p in (reference.spec.parts if reference.spec else [])]
    heads = [p.text for p in reference.points]
    vectors = embedder.embed([*texts, *heads, *parts, reference.question or reference.text[:500]])
    n, m = len(texts), len(heads)
    vectors[:n][[not t for t in texts]] = 0.0  # a sentence made only of the question's words matches nothing
    built = ReferenceVectors(sentences=vectors[:n], owners=owners, points=vectors[n:n + m],
                             parts=vectors[n + m:n + m + len(parts)], question=vectors[-1])
    with _cache_lock:
        if len(_cache) >= _CACHE_LIMIT:
            _cache.pop(next(iter(_cache)))
        _cache[key] = built
    return built


def forget() -> None:
    """Empty the reference-vector cache (benchmarks time grading from a cold start with it)."""
    with _cache_lock:
        _cache.clear()


@dataclass
class Coverage:
    """Per-requirement results, the importance-weighted coverage (saturating at what a full answer covers), and the
    strongest evidence of every kind."""

    results: list[KeyPointResult]
    weighted: float
    importance: list[float]
    kind_strength: dict[str, float]
    points: list[ReferencePoint]

    @property
    def covered(self) -> list[KeyPointResult]:
        return [r for r in self.results if r.covered]

    @property
    def missing(self) -> list[KeyPointResult]:
        """Missed requirements, most important first."""
        order = sorted(range(len(self.results)), key=lambda i: -self.importance[i])
        return [self.results[i] for i in order if not self.results[i].covered]


def _soft(value: float | np.ndarray, lo: float, hi: float) -> np.ndarray:
    return np.clip((np.asarray(value, dtype=np.float32) - lo) / (hi - lo), 0.0, 1.0)


def assign_parts(evidence: AnswerEvidence, parts: int, titles: list[str], value: np.ndarray,
                 importance: np.ndarray, owner_part: np.ndarray, margin: float) -> np.ndarray:
    """The prompt part each sentence answers: at the answer's own markers (a part's title, "Story 2", "the second
    one", or "1) … 2) …" numbering that starts at one); else the reading that credits the answer most — all of it
    for one part, or the parts in order at one change point, which must earn `margin` more (in importance) than the
    best single part. `value` holds each requirement's evidence per sentence, whatever part it sits in."""
    n = len(evidence.sentences)
    if parts < 2 or n == 0:
        return np.zeros(n, dtype=int)
    marks = _markers(evidence.sentences, titles)
    if any(m is not None for m in marks):
        out, current = np.zeros(n, dtype=int), 0
        for i, mark in enumerate(marks):
            current = min(parts - 1, mark) if mark is not None else current
            out[i] = current
        return out

    def credit(assignment: np.ndarray) -> float:
        allowed = assignment[None, :] == owner_part[:, None]
        return float((importance * np.where(allowed, value, 0.0).max(axis=1, initial=0.0)).sum())

    singles = [np.full(n, j) for j in range(parts)]
    best = max(singles, key=credit)
    best_credit = credit(best) + margin
    for cut in range(1, n):
        for first in range(parts - 1):
            candidate = np.asarray([first] * cut + [first + 1] * (n - cut))
            if (c := credit(candidate)) > best_credit:
                best, best_credit = candidate, c
    return best


def _markers(sentences: list[str], titles: list[str]) -> list[int | None]:
    """Per sentence, the part it announces, if any. Titles and named markers win over bare numbering, which counts
    only when it starts at one (a numbered list inside an email is no part marker)."""
    title_stems = [{stem(t) for t in content_tokens(title)} for title in titles]
    named: list[int | None] = []
    numbered: list[int | None] = []
    for sentence in sentences:
        head = {stem(t) for t in content_tokens(" ".join(sentence.split()[:8]))}
        by_title = next((i for i, stems in enumerate(title_stems)
                         if stems and len(stems & head) >= max(1, (2 * len(stems) + 2) // 3)), None)
        named_match = _NAMED.search(" ".join(sentence.split()[:_HEAD_WORDS]))
        word = next((g for g in named_match.groups() if g), None) if named_match else None
        numbered_match = _NUMBERED.match(sentence)
        named.append(by_title if by_title is not None else _ORDINAL.get(word.lower()) if word else None)
        numbered.append(_ORDINAL.get(numbered_match.group(1)) if numbered_match else None)
    if any(m is not None for m in named):
        return named
    first = next((m for m in numbered if m is not None), None)
    return numbered if first == 0 else [None] * len(sentences)


def measure_coverage(reference: Reference, evidence: AnswerEvidence, vectors: ReferenceVectors,
                     policy: GradingPolicy, forced: dict[str, str] | None = None) -> Coverage:
    """Score every requirement by its best evidence in the answer (see the policy for the weights). A sentence is
    evidence for at most `points_per_sentence` requirements, the strongest first: one sentence cannot cover a whole
    reference. `forced` requirements (id → a verified quote from an LLM judge) count as covered by that quote."""
    forced = forced or {}
    kinds = {k: evidence.strongest(k)[0] for k in evidence.kinds}
    if not reference.points:
        return Coverage([], 0.0, [], kinds, [])
    n = len(evidence.sentences)
    sims = vectors.sentences @ evidence.content_vectors.T if n else np.zeros((len(vectors.owners), 0))
    head_sims = vectors.points @ evidence.vectors.T if n else np.zeros((len(reference.points), 0))
    gated_stems = {stem(t) for s, g in zip(evidence.sentences, evidence.gate, strict=True) if g > 0
                   for t in content_tokens(s)}

    def scores(parts: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        per_sentence = np.zeros((len(reference.points), n), dtype=np.float32)
        bonus = np.zeros(len(reference.points), dtype=np.float32)
        for index, point in enumerate(reference.points):
            mask = np.ones(n, dtype=bool) if parts is None else parts == point.part
            if point.kind != "topic":
                per_sentence[index] = _kind_scores(point, evidence, head_sims[index], vectors.points[index], mask,
                                                   policy)
            else:
                # An asked element's wording is matched against the whole sentence: naming the element with
                # something of its own shows it ("promo flags on sibling items for cannibalization"); the gate makes
                # a bare echo worth nothing.
                own = sims[vectors.owners == index].copy()
                if point.ask:
                    own[0] = head_sims[index]
                per_sentence[index], bonus[index] = _content_scores(point, evidence, own, mask, gated_stems, policy)
        return per_sentence, bonus

    if len(vectors.parts) > 1:
        unrestricted, _ = scores(None)
        parts = assign_parts(evidence, len(vectors.parts), [p.title for p in reference.spec.parts] if reference.spec
                             else [], unrestricted, np.asarray([p.importance for p in reference.points]),
                             np.asarray([p.part for p in reference.points]), policy.coverage.part_switch_margin)
        per_sentence, bonus = scores(parts)
    else:
        per_sentence, bonus = scores(None)
    best = _assign(per_sentence, policy.evidence.points_per_sentence)
    results, credit = [], []
    for index, point in enumerate(reference.points):
        chosen = best[index]
        score = float(np.clip((per_sentence[index, chosen] if chosen >= 0 else 0.0) + bonus[index], 0.0, 1.0))
        covered = score >= policy.evidence.covered_at or point.id in forced
        quote = forced.get(point.id) or (evidence.sentences[chosen] if covered and chosen >= 0 else "")
        results.append(KeyPointResult(key_point=point.key_point, id=point.id, kind=point.kind, covered=covered,
                                      score=round(max(score, policy.evidence.covered_at if covered else 0.0), 3),
                                      evidence=quote, citation=point.citation))
        credit.append(1.0 if covered else policy.evidence.near_miss_credit * score)
    importance = [p.importance for p in reference.points]
    return Coverage(results, _saturated(importance, credit, policy), importance, kinds, list(reference.points))


def _assign(scores: np.ndarray, capacity: int) -> list[int]:
    """Each requirement's evidence sentence (-1: none), strongest pairs first, each sentence used at most
    `capacity` times."""
    chosen = [-1] * scores.shape[0]
    left = np.full(scores.shape[1], capacity)
    for flat in np.argsort(-scores, axis=None, kind="stable"):
        point, sentence = divmod(int(flat), scores.shape[1])
        if scores[point, sentence] <= 0:
            break
        if chosen[point] < 0 and left[sentence] > 0:
            chosen[point] = sentence
            left[sentence] -= 1
    return chosen


def _kind_scores(point: ReferencePoint, evidence: AnswerEvidence, head_sims: np.ndarray, point_vector: np.ndarray,
                 mask: np.ndarray, policy: GradingPolicy) -> np.ndarray:
    """Per sentence: how well it shows the point's kind (0 outside the point's part)."""
    weights = policy.kinds
    related = _soft(head_sims, weights.related_lo, weights.related_hi)
    scores = evidence.gate * np.clip(weights.weight * evidence.kind_column(point.kind)
                                     + weights.relatedness_weight * related, 0, 1)
    if point.main and mask.any():  # the story itself must be about the situation asked for: as a whole, or in the
        nearest = np.sort(head_sims[mask])[::-1][:2]  # two sentences nearest to it
        whole = evidence.vectors[mask].mean(axis=0)
        norm = float(np.linalg.norm(whole))
        topical = max(float(nearest.mean()), float(point_vector @ whole) / norm if norm else 0.0)
        scores = scores * float(_soft(topical, weights.main_topic_lo, weights.main_topic_hi))
    return np.where(mask, scores, 0.0)


def _content_scores(point: ReferencePoint, evidence: AnswerEvidence, sims: np.ndarray, mask: np.ndarray,
                    answer_stems: set[str], policy: GradingPolicy) -> tuple[np.ndarray, float]:
    """Per sentence: its semantic match to the point (question words out); and the point's lexical credit."""
    rules = policy.content_points
    if not sims.size:
        return np.zeros(len(mask), dtype=np.float32), 0.0
    lo, hi = (rules.ask_lo, rules.ask_hi) if point.ask else (rules.semantic_lo, rules.semantic_hi)
    semantic = np.where(mask, _soft(sims.max(axis=0), lo, hi) * evidence.gate, 0.0)
    if point.ask:  # an asked element's own words are the question's: only what the answer adds counts
        return semantic, 0.0
    total = rules.semantic_weight + rules.lexical_weight
    lexical = min(1.0, len(point.terms & answer_stems) / max(1, min(len(point.terms), rules.lexical_full))) \
        if point.terms else 0.0
    return semantic * rules.semantic_weight / total, lexical * rules.lexical_weight / total


def _saturated(importance: list[float], credit: list[float], policy: GradingPolicy) -> float:
    """Credited importance over what a complete answer covers: the `expected_points` most important requirements,
    and at least `min_expected_share` of the total."""
    weights = np.asarray(importance)
    total = float(weights.sum())
    top = float(np.sort(weights)[::-1][: int(policy.coverage.expected_points)].sum())
    expected = max(policy.coverage.min_expected_share * total, min(total, top))
    return float(min(1.0, (weights * np.asarray(credit)).sum() / expected)) if expected > 0 else 0.0
