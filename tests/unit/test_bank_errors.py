"""Bad bank files: each fails with a specific reason naming the file, and never stops the other files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.ingest.loader import BankError, discover, load_bank_file, load_banks

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
GOOD = [{"title": "Caching", "question": "How would you cache results?", "answer": "Plan:\n- TTL: 5 minutes"}]


def reason_for(path: Path, max_bytes: int = 5 * 1024 * 1024) -> str:
    with pytest.raises(BankError) as info:
        load_bank_file(path, max_bytes)
    assert info.value.path == path
    assert str(info.value) == f"{path}: {info.value.reason}"
    return info.value.reason


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize("content", ["", "  \n\n\t\n"])
def test_empty_file(tmp_path: Path, content: str) -> None:
    assert reason_for(write(tmp_path / "empty.md", content)) == "empty file"


def test_binary_file(tmp_path: Path) -> None:
    assert reason_for(write(tmp_path / "bank.txt", b"1. Title\x00\x01\x02")).startswith("binary file (contains NUL")


def test_non_utf8_text(tmp_path: Path) -> None:
    reason = reason_for(write(tmp_path / "bank.txt", "1. Café\nQuestion: Why?\n".encode("latin-1")))
    assert reason.startswith("not UTF-8 text (invalid byte 0xe9 at offset 6)")


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    path = write(tmp_path / "big.json", json.dumps(GOOD * 50))
    assert reason_for(path, max_bytes=1024).startswith("file is too large (")
    assert len(load_bank_file(path)) == 1  # the default limit (5 MB) accepts it; duplicates are dropped


def test_unsupported_extension(tmp_path: Path) -> None:
    reason = reason_for(write(tmp_path / "bank.pdf", "%PDF-1.4"))
    assert reason.startswith("unsupported extension '.pdf' (supported: .txt, .md")


def test_malformed_json_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "x.json", '[\n  {"question": "a"},\n  {"question": }\n]')
    reason = reason_for(path)
    assert reason.startswith("not valid JSON (line 3, column")
    assert str(BankError(path, reason)).startswith(f"{path}: not valid JSON (line 3")


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    assert reason_for(write(tmp_path / "x.yaml", "- question: a\n  title: [1, 2\n- b")).startswith(
        "not valid YAML (line 3"
    )


def test_malformed_csv(tmp_path: Path) -> None:
    assert reason_for(write(tmp_path / "x.csv", 'question,title\n"abc,def\n')).startswith("not valid CSV (line 2")


def test_csv_without_question_column(tmp_path: Path) -> None:
    reason = reason_for(write(tmp_path / "x.csv", "title,answer\nA,B\n"))
    assert reason == "CSV header has no 'question' column (columns: title, answer)"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.txt", "Some notes about interviews.\nNothing here looks like a question bank.\n"),
        ("notes.md", "# Notes\n\nJust prose under a heading, without question or answer parts.\n"),
        ("notes2.md", "1. A numbered list\n2. That is not a bank\n"),
    ],
)
def test_no_recognisable_question(tmp_path: Path, name: str, content: str) -> None:
    assert reason_for(write(tmp_path / name, content)).startswith("no recognisable question")


@pytest.mark.parametrize("data", [42, "text", {"items": []}, []])
def test_json_of_the_wrong_shape(tmp_path: Path, data: object) -> None:
    reason = reason_for(write(tmp_path / "x.json", json.dumps(data)))
    assert reason.startswith(("expected a list of questions", "no questions (the list is empty)"))


def test_rows_without_question_are_skipped_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path / "x.json", json.dumps([{"title": "no question"}, *GOOD, "not an object"]))
    warnings: list[str] = []
    (question,) = load_bank_file(path, warnings=warnings)
    assert question.title == "Caching"
    assert warnings == ["item 1: no 'question' value — skipped", "item 3: not an object (str) — skipped"]
    csv_path = write(tmp_path / "x.csv", "title,question\nA,Why?\nB,\n")
    csv_warnings: list[str] = []
    assert [q.title for q in load_bank_file(csv_path, warnings=csv_warnings)] == ["A"]
    assert csv_warnings == ["line 3: no 'question' value — row skipped"]


def test_no_valid_row_is_an_error(tmp_path: Path) -> None:
    reason = reason_for(write(tmp_path / "x.json", json.dumps([{"title": "a"}, {"title": "b"}])))
    assert reason == "no valid question among 2 item(s): item 1: no 'question' value — skipped"
    assert reason_for(write(tmp_path / "x.csv", "title,question\nA,\n")).startswith("no valid question among 1 row(s)")


def test_duplicate_questions_in_a_file_are_dropped(tmp_path: Path) -> None:
    warnings: list[str] = []
    assert len(load_bank_file(write(tmp_path / "x.json", json.dumps(GOOD * 2)), warnings=warnings)) == 1
    assert warnings == ["duplicate question 'Caching' — skipped"]


def test_one_bad_file_never_stops_the_others(tmp_path: Path) -> None:
    shutil.copy(SEEDS / "002_f35688db41a66a1b.txt", tmp_path / "002.txt")
    write(tmp_path / "good.json", json.dumps([*GOOD, {"title": "skipped"}]))
    write(tmp_path / "binary.txt", b"\x00\x01")
    write(tmp_path / "empty.md", "")
    write(tmp_path / "broken.json", "[{")
    result = load_banks([tmp_path])
    assert sorted(q.source_file for q in result.questions) == ["002.txt", "good.json"]
    assert result.files_ok == [str(tmp_path / "002.txt"), str(tmp_path / "good.json")]
    assert [(Path(e.path).name, e.reason.split(" (")[0]) for e in result.errors] == [
        ("binary.txt", "binary file"),
        ("broken.json", "not valid JSON"),
        ("empty.md", "empty file"),
    ]
    assert [str(w) for w in result.warnings] == [f"{tmp_path / 'good.json'}: item 2: no 'question' value — skipped"]


def test_discover_expands_directories_and_skips_hidden_files(tmp_path: Path) -> None:
    for rel in ["b.md", "sub/a.json", "sub/deep/c.yml", "x.pdf", ".hidden.md", ".git/d.json", "sub/e.CSV"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x", encoding="utf-8")
    explicit = tmp_path / "x.pdf"
    assert discover([tmp_path, explicit, tmp_path / "b.md"]) == sorted(
        [tmp_path / "b.md", tmp_path / "sub/a.json", tmp_path / "sub/deep/c.yml", tmp_path / "sub/e.CSV", explicit]
    )
    assert reason_for(tmp_path / "missing.json") == "file not found"
