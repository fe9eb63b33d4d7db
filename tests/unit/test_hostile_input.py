"""Hostile input: every bad file, line, cell or link gets its own clear error, and nothing else is lost."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import time
from pathlib import Path

import pytest
from rich.console import Console

from bot.cli_input import keep_unsaved, read_answer
from bot.grading.batch import grade_lines
from bot.grading.bulk import grade_bulk, inert_cell, parse_bulk, result_rows, rows_csv
from bot.grading.grounded import GroundedGrader
from bot.grading.service import GradingService
from bot.ingest.loader import load_bank_file, load_banks, scan
from bot.ingest.parsers.sniff import parse_text
from bot.ingest.pipeline import ingest
from bot.retrieval.store import ChromaStore
from bot.ui.uploads import Upload, ingest_uploads
from bot.untrusted import MAX_DEPTH, check_json_depth, load_json
from tests.fakes import HashingEmbedder

GOOD = [{"title": "Checkout experiment", "category": "analytics_experimentation",
         "question": "How would you A/B test a checkout?",
         "reference_answer": "Metrics:\n- Primary conversion rate, guardrail refund rate\nDesign:\n- Randomise by "
                             "user, run two full weeks, compute power for a 1% lift"}]
GOOD_MD = "## Churn model\nCompany: Initech\nQuestion: How would you predict churn?\nAnswer:\n- Tenure and usage\n"
BIG_CELL = "x" * (200 * 1024)
HOSTILE_BANKS = {  # file name -> (content, the start of its error)
    "deep.json": ("[" * 10_000 + "]" * 10_000, "nested deeper than 64 levels (line 1, column 65)"),
    "deep_block.yaml": ("- " * 3_000 + "x\n", "nested deeper than 64 levels (line 1, column 129)"),
    "deep_flow.yml": ("[" * 10_000 + "]" * 10_000, "nested deeper than 64 levels (line 1, column 65)"),
    "digits.json": ('[{"question": "Why?", "answer": ' + "9" * 5_000 + "}]", "not valid JSON (Exceeds the limit"),
    "date.yaml": ("- question: Why?\n  when: 2001-13-45\n", "not valid YAML (month must be in 1..12)"),
    "surrogate.json": ('[{"question": "Why \\ud800?"}]', "not valid JSON (an escape such as \\ud800 is half"),
    "quote.csv": ('question,answer\n"Why?,never closed\n', "not valid CSV (line 2: unexpected end of data)"),
}


def write_banks(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (content, _) in HOSTILE_BANKS.items():
        (folder / name).write_text(content, encoding="utf-8")
    (folder / "good.json").write_text(json.dumps(GOOD), encoding="utf-8")
    (folder / "good.md").write_text(GOOD_MD, encoding="utf-8")
    (folder / "cells.csv").write_text(f"question,answer\nWhy big?,{BIG_CELL}\nWhy small?,Because\n", encoding="utf-8")
    return folder


def test_each_hostile_bank_is_its_own_error_and_the_good_banks_still_load(tmp_path: Path) -> None:
    folder = write_banks(tmp_path / "banks")
    result = load_banks([folder])
    errors = {Path(e.path).name: e.reason for e in result.errors}
    assert set(errors) == set(HOSTILE_BANKS)
    for name, (_, reason) in HOSTILE_BANKS.items():
        assert errors[name].startswith(reason), (name, errors[name])
    assert sorted(q.question for q in result.questions) == [
        "How would you A/B test a checkout?", "How would you predict churn?", "Why small?"]
    assert [str(w) for w in result.warnings] == [
        f"{folder / 'cells.csv'}: line 2: a cell is 200 KB long (the limit is 128 KB) — row skipped"]


def test_ingest_of_a_folder_with_hostile_banks_indexes_the_good_ones(tmp_path: Path) -> None:
    folder = write_banks(tmp_path / "banks")
    embedder = HashingEmbedder()
    store = ChromaStore.open(path=tmp_path / "index", embedder_name=embedder.name, dim=embedder.dim)
    report = ingest([folder], store, embedder)
    status = {Path(f.path).name: f.status for f in report.files}
    assert {name for name, s in status.items() if s == "error"} == set(HOSTILE_BANKS)
    assert {name for name, s in status.items() if s == "ingested"} == {"good.json", "good.md", "cells.csv"}
    assert len(store.questions()) == 3 and report.ok


def test_app_upload_keeps_the_good_file_uploaded_with_a_hostile_one(tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    store = ChromaStore.open(path=tmp_path / "index", embedder_name=embedder.name, dim=embedder.dim)
    outcomes = ingest_uploads([Upload("deep.json", HOSTILE_BANKS["deep.json"][0].encode()),
                               Upload("deep.yaml", HOSTILE_BANKS["deep_block.yaml"][0].encode()),
                               Upload("good.json", json.dumps(GOOD).encode())], store, embedder)
    assert [(o.status, o.reason.split(" (")[0]) for o in outcomes] == [
        ("error", "nested deeper than 64 levels"), ("error", "nested deeper than 64 levels"), ("ingested", "")]
    assert [q.title for q in store.questions()] == ["Checkout experiment"]


def test_json_depth_counts_brackets_outside_strings_only() -> None:
    check_json_depth('["' + "[" * 1_000 + '"]')  # brackets inside a string are text
    check_json_depth("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    with pytest.raises(ValueError, match="nested deeper than 64 levels"):
        check_json_depth("[" * (MAX_DEPTH + 1))
    assert load_json('{"a": "\\"[[["}') == {"a": '"[[['}


LINEAR_SHAPES = {  # each took minutes to hours before (backtracking regular expressions); N = 50,000
    "heading with a space run": "## Churn" + " " * 50_000 + "model\nQuestion: Why?\nAnswer: Because.\n",
    "heading with a hash run": "# " + "#" * 50_000 + "x\n" + GOOD_MD,
    "metadata value with a space run": GOOD_MD.replace("Company: Initech", "Company: Ini" + " " * 50_000 + "tech"),
    "bullet with a space run": GOOD_MD + "- a" + " " * 50_000 + "z\n",
    "bullet with unclosed parentheses": GOOD_MD + "- " + "(" * 50_000 + "\n",
    "answer marker with a space run": "1. Churn\nLevel: L5\nQuestion: Why?\nAnswer" + " " * 50_000 + "z\n",
    "numbered title with a space run": "1. Churn" + " " * 50_000 + "z\nLevel: L5\nQuestion: Why?\nAnswer:\nok\n",
    "many blank lines": GOOD_MD + "\n" * 200_000 + "x\n",
}


@pytest.mark.parametrize("text", LINEAR_SHAPES.values(), ids=LINEAR_SHAPES.keys())
@pytest.mark.parametrize("extension", [".md", ".txt"])
def test_text_banks_parse_hostile_lines_in_linear_time(text: str, extension: str) -> None:
    started = time.perf_counter()
    try:
        result = parse_text(extension, text, f"bank{extension}")
    except ValueError:  # "no recognisable question" is a fine answer; hanging is not
        result = None
    assert time.perf_counter() - started < 10
    if result is not None:
        assert result.questions


def test_a_transcript_of_leads_without_sentence_ends_parses_quickly(tmp_path: Path) -> None:
    text = ("Problem\nHow would you size the market?\nSolution\n[Candidate] I'd start top-down.\n[Interviewer] "
            + "let's talk about " * 20_000 + "\n[Candidate] Then bottom-up.\n")
    started = time.perf_counter()
    (question,) = parse_text(".txt", text, "t.txt").questions
    assert time.perf_counter() - started < 10 and "top-down" in question.reference_answer


def test_symlinks_leaving_the_folder_are_refused_by_name_and_inside_ones_followed_once(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.json").write_text(json.dumps([{"question": "A secret elsewhere?"}]), encoding="utf-8")
    banks = tmp_path / "banks"
    (banks / "sub").mkdir(parents=True)
    (banks / "good.json").write_text(json.dumps(GOOD), encoding="utf-8")
    (banks / "sub" / "inner.md").write_text(GOOD_MD, encoding="utf-8")
    (banks / "leak.json").symlink_to(outside / "secret.json")
    (banks / "leakdir").symlink_to(outside, target_is_directory=True)
    (banks / "again.md").symlink_to(banks / "sub" / "inner.md")
    (banks / "sub" / "loop").symlink_to(banks, target_is_directory=True)
    (banks / "a.json").symlink_to(banks / "b.json")
    (banks / "b.json").symlink_to(banks / "a.json")
    files, refused = scan([banks])
    assert files == [banks / "good.json", banks / "sub" / "inner.md"]
    reasons = {Path(issue.path).name: issue.reason for issue in refused}
    assert reasons == {
        "leak.json": f"symbolic link to {outside.resolve() / 'secret.json'}, outside the folder {banks.resolve()} — "
                     "not followed",
        "leakdir": f"symbolic link to {outside.resolve()}, outside the folder {banks.resolve()} — not followed",
        "a.json": "symbolic link loop — not followed", "b.json": "symbolic link loop — not followed"}
    result = load_banks([banks])
    assert sorted(q.question for q in result.questions) == ["How would you A/B test a checkout?",
                                                            "How would you predict churn?"]
    assert {Path(e.path).name for e in result.errors} == set(reasons)
    (banks / "sub" / "inner.md").unlink()
    (banks / "sub" / "inner.md").symlink_to(banks / "good.json")  # a link to a file inside is used once
    assert scan([banks])[0] == [banks / "good.json"]


@pytest.fixture
def service(tmp_path: Path) -> GradingService:
    embedder = HashingEmbedder()
    store = ChromaStore.open(path=tmp_path / "index", embedder_name=embedder.name, dim=embedder.dim)
    (tmp_path / "bank.json").write_text(json.dumps(GOOD), encoding="utf-8")
    ingest([tmp_path / "bank.json"], store, embedder)
    return GradingService(store=store, embedder=embedder, grounded=GroundedGrader(embedder))


def good_line(candidate: str) -> str:
    return json.dumps({"candidate": candidate, "question": "How would you A/B test a checkout?",
                       "answer": "Randomise by user for two full weeks and watch conversion and refunds."})


def test_a_batch_line_nested_100000_deep_is_that_lines_error_and_the_others_are_graded(
        service: GradingService) -> None:
    lines = [good_line("ana"), "[" * 100_000 + "]" * 100_000, '{"question": "x", "answer": ' + "9" * 5_000 + "}",
             '{"question": "x", "answer": "\\udfff"}', good_line("bo")]
    results = list(grade_lines(service, lines))
    assert [r["line"] for r in results] == [1, 2, 3, 4, 5]
    assert results[1]["error"] == "nested deeper than 64 levels (column 65)"
    assert results[2]["error"].startswith("not valid JSON (Exceeds the limit (4300 digits)")
    assert results[3]["error"].startswith("not valid JSON (an escape such as \\udfff")
    assert [r.get("candidate") for r in results if "overall" in r] == ["ana", "bo"]


def test_bulk_files_with_a_deep_line_or_a_huge_cell_grade_every_other_row(service: GradingService) -> None:
    jsonl = "\n".join([good_line("ana"), "{" * 100_000, good_line("bo")]).encode()
    rows = parse_bulk("answers.jsonl", jsonl, 1 << 20)
    assert [r.error for r in rows] == ["", "nested deeper than 64 levels (column 65)", ""]
    table = "candidate,question,answer\n" + "\n".join([
        "ana,How would you A/B test a checkout?,Randomise by user for two weeks",
        f"bo,How would you A/B test a checkout?,{BIG_CELL}",
        "cy,How would you A/B test a checkout?,Watch conversion and refunds"]) + "\n"
    rows = parse_bulk("answers.csv", table.encode(), 1 << 20)
    assert [(r.line, r.error) for r in rows] == [(2, ""), (3, "a cell is 200 KB long (the limit is 128 KB)"),
                                                 (4, "")]
    results = grade_bulk(service, rows)
    assert [r["candidate"] for r in results if "overall" in r] == ["ana", "cy"]
    broken = "candidate,question,answer\nana,Why?,fine\nbo,\"Why?,never closed\n"
    rows = parse_bulk("broken.csv", broken.encode(), 1 << 20)
    assert [(r.line, r.error) for r in rows] == [(2, ""), (3, "missing 'answer'")]  # the quote took the rest


FORMULA_CELLS = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\n=1", " =1", "\u00a0=1", "\uff1d1", "\uff0b1",
                 "\uff0d1", "\uff20SUM(A1)", "\u200b=1", "\ufeff=1", "\u2060=1", "\u200d+1", "\u202e=1", "\ufe66 1",
                 "\u2212 1", "\u3000=1", "\u3164=1"]


@pytest.mark.parametrize("cell", FORMULA_CELLS, ids=[ascii(c) for c in FORMULA_CELLS])
def test_csv_export_neutralises_every_formula_leading_form(cell: str) -> None:
    exported = next(csv.DictReader(io.StringIO(rows_csv([{"line": 1, "candidate": cell, "overall": 70}]))))
    assert exported["candidate"] == "'" + cell and exported["overall"] == "70"


def test_csv_export_leaves_ordinary_cells_alone(service: GradingService) -> None:
    assert [inert_cell(v) for v in ("Ana", "3/4", "Café", "日本", 5, None)] == ["Ana", "3/4", "Café", "日本", 5, ""]
    rows = result_rows(grade_bulk(service, parse_bulk("a.jsonl", good_line("=HYPERLINK(1)").encode(), 1 << 20)))
    exported = next(csv.DictReader(io.StringIO(rows_csv(rows))))
    assert exported["candidate"] == "'=HYPERLINK(1)" and exported["overall"].isdigit()


def test_terminal_answers_skip_empty_lines_and_end_at_eof(monkeypatch: pytest.MonkeyPatch) -> None:
    console = Console(file=io.StringIO(), force_terminal=False)
    long = "word " * 3_000
    monkeypatch.setattr("sys.stdin", io.StringIO(f"\n   \n\t\n{long}\n"))
    assert read_answer(console) == long
    assert read_answer(console) is None  # end of input: the session is left for --resume
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert shown.count("Type your answer and press Enter") == 3


def test_an_unsaved_answer_is_kept_in_a_private_file(tmp_path: Path) -> None:
    kept = keep_unsaved("My answer, in full.", "abc123", tmp_path / "unsaved")
    assert kept is not None and kept.parent == tmp_path / "unsaved" and kept.name.startswith("abc123-")
    assert kept.read_text(encoding="utf-8") == "My answer, in full.\n"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x", encoding="utf-8")
    assert keep_unsaved("text", "abc", blocked) is None  # the caller then prints the answer itself


def test_a_bank_named_explicitly_through_a_link_is_still_loaded(tmp_path: Path) -> None:
    (tmp_path / "real.json").write_text(json.dumps(GOOD), encoding="utf-8")
    os.symlink(tmp_path / "real.json", tmp_path / "named.json")
    assert [q.title for q in load_bank_file(tmp_path / "named.json")] == ["Checkout experiment"]
