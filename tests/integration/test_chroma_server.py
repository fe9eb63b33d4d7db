"""The product against a real Chroma server (`chroma run`) chosen by MOCKINTERVIEW_CHROMA_URL; a crash mid-session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.storage.repository import SessionRepository
from tests.integration.conftest import ROOT, run_cli
from tests.integration.servers import ChromaServer

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    """A Chroma server holding the seed banks, ingested through the CLI."""
    root = tmp_path_factory.mktemp("chroma-server")
    chroma = ChromaServer(root / "data")
    chroma.start()
    try:
        result = run_cli("ingest", "seeds", env=env_for(chroma, root))
        assert "questions: 32" in result.stdout, result.stdout
        yield chroma
    finally:
        chroma.stop()


def env_for(chroma: ChromaServer, tmp: Path) -> dict[str, str]:
    # MOCKINTERVIEW_STORE points at a directory that must never be created: the server holds the index.
    return {**os.environ, "MOCKINTERVIEW_CHROMA_URL": chroma.url, "MOCKINTERVIEW_STORE": str(tmp / "no-local-index"),
            "MOCKINTERVIEW_DATABASE_URL": f"sqlite:///{tmp / 'sessions.db'}", "MOCKINTERVIEW_LLM": "none",
            "COLUMNS": "200"}


def test_search_grade_and_scripted_session_against_the_server(server: ChromaServer, tmp_path: Path) -> None:
    env = env_for(server, tmp_path)
    hits = json.loads(run_cli("search", "class imbalance in fraud detection", "--k", "3", "--json", env=env).stdout)
    assert len(hits) == 3 and any("fraud" in h["title"].lower() for h in hits)

    question = hits[0]["question_id"]
    grade = json.loads(run_cli("grade", "--question", question, "--answer", "I would use class weights and SMOTE "
                               "for the imbalance, and SHAP values so analysts can explain each decision.", "--json",
                               env=env).stdout)
    assert 0 <= grade["overall"] <= 100 and grade["covered"] + grade["missing"]
    assert {c["citation"]["question_id"] for c in grade["covered"] + grade["missing"]} == {question}

    script = tmp_path / "candidate.json"
    script.write_text(json.dumps({"question": question, "depth": 1, "answers": [
        "I would stream transactions through Kafka and score each one in under 100 ms.",
        "For the imbalance I would use class weights and tune the threshold on the precision-recall curve."]}))
    result = json.loads(run_cli("practice", "--script", str(script), "--json", env=env).stdout)
    assert [t["kind"] for t in result["turns"]][:3] == ["question", "answer", "follow_up"]
    assert result["grade"]["overall"] >= 0
    assert not (tmp_path / "no-local-index").exists()


def wait_for(path: Path, text: str, process: subprocess.Popen[str], timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text(errors="replace"):
            return
        if process.poll() is not None:
            raise AssertionError(f"practice ended early:\n{path.read_text(errors='replace')}")
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {text!r}:\n{path.read_text(errors='replace')}")


def test_server_killed_mid_session_then_back(server: ChromaServer, tmp_path: Path) -> None:
    env = env_for(server, tmp_path)
    log = tmp_path / "practice.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "bot", "practice", "--user", "lee", "--questions", "1",
                                    "--depth", "1", "--topic", "fraud detection"], cwd=ROOT, env=env,
                                   stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT, text=True)
        assert process.stdin is not None
        wait_for(log, "You", process)  # the question is shown and the reference prepared
        server.kill()
        process.stdin.write("I would stream transactions through Kafka and score each one in under 100 ms.\n")
        process.stdin.flush()
        code = process.wait(timeout=120)
    output = log.read_text(errors="replace")
    assert code == 1, output
    assert "Error: The Chroma server at" in output and "Start it again" in output, output
    assert "Traceback" not in output

    repo = SessionRepository(env["MOCKINTERVIEW_DATABASE_URL"])
    kept = repo.latest_active("lee")
    assert kept is not None and [t.kind for t in kept.turns] == ["question", "answer"]

    server.start()  # same path, same port
    resumed = subprocess.run([sys.executable, "-m", "bot", "practice", "--user", "lee", "--resume"], cwd=ROOT,
                             env=env, input="Class weights for the imbalance, SHAP values for explanations.\n",
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"Resuming session {kept.id}" in resumed.stdout
    after = repo.load(kept.id)
    assert after.turns[:2] == kept.turns
    assert [t.kind for t in after.turns][2:] == ["follow_up", "answer", "feedback"]
    assert after.status == "finished" and kept.config.question_ids[0] in after.grades
    repo.close()
