"""Hostile input through the real command line: `ingest`, `grade --batch` and `practice` in a pseudo-terminal."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT, run_cli
from tests.integration.terminal import Terminal
from tests.unit.test_hostile_input import GOOD, GOOD_MD, HOSTILE_BANKS

pytestmark = [pytest.mark.integration, pytest.mark.slow]
FRAUD = "Design a fraud detection system for Amazon's marketplace"
ANSWER = "I'd use gradient boosting on velocity and device features, class weights for the imbalance, and SHAP."


def env_for(tmp_path: Path, index: Path, database: Path | None = None) -> dict[str, str]:
    return {**os.environ, "MOCKINTERVIEW_STORE": str(index), "MOCKINTERVIEW_LLM": "none", "COLUMNS": "160",
            "TERM": "xterm", "TMPDIR": str(tmp_path / "tmp"),
            "MOCKINTERVIEW_DATABASE_URL": f"sqlite:///{database or tmp_path / 'db.sqlite'}"}


def test_ingest_reports_each_hostile_file_and_link_and_indexes_the_good_ones(tmp_path: Path) -> None:
    banks, elsewhere = tmp_path / "banks", tmp_path / "elsewhere"
    banks.mkdir()
    elsewhere.mkdir()
    for name, (content, _) in HOSTILE_BANKS.items():
        (banks / name).write_text(content, encoding="utf-8")
    (banks / "good.json").write_text(json.dumps(GOOD), encoding="utf-8")
    (banks / "good.md").write_text(GOOD_MD, encoding="utf-8")
    (elsewhere / "secret.json").write_text(json.dumps([{"question": "A secret from elsewhere?"}]), encoding="utf-8")
    (banks / "leak.json").symlink_to(elsewhere / "secret.json")
    (banks / "markup[red].csv").write_text("[/x],b\nq,a\n", encoding="utf-8")  # text the terminal must not parse
    env = env_for(tmp_path, tmp_path / "index")
    result = run_cli("ingest", str(banks), env=env)
    assert "Traceback" not in result.stdout + result.stderr
    assert "questions: 2" in result.stdout and f"errors: {len(HOSTILE_BANKS) + 2}" in result.stdout
    shown = " ".join(result.stderr.split())  # the full reasons, one per file
    for name, (_, reason) in HOSTILE_BANKS.items():
        assert f"{banks / name}: {reason}" in shown, name
    assert f"{banks / 'leak.json'}: symbolic link to {elsewhere.resolve() / 'secret.json'}" in shown
    assert f"{banks / 'markup[red].csv'}: CSV header has no 'question' column (columns: [/x], b)" in shown
    listed = json.loads(run_cli("questions", "--json", env=env).stdout)
    assert sorted(q["question"] for q in listed) == ["How would you A/B test a checkout?",
                                                    "How would you predict churn?"]


def test_grade_batch_with_a_line_nested_100000_deep_writes_every_other_grade(seed_index: Path,
                                                                             tmp_path: Path) -> None:
    lines = [json.dumps({"candidate": "ana", "question": FRAUD, "answer": ANSWER}), "[" * 100_000 + "]" * 100_000,
             json.dumps({"candidate": "bo", "question": FRAUD, "answer": ANSWER + " And a precision-recall curve."})]
    batch, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("grade", "--batch", str(batch), "--out", str(out), env=env_for(tmp_path, seed_index))
    assert "Wrote 3 results" in result.stdout and "(1 errors)" in result.stdout
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["line"] for r in results] == [1, 2, 3]
    assert results[1] == {"line": 2, "error": "nested deeper than 64 levels (column 65)"}
    assert [r["candidate"] for r in (results[0], results[2])] == ["ana", "bo"]
    assert all(r["overall"] > 0 for r in (results[0], results[2]))


def practice(tmp_path: Path, index: Path, database: Path, **settings: str) -> Terminal:
    return Terminal([sys.executable, "-m", "bot", "practice", "--questions", "1", "--depth", "1", "--user", "ana",
                     "--company", "Amazon"], env={**env_for(tmp_path, index, database), **settings}, cwd=ROOT)


def turns(database: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT role, text FROM turns ORDER BY id").fetchall()


def test_practice_asks_again_on_empty_lines_and_reads_a_long_answer_whole(seed_index: Path, tmp_path: Path) -> None:
    database = tmp_path / "sessions.db"
    # the answer below is longer than the default answer limits allow (the limits have tests of their own)
    terminal = practice(tmp_path, seed_index, database, MOCKINTERVIEW_MAX_ANSWER_CHARS="40000",
                        MOCKINTERVIEW_MAX_ANSWER_TOKENS="12000")
    terminal.expect(r"You\S*: ")
    terminal.type("\r")
    terminal.expect(r"press Enter.*\n.*You\S*: ")
    terminal.type("   \t  \r")
    terminal.expect(r"press Enter.*\n.*You\S*: ")
    terminal.type(b"\xff\xfe not text\r")
    terminal.expect(r"not UTF-8 text.*\n.*You\S*: ")
    long = ANSWER + " " + " ".join(f"detail{i}" for i in range(2_000)) + " THE-END"  # about 17,000 characters
    assert len(long) > 4_095 * 4
    terminal.type(long + "\r")
    terminal.expect(r"Interviewer", timeout=600)
    terminal.expect(r"You\S*: ", timeout=600)
    terminal.type("/finish\r")
    assert terminal.wait() == 0, terminal.output[-2000:]
    candidate = [text for role, text in turns(database) if role == "candidate"]
    assert candidate == [long]  # whole, and the empty, blank and undecodable lines were never taken


@pytest.fixture
def frozen(tmp_path: Path) -> Iterator[tuple[Path, list[str]]]:
    """A folder whose files can be made immutable mid-run (root's chattr +i), and the command that does it."""
    if os.geteuid() != 0:
        pytest.skip("making an open database fail needs root (chattr +i)")
    folder = tmp_path / "db"
    folder.mkdir()
    probe = folder / "probe"
    probe.write_text("x", encoding="utf-8")
    if subprocess.run(["chattr", "+i", str(probe)], capture_output=True).returncode != 0:
        pytest.skip(f"this file system does not support chattr +i ({folder})")
    subprocess.run(["chattr", "-i", str(probe)], check=True)
    probe.unlink()
    try:
        yield folder, ["chattr", "-R", "+i", str(folder)]
    finally:
        subprocess.run(["chattr", "-R", "-i", str(folder)], check=False)


def test_a_failed_save_keeps_the_answer_and_exits_cleanly(seed_index: Path, tmp_path: Path,
                                                        frozen: tuple[Path, list[str]]) -> None:
    folder, freeze = frozen
    (tmp_path / "tmp").mkdir()
    terminal = practice(tmp_path, seed_index, folder / "sessions.db")
    terminal.expect(r"You\S*: ")
    subprocess.run(freeze, check=True)  # the database turns read-only under the running interview
    terminal.type(ANSWER + "\r")
    code = terminal.wait()
    shown = " ".join(terminal.output.split())
    assert code == 1, (code, shown[-2000:])  # not -7 (SIGBUS), as before
    assert "cannot save a turn in the database" in shown and "Traceback" not in shown
    kept = list((tmp_path / "tmp" / "mockinterview-unsaved").glob("*.txt"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == ANSWER + "\n"
    assert f"it is kept in {kept[0]}" in shown
