"""Ingest sync: idempotent re-runs, changed files replaced, removed files deleted, bad files isolated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.ingest.pipeline import ingest
from bot.retrieval.store import ChromaStore, StoreError
from tests.fakes import CountingEmbedder, HashingEmbedder


def bank(path: Path, *titles: str) -> Path:
    items = [{"title": t, "question": f"Question about {t}?", "reference_answer": f"Use {t} carefully.\n- point A "
              f"for {t}\n- point B for {t}", "company": "Acme"} for t in titles]
    path.write_text(json.dumps(items), encoding="utf-8")
    return path


@pytest.fixture
def store(tmp_path: Path) -> ChromaStore:
    return ChromaStore.open(path=tmp_path / "index", embedder_name=HashingEmbedder.name, dim=HashingEmbedder.dim)


def test_unchanged_files_are_not_embedded_again(tmp_path: Path, store: ChromaStore) -> None:
    banks = tmp_path / "banks"
    banks.mkdir()
    bank(banks / "a.json", "caching", "sharding")
    embedder = CountingEmbedder()
    first = ingest([banks], store, embedder)
    embedded = len(embedder.texts)
    second = ingest([banks], store, embedder)
    assert [f.status for f in first.files] == ["ingested"]
    assert [f.status for f in second.files] == ["unchanged"]
    assert embedded > 0 and len(embedder.texts) == embedded
    assert len(store.questions()) == 2


def test_changed_file_replaces_exactly_its_own_chunks(tmp_path: Path, store: ChromaStore) -> None:
    banks = tmp_path / "banks"
    banks.mkdir()
    bank(banks / "a.json", "caching", "sharding")
    bank(banks / "b.json", "pricing")
    ingest([banks], store, HashingEmbedder())
    b_ids = {q.id for q in store.questions() if q.source_file == "b.json"}
    bank(banks / "a.json", "queues")
    report = ingest([banks], store, HashingEmbedder())
    assert {f.status for f in report.files} == {"ingested", "unchanged"}
    titles = sorted(q.title for q in store.questions())
    assert titles == ["pricing", "queues"]
    assert {q.id for q in store.questions() if q.source_file == "b.json"} == b_ids
    assert all(c.question_id in {q.id for q in store.questions()} for q in store.questions()
               for c in store.chunks_of(q.id))


def test_removed_file_chunks_are_deleted(tmp_path: Path, store: ChromaStore) -> None:
    banks = tmp_path / "banks"
    banks.mkdir()
    bank(banks / "a.json", "caching")
    gone = bank(banks / "b.json", "pricing")
    ingest([banks], store, HashingEmbedder())
    before = store.count_chunks()
    gone.unlink()
    report = ingest([banks], store, HashingEmbedder())
    assert ("removed", str(gone.resolve())) in [(f.status, f.path) for f in report.files]
    assert [q.title for q in store.questions()] == ["caching"]
    assert 0 < store.count_chunks() < before


def test_bad_file_is_reported_and_the_rest_ingested(tmp_path: Path, store: ChromaStore) -> None:
    banks = tmp_path / "banks"
    banks.mkdir()
    bank(banks / "good.json", "caching")
    (banks / "broken.json").write_text("[{", encoding="utf-8")
    report = ingest([banks], store, HashingEmbedder())
    assert report.ok
    assert [Path(f.path).name for f in report.errors] == ["broken.json"]
    assert [q.title for q in store.questions()] == ["caching"]


def test_nothing_ingestable_is_not_ok(tmp_path: Path, store: ChromaStore) -> None:
    (tmp_path / "empty.md").write_text("", encoding="utf-8")
    report = ingest([tmp_path], store, HashingEmbedder())
    assert not report.ok
    assert "empty" in report.errors[0].reason


def test_store_refuses_a_different_embedder(tmp_path: Path, store: ChromaStore) -> None:
    with pytest.raises(StoreError, match="mockinterview ingest --rebuild"):
        ChromaStore.open(path=tmp_path / "index", embedder_name="other-model", dim=HashingEmbedder.dim)
    reopened = ChromaStore.open(path=tmp_path / "index", embedder_name="other-model", dim=8, reset=True)
    assert reopened.count_chunks() == 0
