"""Answer-vs-reference content features (word alignment, sentence coverage, length) and the linear content model."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from bot.grading.text import content_tokens, statements, stem

DEFAULT_MODEL_PATH = Path(__file__).resolve().parents[2] / "prompts" / "grading" / "content_model.json"

# Soft word alignment: cosine ≤ WORD_LO earns nothing, ≥ WORD_HI earns full credit (exact stem matches earn 1).
WORD_LO, WORD_HI = 0.45, 0.75
# Soft sentence coverage: a reference sentence counts as covered by sigmoid((best cosine - SENT_MID) / SENT_WIDTH).
SENT_MID, SENT_WIDTH = 0.55, 0.08
# Phrase coverage: windows of CHUNK_SIZE distinct content words taken every CHUNK_STRIDE words.
CHUNK_SIZE, CHUNK_STRIDE = 5, 3
_CACHE_LIMIT = 20000
BAG_WORDS = 96  # the bag of words holds the first distinct content words (MiniLM reads 256 tokens at most anyway)
_BANDS = (8,)  # word-count limits of the length bands embedded together


class TextEmbedder(Protocol):
    """The part of the embedder port this module needs: `name` and L2-normalised `embed`."""

    name: str

    def embed(self, texts: list[str]) -> np.ndarray: ...


_vector_cache: dict[tuple[str, str], np.ndarray] = {}
_cache_lock = threading.Lock()  # turns and background jobs grade at once


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
                with _cache_lock:
                    if len(_vector_cache) >= _CACHE_LIMIT:
                        _vector_cache.pop(next(iter(_vector_cache)))
                    _vector_cache[(embedder.name, text)] = vec
    return out


@dataclass(frozen=True)
class _Side:
    """One text reduced for matching; question words are removed from `words`, `chunks` and `bag`."""

    pieces: list[str]  # sentences with some non-question content word, each kept once
    n_types: int  # distinct content words (stems), question words included (`words` leaves them out)
    words: dict[str, str]  # stem -> first surface form
    question_share: float  # share of the content-word types that occur in the question
    chunks: list[str]  # windows of CHUNK_SIZE distinct content words, stride CHUNK_STRIDE
    bag: str  # all of `words`, space-joined


def _side(text: str, question_stems: set[str]) -> _Side:
    pieces = list(dict.fromkeys(statements(text)))  # repeats of a sentence earn nothing
    all_words: dict[str, str] = {}
    for tok in content_tokens(" ".join(pieces)):
        all_words.setdefault(stem(tok), tok)
    words = {s: w for s, w in all_words.items() if s not in question_stems}
    share = 1.0 - len(words) / len(all_words) if all_words else 0.0
    if question_stems:  # sentences that only restate the question earn nothing either
        pieces = [p for p in pieces if any(stem(t) not in question_stems for t in content_tokens(p))]
    seq = list(words.values())
    starts = range(0, max(1, len(seq) - CHUNK_SIZE + CHUNK_STRIDE), CHUNK_STRIDE)
    chunks = [c for c in (" ".join(seq[i : i + CHUNK_SIZE]) for i in starts) if c]
    return _Side(pieces, len(all_words), words, share, chunks, " ".join(seq[:BAG_WORDS]))


def _soft(sim: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return np.clip((sim - lo) / (hi - lo), 0.0, 1.0)


def _align(a: _Side, r: _Side, vec: Mapping[str, np.ndarray] | None) -> dict[str, float]:
    """Word alignment both ways: exact stem matches; with word vectors, soft credit for the other words too."""
    if not a.words or not r.words:
        zeros = ("exact_recall", "exact_precision", *(WORD_VECTOR_FEATURES if vec is not None else ()))
        return dict.fromkeys(zeros, 0.0)
    out = {"exact_recall": float(np.mean([s in a.words for s in r.words])),
           "exact_precision": float(np.mean([s in r.words for s in a.words]))}
    if vec is not None:
        am = np.stack([vec[w] for w in a.words.values()])
        rm = np.stack([vec[w] for w in r.words.values()])
        exact = np.array([[float(rs == s) for s in a.words] for rs in r.words])
        sim = np.maximum(exact, _soft(rm @ am.T, WORD_LO, WORD_HI))
        recall, precision = float(sim.max(axis=1).mean()), float(sim.max(axis=0).mean())
        f1 = 2 * recall * precision / (recall + precision) if recall + precision > 0 else 0.0
        out |= {"align_recall": recall, "align_precision": precision, "align_f1": f1}
    return out


def _mean_cosine(r_vecs: np.ndarray, a_vecs: np.ndarray) -> float:
    """Cosine of the two sides' mean sentence vectors: the whole-text similarity without embedding it whole."""
    if not len(r_vecs) or not len(a_vecs):
        return 0.0
    r, a = r_vecs.mean(axis=0), a_vecs.mean(axis=0)
    norm = float(np.linalg.norm(r) * np.linalg.norm(a))
    return float(r @ a) / norm if norm > 0 else 0.0


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


CHUNK_FEATURES = ("chunk_recall", "chunk_precision")


def _texts(side: _Side, words: bool, needed: frozenset[str]) -> list[str]:
    """What to embed for one side: sentences, and the phrase windows, bag of words and words when `needed`."""
    chunks = side.chunks if needed & set(CHUNK_FEATURES) else []
    bag = [side.bag] if "cos_bag" in needed else []
    return [t for t in (*side.pieces, *chunks, *bag, *(side.words.values() if words else ())) if t]


def _needed(features: Collection[str] | None, word_vectors: bool) -> frozenset[str]:
    if features is None:
        return frozenset(f for f in FEATURES if word_vectors or f not in WORD_VECTOR_FEATURES)
    return frozenset(features)


def warm_reference(reference: str, embedder: TextEmbedder, question: str = "", word_vectors: bool = False,
                   features: Collection[str] | None = None) -> None:
    """Embed and cache the reference's pieces now (e.g. when the question is asked): grading then embeds the answer."""
    r, _ = _reference_side(reference, question)
    texts = _texts(r, word_vectors, _needed(features, word_vectors))
    _embed(embedder, texts, cache=set(texts))


def answer_texts(answer: str, reference: str, question: str = "", word_vectors: bool = False,
                 features: Collection[str] | None = None) -> list[str]:
    """Every answer text `content_features` embeds (so a caller can embed them with others in one call)."""
    _, question_stems = _reference_side(reference, question)
    return _texts(_side(answer, set(question_stems)), word_vectors, _needed(features, word_vectors))


def content_features(answer: str, reference: str, embedder: TextEmbedder, question: str = "",
                     word_vectors: bool = False, features: Collection[str] | None = None) -> dict[str, float]:
    """Features of `answer` against `reference`; words of `question` are demoted (they earn no alignment credit).

    `word_vectors` also embeds every content word for the soft alignment features (`WORD_VECTOR_FEATURES`): slower,
    and the shipped model does without them. `features` limits the work to what a model uses (phrase windows and the
    bag of words are embedded only when asked for); the result then holds at least those features."""
    needed = _needed(features, word_vectors)
    r, question_stems = _reference_side(reference, question)
    a = _side(answer, set(question_stems))
    names = FEATURES if word_vectors else tuple(f for f in FEATURES if f not in WORD_VECTOR_FEATURES)
    if not a.n_types or not r.n_types:  # empty, or stop words only: nothing to credit
        return dict.fromkeys(names, 0.0) | {"log_len_ratio": -math.log(1 + len(r.words))}
    ref_texts = _texts(r, word_vectors, needed)
    cache = {*ref_texts, *(a.words.values() if word_vectors else ())}
    vec = _embed(embedder, [*_texts(a, word_vectors, needed), *ref_texts], cache=cache)

    def stack(texts: list[str]) -> np.ndarray:
        return np.stack([vec[t] for t in texts]) if texts else np.zeros((0, 1), dtype=np.float32)

    feats: dict[str, float] = {
        "log_words": math.log1p(len(a.words)),
        "log_len_ratio": math.log((1 + len(a.words)) / (1 + len(r.words))),
        "question_share": a.question_share,
    }
    if "cos_bag" in needed:
        feats["cos_bag"] = float(vec[a.bag] @ vec[r.bag]) if a.words else 0.0
    feats.update(_align(a, r, vec if word_vectors else None))
    feats.update(_best(stack(r.pieces), stack(a.pieces), "sent"))
    if "cos_mean" in needed:
        feats["cos_mean"] = _mean_cosine(stack(r.pieces), stack(a.pieces))
    if needed & set(CHUNK_FEATURES):
        feats.update(_best(stack(r.chunks), stack(a.chunks), "chunk"))
    best_r = (stack(r.pieces) @ stack(a.pieces).T).max(axis=1) if a.pieces else np.zeros(1)
    feats["sent_coverage_soft"] = float(np.mean(1.0 / (1.0 + np.exp(-(best_r - SENT_MID) / SENT_WIDTH))))
    return feats


WORD_VECTOR_FEATURES = ("align_recall", "align_precision", "align_f1")
FEATURES: tuple[str, ...] = (
    "cos_bag", "cos_mean", "log_words", "log_len_ratio", "question_share", "exact_recall", "exact_precision",
    "sent_recall", "sent_precision", "chunk_recall", "chunk_precision", "sent_coverage_soft", *WORD_VECTOR_FEATURES,
)  # fmt: skip


class ContentModel:
    """A linear model over `content_features` (fitted by bench/eval_asag.py) that scores an answer's content 0..1."""

    def __init__(self, features: list[str], weights: list[float], bias: float, link: str = "logistic",
                 lo: float = 0.0, hi: float = 1.0) -> None:
        if len(features) != len(weights):
            raise ValueError("features and weights differ in length")
        if link not in ("logistic", "linear") or hi <= lo:
            raise ValueError(f"bad model: link={link!r}, scaling lo={lo}, hi={hi}")
        if unknown := set(features) - set(FEATURES):
            raise ValueError(f"unknown features: {sorted(unknown)}")
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

    @property
    def needs_word_vectors(self) -> bool:
        """Whether `content_features` must be called with `word_vectors=True` for this model."""
        return any(name in WORD_VECTOR_FEATURES for name in self.features)

    def predict(self, feats: Mapping[str, float]) -> float:
        """The model's estimate of grade / max grade, on the scale it was fitted on (before the output scaling)."""
        z = float(np.asarray([feats[name] for name in self.features]) @ self.weights + self.bias)
        return 1.0 / (1.0 + math.exp(-z)) if self.link == "logistic" else z

    def score(self, feats: Mapping[str, float]) -> float:
        """Content score in 0..1: the prediction mapped through the output scaling (lo → 0, hi → 1), clipped."""
        return min(1.0, max(0.0, (self.predict(feats) - self.lo) / (self.hi - self.lo)))
