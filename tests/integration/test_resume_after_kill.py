"""A practice session killed with SIGKILL mid-interview resumes exactly where it was (real process, real files)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.storage.repository import SessionRepository

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.mark.slow]
BANK = [{"title": "Fraud detection design", "company": "Acme", "category": "ml_system_design",
         "question": "Design a fraud detection system. How would you handle imbalanced data?",
         "reference_answer": "Imbalance:\n- Class weights and SMOTE\nExplainability:\n- SHAP values and reason codes\n"
                             "Serving:\n- Kafka stream, 100 ms decisions"}]


def wait_for(path: Path, text: str, process: subprocess.Popen[str], times: int = 1, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text(errors="replace").count(text) >= times:
            return
        if process.poll() is not None:
            raise AssertionError(f"process ended early:\n{path.read_text(errors='replace')}")
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {text!r}:\n{path.read_text(errors='replace')}")


def test_sigkill_mid_session_then_resume(tmp_path: Path) -> None:
    (tmp_path / "bank.json").write_text(json.dumps(BANK), encoding="utf-8")
    env = {**os.environ, "MOCKINTERVIEW_STORE": str(tmp_path / "index"), "MOCKINTERVIEW_LLM": "none",
           "MOCKINTERVIEW_DATABASE_URL": f"sqlite:///{tmp_path / 'sessions.db'}", "COLUMNS": "200"}
    subprocess.run([sys.executable, "-m", "bot", "ingest", str(tmp_path / "bank.json")], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=300)
    log = tmp_path / "out.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "bot", "practice", "--user", "kim", "--questions", "1",
                                    "--depth", "2"], cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=out,
                                   stderr=subprocess.STDOUT, text=True)
        assert process.stdin is not None
        wait_for(log, "Question 1 of 1", process)
        process.stdin.write("I would stream transactions through Kafka and decide within 100 ms.\n")
        process.stdin.flush()
        wait_for(log, "Interviewer:", process, times=2)  # the follow-up has been shown
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    repo = SessionRepository(env["MOCKINTERVIEW_DATABASE_URL"])
    before = repo.latest_active("kim")
    assert before is not None
    assert [t.kind for t in before.turns] == ["question", "answer", "follow_up"]
    resumed = subprocess.run([sys.executable, "-m", "bot", "practice", "--user", "kim", "--resume"], cwd=ROOT,
                             env=env, input="Class weights, and SHAP values for explanations.\n/finish\n",
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"Resuming session {before.id}" in resumed.stdout
    assert before.turns[-1].text.split("?")[0][:40] in resumed.stdout.replace("\n", " ")
    after = repo.load(before.id)
    assert after.turns[:3] == before.turns
    assert after.turns[3].text == "Class weights, and SHAP values for explanations."
    assert after.status == "finished" and before.config.question_ids[0] in after.grades
