"""The CLI contract end to end in real subprocesses: ingest the seeds with MiniLM, list, search, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.conftest import run_cli as cli

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def index(seed_index: Path) -> Path:
    return seed_index


def test_questions_json_lists_all_seed_questions_with_metadata(index: Path) -> None:
    items = json.loads(cli("questions", "--json", "--store", str(index)).stdout)
    assert len(items) == 32
    required = {"id", "title", "company", "role", "category", "difficulty", "level", "interview_round",
                "source_file", "question", "key_points"}
    assert all(required <= set(item) for item in items)
    assert {item["company"] for item in items} == {"Amazon", "Walmart"}
    walmart = json.loads(cli("questions", "--company", "walmart", "--json", "--store", str(index)).stdout)
    assert len(walmart) == 10 and all(item["source_file"].startswith("003_") for item in walmart)


def test_search_finds_the_fraud_questions_for_class_imbalance(index: Path) -> None:
    hits = json.loads(cli("search", "handling class imbalance when fraud is rare", "--k", "5", "--json",
                          "--store", str(index)).stdout)
    assert len(hits) == 5
    assert {"question_id", "title", "section", "text", "score"} <= set(hits[0])
    assert "fraud" in hits[0]["title"].lower()
    assert hits[0]["score"] >= hits[-1]["score"]


def test_reingest_unchanged_seeds_embeds_nothing(index: Path) -> None:
    result = cli("ingest", "seeds", "--store", str(index))
    assert result.stdout.count("unchanged") == 5
    assert "ingested" not in result.stdout


def test_ingest_of_only_bad_files_fails_with_reasons(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02 binary")
    result = cli("ingest", str(tmp_path), "--store", str(tmp_path / "index"), check=False)
    assert result.returncode == 1
    assert "empty.txt" in result.stderr and "binary.txt" in result.stderr


@pytest.mark.parametrize("command", ["ingest", "questions", "search", "grade", "practice"])
def test_every_command_has_help(command: str) -> None:
    result = cli(command, "--help")
    assert "--store" in result.stdout and "Usage" in result.stdout


def test_ingest_keeps_the_prepared_references_vectors_unless_told_not_to(tmp_path: Path) -> None:
    from bot.retrieval.store import ChromaStore

    bank = Path(__file__).parents[2] / "seeds" / "001_e616851a7bef9747.txt"
    kept = {}
    for flag in ("--prepare", "--no-prepare"):
        store = tmp_path / flag.strip("-")
        result = cli("ingest", str(bank), "--store", str(store), flag)
        assert "questions: 1" in result.stdout
        kept[flag] = ChromaStore.open(path=store, embedder_name="all-MiniLM-L6-v2", dim=384).count_kept()
    assert kept["--prepare"] > 20 and kept["--no-prepare"] == 0
