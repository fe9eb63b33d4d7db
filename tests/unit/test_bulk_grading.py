"""Bulk grading files: CSV and JSONL parsing with per-row errors, whole-file checks, grading and CSV export."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from bot.grading.bulk import BulkFileError, grade_bulk, parse_bulk, result_rows, rows_csv
from bot.grading.grounded import GroundedGrader
from bot.grading.service import GradingService
from bot.ingest.pipeline import ingest
from bot.retrieval.store import ChromaStore
from tests.fakes import HashingEmbedder

LIMIT = 64 * 1024
CSV = (
    "Candidate,Question,Answer,Reference\n"
    'ana,How would you A/B test a checkout?,"Randomise by user, two weeks, power for a 1% lift",\n'
    "bo,How would you A/B test a checkout?,,\n"
    "cy,How would you A/B test a checkout?,An answer,a reference,an extra value\n"
    "\n"
    '=cmd,Explain churn,"Churn is when users leave",Churn: users who stop paying\n'
)


def test_csv_rows_keep_their_line_numbers_and_bad_rows_carry_a_reason() -> None:
    rows = parse_bulk("answers.CSV", CSV.encode(), LIMIT)
    assert [r.line for r in rows] == [2, 3, 4, 6]
    assert rows[0].error == "" and rows[0].record["candidate"] == "ana" and "reference" not in rows[0].record
    assert rows[1].error == "missing 'answer'"
    assert "5 values but the header has 4 columns" in rows[2].error
    assert rows[3].record["reference"] == "Churn: users who stop paying"


def test_jsonl_rows_report_invalid_json_non_objects_and_missing_fields() -> None:
    text = "\n".join([
        json.dumps({"candidate": "ana", "question": "q1", "answer": "a1"}),
        "{not json",
        "[1, 2]",
        json.dumps({"candidate": "bo", "answer": "a2"}),
        json.dumps({"question": "q3", "answer": "a3", "reference": 5}),
    ])
    rows = parse_bulk("batch.jsonl", text.encode(), LIMIT)
    assert [r.error for r in rows] == ["", "not valid JSON (column 2: Expecting property name enclosed in "
                                       "double quotes)", "each line must be a JSON object", "missing 'question'",
                                       "'reference' must be text"]


@pytest.mark.parametrize(("name", "data", "message"), [
    ("answers.xlsx", b"PK\x03\x04", "unsupported file type '.xlsx'"),
    ("../../etc/answers", b"a,b", "unsupported file type '(none)'"),
    ("big.csv", b"question,answer\n" + b"x" * LIMIT, "too large"),
    ("nul.jsonl", b'{"a": 1}\x00', "binary file"),
    ("latin.csv", "question,answer\ncaf\u00e9,x".encode("latin-1"), "not UTF-8"),
    ("cols.csv", b"name,reply\nana,hello", "needs the columns question, answer"),
    ("empty.jsonl", b"\n\n", "no answers"),
])
def test_whole_file_problems_are_rejected_before_grading(name: str, data: bytes, message: str) -> None:
    with pytest.raises(BulkFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_bulk(name, data, LIMIT)


@pytest.fixture
def service(tmp_path: Path) -> GradingService:
    embedder = HashingEmbedder()
    store = ChromaStore.open(path=tmp_path / "index", embedder_name=embedder.name, dim=embedder.dim)
    (tmp_path / "bank.json").write_text(json.dumps([{
        "title": "Checkout experiment", "category": "analytics_experimentation",
        "question": "How would you A/B test a checkout?",
        "reference_answer": "Metrics:\n- Primary conversion rate, guardrail refund rate\nDesign:\n- Randomise by "
                            "user, run two full weeks, compute power for a 1% lift"}]))
    ingest([tmp_path / "bank.json"], store, embedder)
    return GradingService(store=store, embedder=embedder, grounded=GroundedGrader(embedder))


def test_graded_table_has_scores_per_dimension_flags_and_errors_and_exports_inert_csv(
        service: GradingService) -> None:
    seen: list[tuple[int, int]] = []
    results = grade_bulk(service, parse_bulk("a.csv", CSV.encode(), LIMIT), lambda d, t: seen.append((d, t)))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    rows = result_rows(results)
    assert [r["error"] == "" for r in rows] == [True, False, False, True]
    graded = rows[0]
    assert isinstance(graded["overall"], int) and graded["candidate"] == "ana"
    dimensions = [k for k in graded if k not in {"line", "candidate", "question", "overall", "key points", "flags",
                                                   "error"}]
    assert len(dimensions) >= 3 and all(1 <= graded[d] <= 5 for d in dimensions)
    assert re.fullmatch(r"\d+/[23]", graded["key points"])  # two sections, and the prompt's ask none answers
    assert rows[3]["candidate"] == "=cmd" and rows[3]["overall"] is not None  # graded against its own reference
    exported = list(csv.DictReader(io.StringIO(rows_csv(rows))))
    assert [e["line"] for e in exported] == ["2", "3", "4", "6"]
    assert exported[3]["candidate"] == "'=cmd"  # a formula-looking cell cannot run in a spreadsheet
    assert exported[1]["error"] == "missing 'answer'" and exported[1]["overall"] == ""
