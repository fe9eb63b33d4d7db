"""A store directory that turns read-only or fills up: a clear StoreError, and the index intact and usable after."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.domain.limits import Limits
from bot.ingest.pipeline import ingest
from bot.retrieval.store import ChromaStore, StoreError
from tests.fakes import HashingEmbedder

pytestmark = [pytest.mark.integration]
EMBEDDER = HashingEmbedder()
LARGE_BANKS = Limits(questions_per_file=5000)  # a 3,000-question file, over the default per-file limit


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


def resize(path: Path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(path)], check=True)


def test_full_disk_gives_a_clear_error_and_the_index_recovers(store_dir: Path, tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.fail("the full-disk test shrinks a tmpfs, which needs root (as `make test` has)", pytrace=False)
    first = bank(tmp_path / "first.json", "churn", 5)
    large = bank(tmp_path / "large.json", "pricing", 3000)
    built = tmp_path / "built"
    ingest([first], open_store(built), EMBEDDER)
    shutil.copytree(built, store_dir, dirs_exist_ok=True)
    used = sum(f.stat().st_size for f in store_dir.rglob("*") if f.is_file())
    resize(store_dir, str(used + 1024 * 1024))  # room for the index and a little more, not for 3000 questions

    store = open_store(store_dir)
    before = [q.id for q in store.questions()]
    try:
        with pytest.raises(StoreError) as caught:
            ingest([large], store, EMBEDDER, limits=LARGE_BANKS)
        message = str(caught.value)
        assert str(store_dir) in message and "disk is not full" in message  # what to check
        assert "disk is full" in message or "No space left" in message  # and what the database said
    finally:
        fresh_process_view()
        resize(store_dir, "64m")

    reopened = open_store(store_dir)  # the earlier questions still there, searchable, and the ingest completes
    assert set(before) <= {q.id for q in reopened.questions()}
    hit = reopened.search_chunks(EMBEDDER.embed(["How would you approach churn case 3?"])[0], k=1)
    assert hit and hit[0].title.startswith("churn")
    report = ingest([first, large], reopened, EMBEDDER, limits=LARGE_BANKS)
    assert report.ok and len(reopened.questions()) == 3005  # 6000 chunks: more than Chroma takes in one batch
