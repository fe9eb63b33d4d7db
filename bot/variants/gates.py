"""Quality gates: a variant must read as written by a person, be new (not too close to its parent, siblings or bank
questions) and stay on topic."""

from __future__ import annotations

import numpy as np

from bot.domain.models import Question
from bot.ingest.pipeline import question_embedding_text
from bot.retrieval.embedder import Embedder
from bot.retrieval.store import VectorStore
from bot.variants.models import GatedVariant, GateScores, Variant
from bot.variants.wellformed import problems

NOVEL_BELOW = 0.95  # cosine to the parent and to every kept sibling must stay under this
ON_TOPIC_FROM = 0.5  # cosine to the parent must reach this
DUPLICATE_FROM = 0.95  # cosine to any bank question at or above this is a near-duplicate


def apply_gates(parent: Question, variants: list[Variant], embedder: Embedder,
                store: VectorStore | None = None) -> list[GatedVariant]:
    """Each variant with its scores; siblings are compared with the variants kept before them, in order."""
    if not variants:
        return []
    vectors = embedder.embed([parent.question, *(v.question for v in variants)])
    parent_vector, own = vectors[0], vectors[1:]
    bank_vectors = embedder.embed([question_embedding_text(_as_question(v)) for v in variants]) if store else None
    kept: list[np.ndarray] = []
    out: list[GatedVariant] = []
    for index, variant in enumerate(variants):
        vector = own[index]
        scores = GateScores(parent_cosine=round(float(vector @ parent_vector), 4))
        if kept:
            scores.max_sibling_cosine = round(max(float(vector @ k) for k in kept), 4)
        if store is not None and bank_vectors is not None:
            nearest = store.search_questions(bank_vectors[index], k=1)
            if nearest:
                scores.nearest_bank_id, scores.nearest_bank_cosine = nearest[0][0].id, round(nearest[0][1], 4)
        scores.reasons = [*problems(variant), *_reasons(scores)]
        if scores.passed:
            kept.append(vector)
        out.append(GatedVariant(variant=variant, gate=scores))
    return out


def _reasons(scores: GateScores) -> list[str]:
    reasons = []
    if scores.parent_cosine >= NOVEL_BELOW:
        reasons.append(f"too close to its parent (cosine {scores.parent_cosine:.2f} ≥ {NOVEL_BELOW})")
    if scores.parent_cosine < ON_TOPIC_FROM:
        reasons.append(f"off topic (cosine to its parent {scores.parent_cosine:.2f} < {ON_TOPIC_FROM})")
    if scores.max_sibling_cosine >= NOVEL_BELOW:
        reasons.append(f"too close to another variant (cosine {scores.max_sibling_cosine:.2f} ≥ {NOVEL_BELOW})")
    if scores.nearest_bank_cosine >= DUPLICATE_FROM:
        reasons.append(f"near-duplicate of bank question {scores.nearest_bank_id} "
                       f"(cosine {scores.nearest_bank_cosine:.2f})")
    return reasons


def _as_question(variant: Variant) -> Question:
    return Question(id="variant", title=variant.title, source_file="(variant)", question=variant.question)
