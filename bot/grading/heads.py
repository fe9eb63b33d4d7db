"""Logistic heads over a sentence's embedding and its hashed character n-grams: the learned part of the grader's
kind classifier and of the interviewer's message classifier (fitting needs scikit-learn; scoring only numpy)."""

from __future__ import annotations

import re
import zlib
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import yaml

BUCKETS = 2**15  # hashed character n-gram features
NGRAMS = (2, 5)
EMBEDDING_SCALE = 0.05  # weight of the standardised embedding next to the unit-norm n-gram vector
C = 10.0  # inverse regularisation of each head


class SentenceEmbedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


def _ngram_counts(text: str) -> dict[int, float]:
    """Unit-norm counts of hashed character n-grams within words (padded with spaces)."""
    counts: dict[int, float] = {}
    lo, hi = NGRAMS
    for word in re.findall(r"\S+", text.lower()):
        padded = f" {word} "
        for n in range(lo, min(hi, len(padded)) + 1):
            for i in range(len(padded) - n + 1):
                bucket = zlib.crc32(padded[i:i + n].encode()) & (BUCKETS - 1)
                counts[bucket] = counts.get(bucket, 0.0) + 1.0
    norm = float(np.sqrt(sum(v * v for v in counts.values())))
    return {k: v / norm for k, v in counts.items()} if norm else counts


def ngram_features(texts: list[str]) -> np.ndarray:
    """Hashed character n-gram vectors (unit norm), one dense row per text."""
    out = np.zeros((len(texts), BUCKETS), dtype=np.float32)
    for row, text in enumerate(texts):
        counts = _ngram_counts(text)
        out[row, list(counts)] = list(counts.values())
    return out


class LogisticHeads:
    """One logistic head per label; `probabilities(texts, vectors)` gives P(label | sentence) for every label."""

    def __init__(self, embedder_name: str, kinds: list[str], weights: np.ndarray, bias: np.ndarray,
                 mean: np.ndarray, scale: np.ndarray, meta: dict[str, Any] | None = None) -> None:
        if weights.shape[0] != len(kinds) or bias.shape != (len(kinds),):
            raise ValueError("logistic heads: weights and bias do not match the labels")
        self.embedder_name, self.kinds = embedder_name, list(kinds)
        self.weights, self.bias = weights.astype(np.float32), bias.astype(np.float32)
        self.mean, self.scale = mean.astype(np.float32), scale.astype(np.float32)
        self.meta = meta or {}

    @property
    def dim(self) -> int:
        return int(self.mean.shape[0])

    def features(self, texts: list[str], vectors: np.ndarray) -> np.ndarray:
        embedded = (np.asarray(vectors, dtype=np.float32) - self.mean) / self.scale * EMBEDDING_SCALE
        return np.hstack([ngram_features(texts), embedded])

    def probabilities(self, texts: list[str], vectors: np.ndarray) -> np.ndarray:
        """(sentences × kinds) probabilities; an empty input gives an empty matrix. The n-gram part is summed over
        the few buckets each sentence uses, not multiplied out over all of them."""
        if not texts:
            return np.zeros((0, len(self.kinds)), dtype=np.float32)
        embedded = (np.asarray(vectors, dtype=np.float32) - self.mean) / self.scale * EMBEDDING_SCALE
        z = embedded @ self.weights[:, BUCKETS:].T + self.bias
        for row, text in enumerate(texts):
            counts = _ngram_counts(text)
            if counts:
                z[row] += self.weights[:, list(counts)] @ np.fromiter(counts.values(), dtype=np.float32)
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    @classmethod
    def fit(cls, texts: list[str], vectors: np.ndarray, embedder_name: str,
            labels: dict[str, tuple[np.ndarray, np.ndarray]], meta: dict[str, Any] | None = None,
            c: float = C) -> LogisticHeads:
        """Fit one head per label (scikit-learn, balanced class weights, liblinear): `labels` maps each label to
        its 0/1 targets and the mask of the texts that head is fitted on."""
        from scipy import sparse
        from sklearn.linear_model import LogisticRegression

        vectors = np.asarray(vectors, dtype=np.float32)
        mean, scale = vectors.mean(axis=0), vectors.std(axis=0) + 1e-6
        rows = [_ngram_counts(t) for t in texts]
        grams = sparse.csr_matrix(([v for r in rows for v in r.values()],
                                   ([i for i, r in enumerate(rows) for _ in r], [k for r in rows for k in r])),
                                  shape=(len(rows), BUCKETS))
        X = sparse.hstack([grams, sparse.csr_matrix((vectors - mean) / scale * EMBEDDING_SCALE)]).tocsr()
        heads = []
        for y, mask in labels.values():
            head = LogisticRegression(C=c, class_weight="balanced", solver="liblinear", max_iter=3000)
            head.fit(X[mask], y[mask])
            heads.append((head.coef_[0], float(head.intercept_[0])))
        return cls(embedder_name, list(labels), np.stack([w for w, _ in heads]), np.asarray([b for _, b in heads]),
                   mean, scale, {"C": c, **(meta or {})})

    def save(self, path: Path) -> None:
        np.savez_compressed(path, weights=self.weights.astype(np.float16), bias=self.bias, mean=self.mean,
                            scale=self.scale, kinds=np.asarray(self.kinds), embedder=np.asarray(self.embedder_name),
                            meta=np.asarray(yaml.safe_dump(self.meta)))

    @classmethod
    def load(cls, path: Path) -> LogisticHeads:
        with np.load(path, allow_pickle=False) as data:
            return cls(str(data["embedder"]), [str(k) for k in data["kinds"]], data["weights"].astype(np.float32),
                       data["bias"], data["mean"], data["scale"], yaml.safe_load(str(data["meta"])))


