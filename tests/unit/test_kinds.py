"""The requirement-kind corpus and classifier: enough varied data, a shipped model, a faithful round trip."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from bot.domain.elements import LEARNED_KINDS
from bot.grading.heads import LogisticHeads
from bot.grading.kinds import (
    DECLINED,
    SPECIFIC,
    filler_stems,
    fit_kinds,
    load_corpus,
    load_messages,
    model_path,
    shipped_filler,
)
from tests.fakes import HashingEmbedder


@pytest.fixture(scope="module")
def corpus() -> list:
    return load_corpus()


def test_every_kind_has_forty_positives_from_ten_stories(corpus: list) -> None:
    positives: dict[str, int] = defaultdict(int)
    stories: dict[str, set[str]] = defaultdict(set)
    for sentence in corpus:
        for kind in sentence.kinds:
            positives[kind] += 1
            if sentence.section == "stories":
                stories[kind].add(sentence.group)
    assert set(positives) == set(LEARNED_KINDS)
    assert min(positives.values()) >= 40
    assert min(len(s) for s in stories.values()) >= 10
    assert sum(s.section == "negatives" for s in corpus) >= 500  # hard negatives
    assert len({s.source for s in corpus}) >= 10  # authors, for the held-out split by author


def test_unknown_kind_in_a_corpus_file_is_an_error_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "corpus-bad.yaml"
    bad.write_text('stories:\n  - id: x\n    sentences:\n      - text: "We shipped."\n        kinds: [bragging]\n')
    with pytest.raises(ValueError, match=r"corpus-bad\.yaml: unknown kinds"):
        load_corpus([bad])


def test_the_shipped_model_covers_every_kind_for_minilm() -> None:
    path = model_path("all-MiniLM-L6-v2")
    model = LogisticHeads.load(path)
    assert model.kinds == [*LEARNED_KINDS, SPECIFIC, DECLINED] and model.dim == 384
    assert model.meta["sentences"] >= 5000


def test_fit_save_load_round_trip_gives_the_same_probabilities(corpus: list, tmp_path: Path) -> None:
    sample = corpus[::6]
    embedder = HashingEmbedder()
    model = fit_kinds(sample, embedder.embed([s.text for s in sample]), embedder.name)
    model.save(tmp_path / "m.npz")
    again = LogisticHeads.load(tmp_path / "m.npz")
    texts = ["Next time I'd bring legal in during the first week.", "The main risk was churn, so we piloted it."]
    vectors = embedder.embed(texts)
    assert np.abs(model.probabilities(texts, vectors) - again.probabilities(texts, vectors)).max() < 1e-2
    assert model.probabilities([], np.zeros((0, embedder.dim))).shape == (0, len(model.kinds))


def test_filler_is_learned_from_the_generic_sentences(corpus: list) -> None:
    learned = set(filler_stems(corpus))
    assert {"holist", "leverag"} & learned
    assert not {"shadow", "kafka", "glossari"} & learned
    assert shipped_filler() == frozenset(filler_stems(corpus))


def test_the_decline_head_learns_from_candidate_messages_not_from_the_kind_labels(corpus: list) -> None:
    messages = load_messages()
    assert {m.section for m in messages} == {"declines", "answers"} and not any(m.kinds for m in messages)
    embedder = HashingEmbedder()
    sample = [*corpus[::8], *messages]
    model = fit_kinds(sample, embedder.embed([s.text for s in sample]), embedder.name)
    texts = ["Pass, sorry. Pricing isn't something I've ever worked on.",
             "We shipped the reserve model in six weeks and the close went from six days to two."]
    declined = model.probabilities(texts, embedder.embed(texts))[:, model.kinds.index(DECLINED)]
    assert declined[0] > 0.5 > declined[1]
