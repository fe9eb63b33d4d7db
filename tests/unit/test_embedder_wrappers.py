"""The lazy and caching embedder wrappers under concurrent use (a UI server and the load benchmark share one)."""

from __future__ import annotations

import threading
import time

import numpy as np

from bot.retrieval.embedder import CachedEmbedder, LazyEmbedder
from tests.fakes import HashingEmbedder


class SlowCountingEmbedder(HashingEmbedder):
    """The hashing embedder, slow to embed, counting the texts it embeds."""

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        time.sleep(0.01)
        self.embedded.extend(texts)
        return super().embed(texts)


def run_together(target: object, count: int) -> None:
    assert callable(target)
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_lazy_embedder_loads_the_model_once_under_concurrent_first_use() -> None:
    loads: list[int] = []

    def factory() -> HashingEmbedder:
        loads.append(1)
        time.sleep(0.05)  # a model load takes a while: every thread arrives before it ends
        return HashingEmbedder()

    lazy = LazyEmbedder("hashing", HashingEmbedder.dim, factory)
    run_together(lambda: lazy.embed(["fraud detection"]), 12)
    assert len(loads) == 1
    assert lazy.loaded


def test_cached_embedder_is_consistent_under_concurrent_use() -> None:
    inner = SlowCountingEmbedder()
    cached = CachedEmbedder(inner, capacity=8)
    texts = [f"sentence number {i}" for i in range(20)]
    results: list[np.ndarray] = []

    def work() -> None:
        results.append(cached.embed(texts))

    run_together(work, 6)
    expected = HashingEmbedder().embed(texts)
    assert all(np.allclose(r, expected) for r in results)
    assert len(cached._cache) <= 8  # bounded even when threads race


def test_cached_embedder_calls_its_hook_before_embedding_and_not_for_cached_texts() -> None:
    calls: list[str] = []
    cached = CachedEmbedder(HashingEmbedder(), before_embed=lambda: calls.append("embed"))
    cached.embed(["a fraud model", "a churn model"])
    cached.embed(["a churn model"])
    cached.embed(["a churn model", "a pricing model"])
    assert calls == ["embed", "embed"]
