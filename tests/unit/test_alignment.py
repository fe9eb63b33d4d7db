"""Content features and the shipped content model, with the deterministic hashing embedder (no model load)."""

from __future__ import annotations

import json

import pytest

from bot.grading import alignment
from bot.grading.alignment import FEATURES, WORD_VECTOR_FEATURES, ContentModel, content_features, warm_reference
from bot.grading.text import content_tokens, sentences, statements, stem, tokens
from tests.fakes import CountingEmbedder, HashingEmbedder

QUESTION = "What is a stack data structure and how does it work?"
REFERENCE = (
    "A stack is a last-in first-out collection. Elements are pushed onto the top and popped from the top, "
    "so the most recently added element is removed first."
)
PARAPHRASE = (
    "It stores elements in last-in first-out order: you push new elements on top, and popping removes the most "
    "recently pushed element from the top first."
)
UNRELATED = "Photosynthesis lets green plants turn sunlight, water and carbon dioxide into sugar and oxygen."
RESTATED = "A stack data structure is a data structure that works like a stack does."


@pytest.fixture(autouse=True)
def _empty_caches() -> None:
    alignment._vector_cache.clear()
    alignment._reference_side.cache_clear()


@pytest.fixture(scope="module")
def model() -> ContentModel:
    return ContentModel.load()


def _predict(model: ContentModel, answer: str, question: str = QUESTION) -> float:
    """The model's unclipped estimate (the 0..1 score clips, which would hide differences near 0 and 1)."""
    return model.predict(content_features(answer, REFERENCE, HashingEmbedder(), question))


def test_features_are_complete_and_bounded() -> None:
    feats = content_features(PARAPHRASE, REFERENCE, HashingEmbedder(), QUESTION, word_vectors=True)
    assert set(feats) == set(FEATURES)
    for name in ("align_recall", "align_precision", "exact_recall", "question_share", "sent_coverage_soft"):
        assert 0.0 <= feats[name] <= 1.0, name
    assert feats["align_recall"] >= feats["exact_recall"]  # soft alignment only adds credit
    fast = content_features(PARAPHRASE, REFERENCE, HashingEmbedder(), QUESTION)
    assert set(fast) == set(FEATURES) - set(WORD_VECTOR_FEATURES)
    assert all(fast[name] == feats[name] for name in fast)


def test_paraphrase_scores_above_unrelated_answer(model: ContentModel) -> None:
    embedder = HashingEmbedder()
    good = content_features(PARAPHRASE, REFERENCE, embedder, QUESTION)
    bad = content_features(UNRELATED, REFERENCE, embedder, QUESTION)
    for name in ("exact_recall", "chunk_recall", "sent_recall", "cos_bag"):
        assert good[name] > bad[name], name
    assert _predict(model, REFERENCE) > _predict(model, PARAPHRASE) > _predict(model, UNRELATED) + 0.2


def test_question_words_earn_no_alignment_credit(model: ContentModel) -> None:
    embedder = HashingEmbedder()
    demoted = content_features(RESTATED, REFERENCE, embedder, QUESTION, word_vectors=True)
    plain = content_features(RESTATED, REFERENCE, embedder, word_vectors=True)
    for name in ("exact_recall", "align_recall", "cos_bag", "chunk_recall"):
        assert demoted[name] == 0.0, name
    assert demoted["question_share"] == 1.0
    assert plain["exact_recall"] > 0.0 and plain["align_recall"] > 0.0  # without the question, "stack" matches
    assert demoted["sent_recall"] == 0.0  # its only sentence restates the question
    assert _predict(model, RESTATED) < _predict(model, RESTATED, question="")
    assert _predict(model, RESTATED) < _predict(model, UNRELATED) < _predict(model, PARAPHRASE)


def test_repeating_the_answer_does_not_raise_the_score(model: ContentModel) -> None:
    once = content_features(PARAPHRASE, REFERENCE, HashingEmbedder(), QUESTION)
    thrice = content_features(" ".join([PARAPHRASE] * 3), REFERENCE, HashingEmbedder(), QUESTION)
    assert thrice == once
    for padding in (" Stack stack stack.", " A stack data structure works.", " Top top top. Elements elements."):
        assert _predict(model, PARAPHRASE + padding) <= _predict(model, PARAPHRASE) + 1e-9, padding


def test_empty_or_stop_word_answers_score_zero(model: ContentModel) -> None:
    for answer in ("", "   ", "It is what it is, and so on."):
        feats = content_features(answer, REFERENCE, HashingEmbedder(), QUESTION)
        assert feats["exact_recall"] == feats["sent_recall"] == feats["cos_bag"] == 0.0
        assert model.score(feats) == 0.0
        assert model.predict(feats) < _predict(model, UNRELATED)


def test_deterministic_with_and_without_cache() -> None:
    first = content_features(PARAPHRASE, REFERENCE, HashingEmbedder(), QUESTION)
    second = content_features(PARAPHRASE, REFERENCE, HashingEmbedder(), QUESTION)
    alignment._vector_cache.clear()
    alignment._reference_side.cache_clear()
    third = content_features(PARAPHRASE, REFERENCE, HashingEmbedder(), QUESTION)
    assert first == second == third


def test_reference_embeddings_are_cached_by_text() -> None:
    embedder = CountingEmbedder()
    warm_reference(REFERENCE, embedder, QUESTION)
    assert embedder.texts
    embedder.texts.clear()
    content_features(PARAPHRASE, REFERENCE, embedder, QUESTION)
    assert not set(embedder.texts) & set(sentences(REFERENCE))
    embedder.texts.clear()
    content_features(PARAPHRASE, REFERENCE, embedder, QUESTION, word_vectors=True)
    assert "stores" in embedder.texts
    embedder.texts.clear()
    content_features(PARAPHRASE + " Extra words here.", REFERENCE, embedder, QUESTION, word_vectors=True)
    assert "stores" not in embedder.texts  # single words are cached too


def test_features_limited_to_what_a_model_uses_skip_phrases_and_bag() -> None:
    everything = content_features(PARAPHRASE, REFERENCE, HashingEmbedder(), QUESTION)
    embedder = CountingEmbedder()
    some = content_features(PARAPHRASE, REFERENCE, embedder, QUESTION, features=["sent_recall", "exact_recall"])
    assert {"sent_recall", "exact_recall"} <= some.keys()
    assert "cos_bag" not in some and "chunk_recall" not in some
    assert all(some[name] == pytest.approx(everything[name]) for name in some)
    assert set(embedder.texts) <= set(statements(PARAPHRASE)) | set(statements(REFERENCE))  # sentences only


def test_content_model_scoring_and_file() -> None:
    spec = {"features": ["sent_recall", "log_words"], "weights": [2.0, -1.0], "bias": 0.0, "link": "logistic",
            "output_scaling": {"lo": 0.5, "hi": 0.9}}
    m = ContentModel.from_dict(spec)
    assert m.predict({"sent_recall": 0.0, "log_words": 0.0}) == pytest.approx(0.5)
    assert m.score({"sent_recall": 0.0, "log_words": 1.0}) == 0.0
    assert m.score({"sent_recall": 10.0, "log_words": 0.0}) == 1.0
    assert 0.0 < m.score({"sent_recall": 0.5, "log_words": 0.0}) < 1.0
    assert not m.needs_word_vectors
    assert ContentModel.from_dict(spec | {"features": ["align_recall", "log_words"]}).needs_word_vectors
    with pytest.raises(ValueError):
        ContentModel.from_dict(spec | {"weights": [1.0]})
    with pytest.raises(ValueError):
        ContentModel.from_dict(spec | {"features": ["made_up", "log_words"]})
    with pytest.raises(KeyError):  # a feature the model needs was not computed
        m.score({"log_words": 1.0})
    shipped = json.loads(alignment.DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))
    assert set(shipped["features"]) <= set(FEATURES)
    assert shipped["fitted_on"]["by"].endswith("--fit")


def test_text_helpers() -> None:
    assert [stem(w) for w in ("simulates", "simulation", "relational", "hopping", "ponies")] == [
        "simul", "simul", "relat", "hop", "poni"]
    assert tokens("C++ and the t-test's p-value") == ["c++", "and", "the", "t-test's", "p-value"]
    assert content_tokens("The stack's top is used") == ["stack", "top"]
    assert sentences("First point here. Second one!\n- a bullet item\n1. numbered item") == [
        "First point here.", "Second one!", "a bullet item", "numbered item"]
