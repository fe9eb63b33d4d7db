"""Reference-side vectors kept in the index: embedded once, found again by a new process, never an answer's."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from bot.grading import alignment, coverage
from bot.grading.grounded import GroundedGrader
from bot.grading.reference import adhoc_question
from bot.grading.service import GradingService
from bot.ingest.pipeline import ingest
from bot.retrieval.embedder import CachedEmbedder, memo_key
from bot.retrieval.store import ChromaStore, StoreError
from tests.fakes import CountingEmbedder, HashingEmbedder

SEEDS = Path(__file__).parents[2] / "seeds"
ANSWER = "At a bike-sharing startup I rebuilt the demand forecast; stockouts fell by a third within a quarter."


class DictMemo:
    def __init__(self) -> None:
        self.vectors: dict[str, np.ndarray] = {}

    def recall(self, keys: list[str]) -> dict[str, np.ndarray]:
        return {k: self.vectors[k] for k in keys if k in self.vectors}

    def keep(self, vectors: dict[str, np.ndarray]) -> None:
        self.vectors.update(vectors)


class BrokenMemo:
    def recall(self, keys: list[str]) -> dict[str, np.ndarray]:
        raise StoreError("the Chroma server did not answer")

    def keep(self, vectors: dict[str, np.ndarray]) -> None:
        raise StoreError("the Chroma server did not answer")


def test_only_texts_embedded_inside_remembering_are_kept_and_a_new_cache_finds_them() -> None:
    memo, first = DictMemo(), CachedEmbedder(CountingEmbedder())
    first.embed(["an answer about churn"])
    with first.remembering(memo):
        kept = first.embed(["a reference sentence", "another reference sentence"])
    name = first.inner.name
    assert set(memo.vectors) == {memo_key("a reference sentence", name), memo_key("another reference sentence", name)}
    inner = CountingEmbedder()
    second = CachedEmbedder(inner)
    with second.remembering(memo):
        again = second.embed(["a reference sentence", "another reference sentence", "a new one"])
    assert inner.texts == ["a new one"]
    assert np.array_equal(again[:2], kept)


def test_a_failing_memo_costs_only_time() -> None:
    cached = CachedEmbedder(CountingEmbedder())
    with cached.remembering(BrokenMemo()):
        vectors = cached.embed(["a reference sentence"])
    assert np.allclose(vectors, HashingEmbedder().embed(["a reference sentence"]))


def test_the_store_keeps_vectors_exactly_and_a_rebuild_drops_them(tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    store = ChromaStore.open(path=tmp_path / "index", embedder_name=embedder.name, dim=embedder.dim)
    vectors = embedder.embed(["one text", "another text"])
    store.keep({"a": vectors[0], "b": vectors[1]})
    reopened = ChromaStore.open(path=tmp_path / "index", embedder_name=embedder.name, dim=embedder.dim)
    got = reopened.recall(["a", "b", "missing"])
    assert set(got) == {"a", "b"} and np.array_equal(got["a"], vectors[0])
    rebuilt = ChromaStore.open(path=tmp_path / "index", embedder_name=embedder.name, dim=embedder.dim, reset=True)
    assert rebuilt.recall(["a", "b"]) == {}


def service(index: Path, inner: HashingEmbedder) -> GradingService:
    embedder = CachedEmbedder(inner)
    store = ChromaStore.open(path=index, embedder_name=embedder.name, dim=embedder.dim)
    return GradingService(store=store, embedder=embedder, grounded=GroundedGrader(embedder), memo=store)


def test_a_second_process_grades_a_prepared_question_embedding_only_the_answer(tmp_path: Path) -> None:
    index, first_inner = tmp_path / "index", CountingEmbedder()
    first = service(index, first_inner)
    ingest([SEEDS / "001_e616851a7bef9747.txt"], first.store, first.embedder)
    question = first.store.questions()[0]
    _ = first.grounded.kind_model  # fitted now (this embedder has no shipped model), not counted as the reference
    first_inner.texts.clear()
    first.prepare(question)
    reference_side = set(first_inner.texts)
    expected = first.grade(question, ANSWER)
    alignment._vector_cache.clear()  # a new process starts with empty in-memory caches
    coverage.forget()
    inner = CountingEmbedder()
    graded = service(index, inner).grade(question, ANSWER)
    assert graded == expected
    assert len(reference_side) > 20 and inner.texts and not reference_side & set(inner.texts)
    assert not first.store.recall([memo_key(ANSWER, inner.name)])  # an answer is never kept


def test_warm_up_loads_the_model_the_tokenizer_and_the_language_identifier(tmp_path: Path) -> None:
    from bot.grading import language
    from bot.ingest import splitter

    language._load.cache_clear()
    splitter.encoding_name.cache_clear()
    inner = CountingEmbedder()
    service(tmp_path / "index", inner).warm_up()
    assert inner.texts == ["warm up"]
    assert language._load.cache_info().currsize == 1 and splitter.encoding_name.cache_info().currsize == 1


class OtherRuntime(CountingEmbedder):
    """The same model name and vector space, computed by another runtime: its vectors differ in the last bits."""

    variant = "another runtime"


def test_vectors_kept_by_another_runtime_of_the_same_model_are_not_reused() -> None:
    memo = DictMemo()
    kept_by = CachedEmbedder(CountingEmbedder())
    with kept_by.remembering(memo):
        kept_by.embed(["a reference sentence"])
    other = OtherRuntime()
    cached = CachedEmbedder(other)
    with cached.remembering(memo):
        cached.embed(["a reference sentence"])
    assert other.texts == ["a reference sentence"] and len(memo.vectors) == 2


def test_a_question_typed_with_its_own_reference_is_never_kept(tmp_path: Path) -> None:
    grading = service(tmp_path / "index", CountingEmbedder())
    for reference in ("", "Use a holdout split and report the lift with its confidence interval."):
        question = adhoc_question("How would you check that the new ranking helps?", reference)
        grading.grade(question, ANSWER, reference_text=reference)
    assert grading.store.count_kept() == 0


def test_an_answer_embedded_by_another_thread_meanwhile_is_not_kept() -> None:
    memo, inside, done = DictMemo(), threading.Event(), threading.Event()
    cached = CachedEmbedder(CountingEmbedder())

    def prepare() -> None:
        with cached.remembering(memo):
            inside.set()
            done.wait(5)
            cached.embed(["a reference sentence"])

    worker = threading.Thread(target=prepare)
    worker.start()
    inside.wait(5)
    cached.embed([ANSWER])  # a request grading an answer while the other thread prepares a reference
    done.set()
    worker.join(5)
    assert set(memo.vectors) == {memo_key("a reference sentence", cached.inner.name)}
