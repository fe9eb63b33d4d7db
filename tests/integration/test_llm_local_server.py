"""The LLM path end to end against a real OpenAI-compatible server: llama.cpp serving SmolLM2-135M on 127.0.0.1.

The server runs from its own venv (`make llm-server-env`, which `make test` runs first). When that venv is
missing these tests fail with the command that builds it; they are never skipped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.interview.phrasing import shared_run
from bot.llm import local_server
from bot.llm.factory import build_client
from bot.settings import Settings
from tests.integration.conftest import run_cli
from tests.integration.test_cli_grade_practice import FRAUD, STRONG
from tests.integration.test_llm_http_failures import fraud_session, interviewer_for
from tests.unit.test_interviewer import BANK, PARTIAL

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ENGINES = {"llm", "grounded-fallback", "grounded"}
GRADE_ENGINES = {"llm+grounded", "grounded-fallback"}
CONTEXT, REPLY = 4096, 160


def start_server(log: Path) -> local_server.LocalServer:
    try:
        return local_server.start(log, n_ctx=CONTEXT)
    except local_server.ServerEnvMissing as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="module")
def llama(tmp_path_factory: pytest.TempPathFactory) -> Iterator[local_server.LocalServer]:
    server = start_server(tmp_path_factory.mktemp("llama") / "server.log")
    yield server
    server.stop()


def llm_env(url: str) -> dict[str, str]:
    return {"MOCKINTERVIEW_LLM": "openai-compatible", "MOCKINTERVIEW_LLM_BASE_URL": url,
            "MOCKINTERVIEW_LLM_MODEL": local_server.MODEL_NAME, "MOCKINTERVIEW_LLM_CONTEXT_TOKENS": str(CONTEXT),
            "MOCKINTERVIEW_LLM_MAX_OUTPUT_TOKENS": str(REPLY), "MOCKINTERVIEW_LLM_TIMEOUT": "120",
            "MOCKINTERVIEW_LLM_MAX_RETRIES": "1", "MOCKINTERVIEW_LLM_BACKOFF_S": "0.2"}


def settings_for(url: str, tmp_path: Path) -> Settings:
    env = {k.removeprefix("MOCKINTERVIEW_").lower(): v for k, v in llm_env(url).items()}
    return Settings(**env, database_url=f"sqlite:///{tmp_path / 'sessions.db'}")  # type: ignore[arg-type]


def test_scripted_interview_through_the_cli(llama: local_server.LocalServer, seed_index: Path,
                                            tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"question": FRAUD, "depth": 1, "answers": [
        "I'd use gradient boosting on velocity and device features and serve it in real time.",
        "Class weights and a precision-recall threshold."]}))
    env = {**os.environ, **llm_env(llama.base_url), "MOCKINTERVIEW_STORE": str(seed_index),
           "MOCKINTERVIEW_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    transcript = json.loads(run_cli("practice", "--script", str(script), "--json", env=env).stdout)
    turns = transcript["turns"]
    kinds = [(t["role"], t["kind"]) for t in turns]
    assert kinds[:3] == [("interviewer", "question"), ("candidate", "answer"), ("interviewer", "follow_up")]
    replies = [t for t in turns if t["role"] == "interviewer"][1:]
    assert all(t["engine"] in ENGINES for t in replies)
    assert replies[0]["prompt_tokens"] > 0  # the tiny model was really called (judge and/or follow-up)
    assert transcript["grade"]["engine"] in GRADE_ENGINES and 0 <= transcript["grade"]["overall"] <= 100
    assert transcript["usage"]["tokens"] == sum(t.get("prompt_tokens", 0) + t.get("completion_tokens", 0)
                                                for t in turns) > 0
    assert transcript["usage"]["cost"] == 0.0  # a local model is free


def test_batch_grade_through_the_cli(llama: local_server.LocalServer, seed_index: Path, tmp_path: Path) -> None:
    batch = tmp_path / "in.jsonl"
    batch.write_text("\n".join(json.dumps(r) for r in [
        {"question": FRAUD, "answer": STRONG},
        {"question": FRAUD, "answer": "I would ignore the data and ship it."}]) + "\n")
    out = tmp_path / "out.jsonl"
    env = {**os.environ, **llm_env(llama.base_url), "MOCKINTERVIEW_STORE": str(seed_index)}
    run_cli("grade", "--batch", str(batch), "--out", str(out), env=env)
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["line"] for r in results] == [1, 2]
    for result in results:
        assert result["engine"] in GRADE_ENGINES
        if result["engine"] == "grounded-fallback":
            assert "llm:" in result["notes"]  # the reason the tiny model's output was refused
        usage = result["usage"]
        assert usage["prompt_tokens"] > 0 and usage["prompt_budget"] == int(CONTEXT * 0.9) - REPLY
    assert results[0]["overall"] > results[1]["overall"]  # bounded by the grounded evidence either way


def test_streaming_and_validated_follow_ups(llama: local_server.LocalServer, tmp_path: Path) -> None:
    interviewer = interviewer_for(settings_for(llama.base_url, tmp_path), tmp_path)
    session_id = fraud_session(interviewer)
    pieces: list[str] = []
    reply = interviewer.respond(session_id, PARTIAL, on_text=pieces.append)[0]
    assert reply.kind == "follow_up" and reply.engine in {"llm", "grounded-fallback"}
    assert shared_run(reply.text, BANK[0]["reference_answer"], question=BANK[0]["question"]) is None
    assert shared_run("".join(pieces), BANK[0]["reference_answer"], question=BANK[0]["question"]) is None
    client = build_client(settings_for(llama.base_url, tmp_path))
    assert client is not None
    from langchain_core.messages import HumanMessage

    streamed: list[str] = []
    whole = client.stream([HumanMessage(content="Name three colours.")], streamed.append)
    assert len(streamed) > 2 and "".join(streamed) == whole.text and whole.completion_tokens > 0


def test_a_server_killed_mid_session_means_fallback_and_nothing_lost(tmp_path: Path) -> None:
    server = start_server(tmp_path / "server.log")
    try:
        settings = settings_for(server.base_url, tmp_path)
        interviewer = interviewer_for(settings, tmp_path)
        session_id = fraud_session(interviewer)
        first = interviewer.respond(session_id, PARTIAL)[0]
        assert first.prompt_tokens > 0
    finally:
        server.process.kill()
        server.process.wait(timeout=15)
    after = interviewer.respond(session_id, "I'd add SHAP values for the analysts.")
    assert after[0].engine == "grounded-fallback" and after[0].prompt_tokens == 0
    finished = interviewer.finish(session_id)
    assert finished.status == "finished" and all(g.engine in GRADE_ENGINES for g in finished.grades.values())
    from bot.storage.repository import SessionRepository

    reloaded = SessionRepository(settings.database_url).load(session_id)
    assert [t.text for t in reloaded.turns] == [t.text for t in finished.turns]
    assert [t.role for t in reloaded.turns][:5] == ["interviewer", "candidate", "interviewer", "candidate",
                                                    "interviewer"]
