"""A store directory that turns read-only: a clear StoreError, and the index intact once it is writable again."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.ingest.pipeline import ingest
from bot.retrieval.store import ChromaStore, StoreError
from tests.fakes import HashingEmbedder

pytestmark = [pytest.mark.integration]
EMBEDDER = HashingEmbedder()


def bank(path: Path, topic: str, count: int) -> Path:
    items = [{"title": f"{topic} question {i}", "question": f"How would you approach {topic} case {i}?",
              "reference_answer": f"Framing:\n- Goal and metric for {topic} {i}\nMethod:\n- Baseline then model {i}"}
             for i in range(count)]
    path.write_text(json.dumps(items), encoding="utf-8")
    return path


@pytest.fixture
def store_dir(tmp_path: Path) -> Iterator[Path]:
    """A directory whose writability the test can take away: a tmpfs remounted read-only as root, else chmod."""
    path = tmp_path / "index"
    path.mkdir()
    mounted = False
    if os.geteuid() == 0:
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(path)], capture_output=True,
                                text=True)
        if result.returncode != 0:
            pytest.fail(f"cannot mount a tmpfs for the read-only test: {result.stderr.strip()}", pytrace=False)
        mounted = True
    try:
        yield path
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(path)], check=False)


def set_writable(path: Path, writable: bool) -> None:
    if os.geteuid() == 0:
        subprocess.run(["mount", "-o", f"remount,{'rw' if writable else 'ro'}", str(path)], check=True)
    else:
        for item in [path, *path.rglob("*")]:
            item.chmod(item.stat().st_mode | 0o222 if writable else item.stat().st_mode & ~0o222)


def open_store(path: Path) -> ChromaStore:
    return ChromaStore.open(path=path, embedder_name=EMBEDDER.name, dim=EMBEDDER.dim)


def fresh_process_view() -> None:
    """Forget Chroma's per-path client cache, as a new process would start without it."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


def test_read_only_store_gives_a_clear_error_and_keeps_the_index(store_dir: Path, tmp_path: Path) -> None:
    first = bank(tmp_path / "first.json", "churn", 5)
    second = bank(tmp_path / "second.json", "pricing", 5)
    built = tmp_path / "built"
    store = open_store(built)
    ingest([first], store, EMBEDDER)
    before = [q.id for q in store.questions()]
    chunks_before = store.count_chunks()
    shutil.copytree(built, store_dir, dirs_exist_ok=True)  # the index, in a directory nothing has open yet

    set_writable(store_dir, False)
    try:
        with pytest.raises(StoreError) as caught:
            ingest([first, second], open_store(store_dir), EMBEDDER)
        message = str(caught.value)
        assert str(store_dir) in message and "vector store" in message
    finally:
        fresh_process_view()
        set_writable(store_dir, True)

    reopened = open_store(store_dir)  # nothing half-written: the index is exactly as before
    assert [q.id for q in reopened.questions()] == before and reopened.count_chunks() == chunks_before
    report = ingest([first, second], reopened, EMBEDDER)
    assert report.ok and {f.status for f in report.files} == {"unchanged", "ingested"}
    assert len(reopened.questions()) == 10
