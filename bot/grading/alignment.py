"""Answer-vs-reference content features (word alignment, sentence coverage, length) and the linear content model."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from bot.grading.text import content_tokens, sentences, stem

DEFAULT_MODEL_PATH = Path(__file__).resolve().parents[2] / "prompts" / "grading" / "content_model.json"

# Soft word alignment: cosine ≤ WORD_LO earns nothing, ≥ WORD_HI earns full credit (exact stem matches earn 1).
WORD_LO, WORD_HI = 0.45, 0.75
# Soft sentence coverage: a reference sentence counts as covered by sigmoid((best cosine - SENT_MID) / SENT_WIDTH).
SENT_MID, SENT_WIDTH = 0.55, 0.08
# Phrase coverage: windows of CHUNK_SIZE distinct content words taken every CHUNK_STRIDE words.
CHUNK_SIZE, CHUNK_STRIDE = 5, 3
_CACHE_LIMIT = 20000
_BANDS = (8,)  # word-count limits of the length bands embedded together


class TextEmbedder(Protocol):
    """The part of the embedder port this module needs: `name` and L2-normalised `embed`."""

    name: str

    def embed(self, texts: list[str]) -> np.ndarray: ...


_vector_cache: dict[tuple[str, str], np.ndarray] = {}


def _embed(embedder: TextEmbedder, texts: list[str], cache: set[str]) -> dict[str, np.ndarray]:
    """Vectors for `texts`; texts in `cache` are remembered (by embedder name and text). Missing texts are embedded
    in one call per length band, so single words are not padded to the length of a whole answer."""
    out: dict[str, np.ndarray] = {}
    missing: list[str] = []
    for text in dict.fromkeys(texts):
        hit = _vector_cache.get((embedder.name, text))
        if hit is not None:
            out[text] = hit
        else:
            missing.append(text)
    bands: dict[int, list[str]] = {}
    for text in missing:
        n_words = len(text.split())
        bands.setdefault(sum(n_words > limit for limit in _BANDS), []).append(text)
    for band in sorted(bands.values(), key=len):
        vectors = np.asarray(embedder.embed(band), dtype=np.float32)
        for text, vec in zip(band, vectors, strict=True):
            out[text] = vec
            if text in cache:
                if len(_vector_cache) >= _CACHE_LIMIT:
                    _vector_cache.pop(next(iter(_vector_cache)))
                _vector_cache[(embedder.name, text)] = vec
    return out


@dataclass(frozen=True)
class _Side:
    """One text reduced for matching; question words are removed from `words`, `chunks` and `bag`."""

    pieces: list[str]  # sentences, each kept once
    n_types: int  # distinct content words (stems), question words included
    words: dict[str, str]  # stem -> first surface form
    question_share: float  # share of the content-word types that occur in the question
    chunks: list[str]  # windows of CHUNK_SIZE distinct content words, stride CHUNK_STRIDE
    bag: str  # all of `words`, space-joined


def _side(text: str, question_stems: set[str]) -> _Side:
    pieces = list(dict.fromkeys(sentences(text)))  # repeats of a sentence earn nothing
    all_words: dict[str, str] = {}
    for tok in content_tokens(" ".join(pieces)):
        all_words.setdefault(stem(tok), tok)
    words = {s: w for s, w in all_words.items() if s not in question_stems}
    share = 1.0 - len(words) / len(all_words) if all_words else 0.0
    seq = list(words.values())
    starts = range(0, max(1, len(seq) - CHUNK_SIZE + CHUNK_STRIDE), CHUNK_STRIDE)
    chunks = [c for c in (" ".join(seq[i : i + CHUNK_SIZE]) for i in starts) if c]
    return _Side(pieces, len(all_words), words, share, chunks, " ".join(seq))


def _soft(sim: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return np.clip((sim - lo) / (hi - lo), 0.0, 1.0)


def _align(a: _Side, r: _Side, vec: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Word alignment both ways: exact stem matches, then soft credit by word-embedding cosine."""
    a_stems, r_stems = list(a.words), list(r.words)
    if not a_stems or not r_stems:
        return {"align_recall": 0.0, "align_precision": 0.0, "align_f1": 0.0, "exact_recall": 0.0}
    am = np.stack([vec[a.words[s]] for s in a_stems])
    rm = np.stack([vec[r.words[s]] for s in r_stems])
    sim = _soft(rm @ am.T, WORD_LO, WORD_HI)
    a_index = {s: j for j, s in enumerate(a_stems)}
    exact = np.zeros(len(r_stems))
    for i, s in enumerate(r_stems):
        j = a_index.get(s)
        if j is not None:
            sim[i, j] = 1.0
            exact[i] = 1.0
    recall = float(sim.max(axis=1).mean())
    precision = float(sim.max(axis=0).mean())
    f1 = 2 * recall * precision / (recall + precision) if recall + precision > 0 else 0.0
    return {"align_recall": recall, "align_precision": precision, "align_f1": f1, "exact_recall": float(exact.mean())}


def _best(r_vecs: np.ndarray, a_vecs: np.ndarray, name: str) -> dict[str, float]:
    """Each reference item's best cosine in the answer, averaged (recall), and the converse (precision)."""
    if not len(r_vecs) or not len(a_vecs):
        return {f"{name}_recall": 0.0, f"{name}_precision": 0.0}
    sim = r_vecs @ a_vecs.T
    return {f"{name}_recall": float(sim.max(axis=1).mean()), f"{name}_precision": float(sim.max(axis=0).mean())}


@lru_cache(maxsize=256)
def _reference_side(reference: str, question: str) -> tuple[_Side, frozenset[str]]:
    """The reference reduced for matching, and the question stems to demote (none if the reference only repeats
    the question)."""
    question_stems = frozenset(stem(t) for t in content_tokens(question))
    r = _side(reference, set(question_stems))
    if not r.words:
        return _side(reference, set()), frozenset()
    return r, question_stems


def _texts(side: _Side) -> list[str]:
    return [t for t in (*side.pieces, *side.words.values(), *side.chunks, side.bag) if t]


def warm_reference(reference: str, embedder: TextEmbedder, question: str = "") -> None:
    """Embed and cache the reference's pieces now (e.g. when the question is asked): grading then embeds the answer."""
    r, _ = _reference_side(reference, question)
    texts = _texts(r)
    _embed(embedder, texts, cache=set(texts))


def content_features(answer: str, reference: str, embedder: TextEmbedder, question: str = "") -> dict[str, float]:
    """Features of `answer` against `reference`; words of `question` are demoted (they earn no alignment credit)."""
    r, question_stems = _reference_side(reference, question)
    a = _side(answer, set(question_stems))
    if not a.n_types or not r.n_types:  # empty, or stop words only: nothing to credit
        return dict.fromkeys(FEATURES, 0.0) | {"log_len_ratio": math.log(1 / (1 + r.n_types))}
    ref_texts = _texts(r)
    vec = _embed(embedder, [*_texts(a), *ref_texts], cache={*ref_texts, *a.words.values()})

    def stack(texts: list[str]) -> np.ndarray:
        return np.stack([vec[t] for t in texts]) if texts else np.zeros((0, 1), dtype=np.float32)

    feats: dict[str, float] = {
        "cos_bag": float(vec[a.bag] @ vec[r.bag]) if a.words else 0.0,
        "log_words": math.log1p(a.n_types),
        "log_len_ratio": math.log((1 + a.n_types) / (1 + r.n_types)),
        "question_share": a.question_share,
    }
    feats.update(_align(a, r, vec))
    feats.update(_best(stack(r.pieces), stack(a.pieces), "sent"))
    feats.update(_best(stack(r.chunks), stack(a.chunks), "chunk"))
    best_r = (stack(r.pieces) @ stack(a.pieces).T).max(axis=1)
    feats["sent_coverage_soft"] = float(np.mean(1.0 / (1.0 + np.exp(-(best_r - SENT_MID) / SENT_WIDTH))))
    return feats


FEATURES: tuple[str, ...] = (
    "cos_bag", "log_words", "log_len_ratio", "question_share", "align_recall",
    "align_precision", "align_f1", "exact_recall", "sent_recall", "sent_precision", "chunk_recall", "chunk_precision",
    "sent_coverage_soft",
)  # fmt: skip


class ContentModel:
    """A linear model over `content_features` (fitted by bench/eval_asag.py) that scores an answer's content 0..1."""

    def __init__(self, features: list[str], weights: list[float], bias: float, link: str = "logistic",
                 lo: float = 0.0, hi: float = 1.0) -> None:
        if len(features) != len(weights):
            raise ValueError("features and weights differ in length")
        if link not in ("logistic", "linear") or hi <= lo:
            raise ValueError(f"bad model: link={link!r}, scaling lo={lo}, hi={hi}")
        self.features = list(features)
        self.weights = np.asarray(weights, dtype=np.float64)
        self.bias, self.link = float(bias), link
        self.lo, self.hi = float(lo), float(hi)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ContentModel:
        scaling = data.get("output_scaling", {})
        return cls([str(f) for f in data["features"]], [float(w) for w in data["weights"]], float(data["bias"]),
                   str(data.get("link", "logistic")), float(scaling.get("lo", 0.0)), float(scaling.get("hi", 1.0)))

    @classmethod
    def load(cls, path: str | Path = DEFAULT_MODEL_PATH) -> ContentModel:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    def predict(self, feats: Mapping[str, float]) -> float:
        """The model's estimate of grade / max grade, on the scale it was fitted on (before the output scaling)."""
        z = float(np.asarray([feats.get(name, 0.0) for name in self.features]) @ self.weights + self.bias)
        return 1.0 / (1.0 + math.exp(-z)) if self.link == "logistic" else z

    def score(self, feats: Mapping[str, float]) -> float:
        """Content score in 0..1: the prediction mapped through the output scaling (lo → 0, hi → 1), clipped."""
        return min(1.0, max(0.0, (self.predict(feats) - self.lo) / (self.hi - self.lo)))
