"""Batching and pooling shared by the MiniLM embedders, and the ONNX one on its own (no PyTorch)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from bot.retrieval.embedder import OnnxMiniLMEmbedder, length_batched, mean_pooled


def test_texts_are_batched_by_length_and_come_back_in_input_order() -> None:
    texts = ["a" * n for n in (5, 40, 1, 39, 20, 6)]
    batches: list[list[str]] = []

    def forward(batch: list[str]) -> np.ndarray:
        batches.append(batch)
        return np.asarray([[len(t), 0.0] for t in batch], dtype=np.float32)

    out = length_batched(texts, batch_size=2, dim=2, forward=forward)
    assert out[:, 0].tolist() == [5, 40, 1, 39, 20, 6]
    assert all(len(b) <= 2 for b in batches)
    assert all(2 * len(b[-1]) >= len(b[0]) for b in batches)  # nothing padded to twice its own length
    assert length_batched([], 4, 2, forward).shape == (0, 2)


def test_pooling_averages_the_unmasked_tokens_only_and_normalises() -> None:
    tokens = np.asarray([[[3.0, 4.0], [100.0, 100.0]], [[1.0, 0.0], [0.0, 1.0]]])
    mask = np.asarray([[1, 0], [1, 1]])
    pooled = mean_pooled(tokens, mask)
    assert np.allclose(pooled, [[0.6, 0.8], [2 ** -0.5, 2 ** -0.5]])


@pytest.mark.slow
def test_the_onnx_embedder_runs_without_pytorch_and_keeps_the_vector_space() -> None:
    embedder = OnnxMiniLMEmbedder(threads=1)
    a, b, c = embedder.embed(["We randomised by user for two weeks.", "Users were split at random for a fortnight.",
                              "The cat sat on the mat."])
    assert float(a @ b) > float(a @ c) + 0.2 and np.isclose(float(np.linalg.norm(a)), 1.0, atol=1e-4)


@pytest.mark.slow
def test_embedding_with_the_default_runtime_never_imports_pytorch() -> None:
    code = ("import sys; from bot.retrieval.embedder import build_embedder; from bot.settings import Settings; "
            "build_embedder(Settings()).embed(['a sentence']); print('torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "False"


def test_the_torch_runtime_without_its_extra_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.retrieval.embedder import build_embedder
    from bot.settings import Settings

    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # as if the extra were not installed
    with pytest.raises(ValueError, match=r"torch extra.*pip install -e '\.\[torch\]'"):
        build_embedder(Settings(minilm_runtime="torch"))
