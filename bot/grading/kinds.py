"""Recognises the kind of requirement an answer sentence shows (a risk handled, a lesson, …): one logistic head per
kind over the sentence embedding and hashed character n-grams, fitted on the labelled corpus in
prompts/grading/elements (`bench/fit_kinds.py` writes the shipped model)."""

from __future__ import annotations

import re
import threading
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import yaml

from bot.domain.elements import LEARNED_KINDS

ELEMENTS_DIR = Path(__file__).resolve().parents[2] / "prompts" / "grading" / "elements"
BUCKETS = 2**15  # hashed character n-gram features
NGRAMS = (2, 5)
EMBEDDING_SCALE = 0.05  # weight of the standardised embedding next to the unit-norm n-gram vector
C = 10.0  # inverse regularisation of each head
SECTIONS = ("stories", "targeted", "negatives", "vague")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SentenceEmbedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class LabelledSentence:
    text: str
    kinds: frozenset[str]
    group: str  # the story (or list block) it comes from: splits never cut through a story
    source: str  # the corpus file
    section: str = "stories"  # stories | targeted | negatives | vague (generic filler: the "specific" head's 0s)


def load_corpus(paths: list[Path] | None = None) -> list[LabelledSentence]:
    """Every labelled sentence of the corpus files; unknown kinds are an error naming the file."""
    files = paths if paths is not None else sorted(ELEMENTS_DIR.glob("corpus-*.yaml"))
    out: list[LabelledSentence] = []
    for path in files:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
        for story in data.get("stories", []):
            for item in story.get("sentences", []):
                out.append(_labelled(item, f"{path.stem}:{story.get('id', '?')}", path, "stories"))
        for section in SECTIONS[1:]:
            for n, item in enumerate(data.get(section) or []):
                out.append(_labelled(item, f"{path.stem}:{section}:{n // 10}", path, section))
    return out


def _labelled(item: dict[str, Any], group: str, path: Path, section: str) -> LabelledSentence:
    kinds = frozenset(item.get("kinds") or [])
    if unknown := kinds - set(LEARNED_KINDS):
        raise ValueError(f"{path.name}: unknown kinds {sorted(unknown)} in {str(item.get('text', ''))[:60]!r}")
    return LabelledSentence(text=str(item["text"]).strip(), kinds=kinds, group=group, source=path.name,
                            section=section)


SPECIFIC = "specific"  # the extra head: says something concrete (stories, targeted) rather than generic filler (vague)


def _labels(sentences: list[LabelledSentence], head: str) -> tuple[np.ndarray, np.ndarray]:
    """Labels of one head and the mask of sentences it is fitted on."""
    if head != SPECIFIC:
        return np.asarray([head in s.kinds for s in sentences], dtype=int), np.ones(len(sentences), dtype=bool)
    mask = np.asarray([s.section in ("stories", "targeted", "vague") for s in sentences])
    return np.asarray([s.section != "vague" for s in sentences], dtype=int), mask


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


class KindModel:
    """One logistic head per learned kind; `probabilities(texts, vectors)` gives P(kind | sentence)."""

    def __init__(self, embedder_name: str, kinds: list[str], weights: np.ndarray, bias: np.ndarray,
                 mean: np.ndarray, scale: np.ndarray, meta: dict[str, Any] | None = None) -> None:
        if weights.shape[0] != len(kinds) or bias.shape != (len(kinds),):
            raise ValueError("kind model: weights and bias do not match the kinds")
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
    def fit(cls, sentences: list[LabelledSentence], vectors: np.ndarray, embedder_name: str,
            c: float = C) -> KindModel:
        """Fit every head (scikit-learn, balanced class weights) on `sentences` and their embedding `vectors`."""
        from scipy import sparse
        from sklearn.linear_model import LogisticRegression

        vectors = np.asarray(vectors, dtype=np.float32)
        mean, scale = vectors.mean(axis=0), vectors.std(axis=0) + 1e-6
        rows = [_ngram_counts(s.text) for s in sentences]
        grams = sparse.csr_matrix(([v for r in rows for v in r.values()],
                                   ([i for i, r in enumerate(rows) for _ in r], [k for r in rows for k in r])),
                                  shape=(len(rows), BUCKETS))
        X = sparse.hstack([grams, sparse.csr_matrix((vectors - mean) / scale * EMBEDDING_SCALE)]).tocsr()
        kinds = [k for k in LEARNED_KINDS if any(k in s.kinds for s in sentences)]
        if any(s.section == "vague" for s in sentences):
            kinds.append(SPECIFIC)
        heads = []
        for kind in kinds:
            y, mask = _labels(sentences, kind)
            head = LogisticRegression(C=c, class_weight="balanced", solver="liblinear", max_iter=3000)
            head.fit(X[mask], y[mask])
            heads.append((head.coef_[0], float(head.intercept_[0])))
        meta = {"sentences": len(sentences), "sources": sorted({s.source for s in sentences}), "C": c,
                "positives": {k: sum(k in s.kinds for s in sentences) for k in kinds}}
        return cls(embedder_name, kinds, np.stack([w for w, _ in heads]), np.asarray([b for _, b in heads]),
                   mean, scale, meta)

    def save(self, path: Path) -> None:
        np.savez_compressed(path, weights=self.weights.astype(np.float16), bias=self.bias, mean=self.mean,
                            scale=self.scale, kinds=np.asarray(self.kinds), embedder=np.asarray(self.embedder_name),
                            meta=np.asarray(yaml.safe_dump(self.meta)))

    @classmethod
    def load(cls, path: Path) -> KindModel:
        with np.load(path, allow_pickle=False) as data:
            return cls(str(data["embedder"]), [str(k) for k in data["kinds"]], data["weights"].astype(np.float32),
                       data["bias"], data["mean"], data["scale"], yaml.safe_load(str(data["meta"])))


FILLER_FILE = ELEMENTS_DIR / "filler.txt"
FILLER_RATIO, FILLER_MIN = 4.0, 4


def filler_stems(sentences: list[LabelledSentence]) -> list[str]:
    """Stems far more frequent in the corpus's generic filler than in its specific sentences ("holist", "align")."""
    from bot.grading.text import content_tokens, stem

    vague: dict[str, int] = {}
    specific: dict[str, int] = {}
    n_vague = n_specific = 0
    for sentence in sentences:
        if sentence.section == "negatives":
            continue
        counts = vague if sentence.section == "vague" else specific
        for word in {stem(t) for t in content_tokens(sentence.text)}:
            counts[word] = counts.get(word, 0) + 1
        n_vague += sentence.section == "vague"
        n_specific += sentence.section != "vague"
    if not n_vague or not n_specific:
        return []
    ratio = {w: (n / n_vague) / ((specific.get(w, 0) + 1) / n_specific) for w, n in vague.items() if n >= FILLER_MIN}
    return sorted(w for w, r in ratio.items() if r >= FILLER_RATIO)


@lru_cache(maxsize=1)
def shipped_filler() -> frozenset[str]:
    """The filler stems written by `bench/fit_kinds.py` (empty when the file is missing)."""
    if not FILLER_FILE.exists():
        return frozenset()
    return frozenset(w for line in FILLER_FILE.read_text(encoding="utf-8").splitlines()
                     if not line.startswith("#") for w in line.split())


def model_path(embedder_name: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in embedder_name)
    return ELEMENTS_DIR / f"model-{safe}.npz"


_fitted: dict[str, KindModel] = {}
_lock = threading.Lock()


RUNTIME_FIT_SENTENCES = 2500  # an embedder with no shipped model gets one fitted on this many corpus sentences


def kind_model_for(embedder: SentenceEmbedder) -> KindModel:
    """The shipped model for this embedder, else one fitted now on (an even sample of) the corpus with it, once per
    process: `bench/fit_kinds.py` ships the full model for the default embedder."""
    with _lock:
        if embedder.name in _fitted:
            return _fitted[embedder.name]
        path = model_path(embedder.name)
        model = KindModel.load(path) if path.exists() else None
        if model is None or model.dim != embedder.dim:
            corpus = load_corpus()
            corpus = corpus[:: max(1, -(-len(corpus) // RUNTIME_FIT_SENTENCES))]
            model = KindModel.fit(corpus, embedder.embed([s.text for s in corpus]), embedder.name)
        _fitted[embedder.name] = model
        return model
