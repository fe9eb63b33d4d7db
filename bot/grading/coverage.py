"""Key-point coverage: which reference points an answer covers (semantic + lexical), with evidence and citations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.domain.grade import KeyPointResult
from bot.grading.reference import Reference
from bot.grading.text import content_tokens, stem
from bot.retrieval.embedder import Embedder

SEMANTIC_LO, SEMANTIC_HI = 0.35, 0.70
ASK_LO, ASK_HI = 0.25, 0.55
_reference_cache: dict[tuple[str, str], tuple[np.ndarray, list[int], np.ndarray]] = {}


@dataclass
class Coverage:
    """Per-point results and the importance-weighted share of the reference the answer covers."""

    results: list[KeyPointResult]
    weighted: float
    importance: list[float]

    @property
    def covered(self) -> list[KeyPointResult]:
        return [r for r in self.results if r.covered]

    @property
    def missing(self) -> list[KeyPointResult]:
        """Missed points, most important first."""
        order = sorted(range(len(self.results)), key=lambda i: -self.importance[i])
        return [self.results[i] for i in order if not self.results[i].covered]


def reference_vectors(reference: Reference, embedder: Embedder) -> tuple[np.ndarray, list[int], np.ndarray]:
    """Sentence vectors of every point (with the owner index of each) and the question vector; cached."""
    key = (embedder.name, reference.question_id + str(hash(reference.text)))
    if key not in _reference_cache:
        texts = [s for p in reference.points for s in p.sentences]
        owners = [i for i, p in enumerate(reference.points) for _ in p.sentences]
        vectors = embedder.embed([*texts, reference.question or reference.text[:500]])
        _reference_cache[key] = (vectors[:-1], owners, vectors[-1])
        if len(_reference_cache) > 2048:
            _reference_cache.pop(next(iter(_reference_cache)))
    return _reference_cache[key]


def _soft(value: float, lo: float, hi: float) -> float:
    return float(np.clip((value - lo) / (hi - lo), 0.0, 1.0))


def measure_coverage(reference: Reference, answer_sentences: list[str], answer_vectors: np.ndarray,
                     embedder: Embedder) -> Coverage:
    """Score each reference point by its best-matching answer sentence and by the answer's use of its terms."""
    if not reference.points:
        return Coverage([], 0.0, [])
    point_vectors, owners, question_vector = reference_vectors(reference, embedder)
    answer_stems = {stem(t) for t in content_tokens(" ".join(answer_sentences))}
    owner_array = np.asarray(owners)
    sims = point_vectors @ answer_vectors.T if len(answer_sentences) else np.zeros((len(owners), 0))
    importance = []
    results = []
    for index, point in enumerate(reference.points):
        rows = np.flatnonzero(owner_array == index)
        relevance = float((point_vectors[rows] @ question_vector).max()) if len(rows) else 0.0
        importance.append(0.5 + max(0.0, relevance))
        block = sims[rows] if len(rows) and sims.shape[1] else np.zeros((1, 1))
        best_sentence = int(np.unravel_index(int(block.argmax()), block.shape)[1]) if sims.shape[1] else -1
        if point.ask:
            score = _soft(float(block.max()), ASK_LO, ASK_HI)
            covered = score >= 0.5
            results.append(KeyPointResult(key_point=point.key_point, covered=covered, score=round(score, 3),
                                          evidence=answer_sentences[best_sentence] if covered and best_sentence >= 0
                                          else "",
                                          citation=point.citation))
            continue
        semantic = _soft(float(block.max()), SEMANTIC_LO, SEMANTIC_HI)
        lexical = min(1.0, len(point.terms & answer_stems) / max(1, min(len(point.terms), 6))) if point.terms \
            else semantic
        score = float(np.clip(0.5 * semantic + 0.5 * lexical, 0.0, 1.0))
        covered = semantic >= 0.45 and lexical >= 0.3
        results.append(KeyPointResult(
            key_point=point.key_point, covered=covered, score=round(score, 3),
            evidence=answer_sentences[best_sentence] if covered and best_sentence >= 0 else "",
            citation=point.citation,
        ))
    weights = np.asarray(importance)
    credit = np.asarray([1.0 if r.covered else 0.3 * r.score for r in results])
    weighted = float((weights * credit).sum() / weights.sum())
    return Coverage(results, weighted, importance)
