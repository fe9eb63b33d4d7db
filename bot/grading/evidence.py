"""What an answer's sentences can prove: their vectors, the kind each shows, and how much each says of its own."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from bot.grading.heads import LogisticHeads
from bot.grading.kinds import SPECIFIC, shipped_filler
from bot.grading.policy import GradingPolicy
from bot.grading.reference import GENERIC_STEMS, SCAFFOLD_STEMS, Reference
from bot.grading.signals import buzzword_stems, is_concrete
from bot.grading.text import COMMON_VERBS, content_tokens, spans_of, stem, tokens
from bot.retrieval.embedder import Embedder, Spans, embed_masked, masked_text

_RELATION = re.compile(r"→|->|=|\bw/|\b(?:because|so that|when|if|than|then|instead|unless|until)\b", re.I)
_LABEL = re.compile(r"^([^:.!?]{2,80}):\s+(\S.*)$", re.S)
_ITEM_SPLIT = re.compile(r"\s*(?:[,;|•·]|\n|\s[-–—]\s|\s/\s)\s*")
_VERBISH = re.compile(r"\b(?:i|we|you|they|it|" + "|".join(sorted(COMMON_VERBS)) + r")\b", re.I)


@dataclass
class AnswerEvidence:
    """Per unique sentence: its text, vector, P(kind) row, count of new content words and evidence gate (0..1);
    `content_vectors` embed the sentences with the question's words taken out (what they say beyond it)."""

    sentences: list[str]
    vectors: np.ndarray
    content_vectors: np.ndarray
    kind_probs: np.ndarray
    kinds: list[str]
    new_words: list[int]
    gate: np.ndarray
    concrete: list[bool]

    def kind_column(self, kind: str) -> np.ndarray:
        if kind not in self.kinds or not self.sentences:
            return np.zeros(len(self.sentences), dtype=np.float32)
        return self.kind_probs[:, self.kinds.index(kind)]

    def strongest(self, kind: str, rows: np.ndarray | None = None) -> tuple[float, int]:
        """The best gated evidence of `kind` (among `rows`, default all) and the sentence index that gives it."""
        scores = self.kind_column(kind) * self.gate
        if rows is not None:
            mask = np.zeros(len(scores), dtype=bool)
            mask[rows] = True
            scores = np.where(mask, scores, 0.0)
        if not len(scores):
            return 0.0, -1
        best = int(scores.argmax())
        return float(scores[best]), best


def new_word_count(sentence: str, reference: Reference) -> int:
    """Content words that are neither the question's, nor a section label's, nor filler: what a sentence adds."""
    excluded = (reference.question_stems | reference.label_stems | GENERIC_STEMS | SCAFFOLD_STEMS | buzzword_stems()
                | shipped_filler())
    return len({stem(t) for t in content_tokens(sentence)} - excluded)


def gate_of(new_words: int, policy: GradingPolicy) -> float:
    zero, full = policy.evidence.new_words_for_zero, policy.evidence.new_words_for_full
    return float(np.clip((new_words - zero) / max(1, full - zero), 0.0, 1.0))


def body_of(sentence: str) -> str:
    """The sentence without a leading label ("Bias mitigation (pre-processing): …" → "…"): a label is no content."""
    match = _LABEL.match(sentence)
    return match.group(2) if match and len(tokens(match.group(1))) <= 8 else sentence


def _dropped(sentences: list[str], reference: Reference, share: float) -> tuple[list[str], list[int], list[Spans]]:
    """Bodies (without a label), label lengths, and the spans that are no content: the label, and the question's
    words where they make up at least `share` of the sentence's content words (a stray one changes little)."""
    bodies = [body_of(s) for s in sentences]
    labels = [len(s) - len(b) for s, b in zip(sentences, bodies, strict=True)]
    dropped = [[*([(0, cut)] if cut else []), *echo_spans(sentence, reference.question_stems, share)]
               for sentence, cut in zip(sentences, labels, strict=True)]
    return bodies, labels, dropped


def echo_spans(sentence: str, question_stems: frozenset[str], share: float) -> Spans:
    """The question's words in `sentence` when they make up at least `share` of its content words, else none."""
    words = spans_of(sentence, question_stems)
    return words if words and len(words) >= share * max(1, len(content_tokens(sentence))) else []


def evidence_texts(sentences: list[str], reference: Reference, policy: GradingPolicy) -> list[str]:
    """Every text `analyse` embeds for these sentences (so a caller can embed them with others in one call)."""
    dropped = _dropped(sentences, reference, policy.evidence.question_share)[2]
    cut = [masked_text(s, spans) for s, spans in zip(sentences, dropped, strict=True)]
    return [*sentences, *(c for c in cut if c)]


def analyse(sentences: list[str], reference: Reference, model: LogisticHeads, policy: GradingPolicy,
            embedder: Embedder) -> AnswerEvidence:
    """Everything the coverage and the rubric measures read off an answer's unique sentences. One pass of the model
    gives each sentence's vector and its vector without the question's words (what it says beyond them); labelled
    sentences are judged for specificity on that second vector, without their label."""
    bodies, labels, dropped = _dropped(sentences, reference, policy.evidence.question_share)
    if sentences:
        vectors, content_vectors = embed_masked(embedder, sentences, dropped)
    else:
        vectors = content_vectors = np.zeros((0, embedder.dim), dtype=np.float32)
    labelled = [i for i, cut in enumerate(labels) if cut]
    new = [new_word_count(b, reference) for b in bodies]
    concrete = [is_concrete(b, reference.detail_terms) for b in bodies]
    probs = model.probabilities(sentences, vectors)
    rules = policy.evidence
    if "situation" in model.kinds:  # a story opens with its scene, however it is worded
        column = model.kinds.index("situation")
        for i in range(min(rules.opening_sentences, len(sentences))):
            if concrete[i]:
                probs[i, column] = max(float(probs[i, column]), rules.opening_situation)
    specific = probs[:, model.kinds.index(SPECIFIC)] if SPECIFIC in model.kinds else np.ones(len(sentences))
    if labelled and SPECIFIC in model.kinds:  # judged on what is left without the label (and any echo)
        rest = [masked_text(sentences[i], dropped[i]) for i in labelled]
        specific = specific.copy()
        specific[labelled] = model.probabilities(rest, content_vectors[labelled])[:, model.kinds.index(SPECIFIC)]
    gate = [gate_of(n, policy) * (1.0 if c else rules.plain_sentence_weight)
            * float(np.clip((p - rules.specific_lo) / (rules.specific_hi - rules.specific_lo), 0.0, 1.0))
            * (0.0 if is_keyword_list(s, policy) else 1.0)
            for n, c, p, s in zip(new, concrete, specific, bodies, strict=True)]
    return AnswerEvidence(
        sentences=sentences, vectors=vectors, content_vectors=content_vectors, kind_probs=probs, kinds=model.kinds,
        new_words=new, gate=np.asarray(gate, dtype=np.float32), concrete=concrete,
    )


def is_keyword_list(text: str, policy: GradingPolicy) -> bool:
    """A list of bare terms (no verb, number or relation between them) rather than an explanation."""
    items = [i.strip(" .:*-") for i in _ITEM_SPLIT.split(text) if i.strip(" .:*-")]
    if len(items) < policy.keyword_list.min_items:
        return False
    bare = [i for i in items if len(tokens(i)) <= 4 and not _RELATION.search(i) and not _VERBISH.search(i)]
    return len(bare) >= policy.keyword_list.bare_share * len(items)
