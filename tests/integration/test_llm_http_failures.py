"""The OpenAI-compatible path against a real HTTP server of the test's own that answers 429, 5xx and bad JSON."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bot.domain.filters import QuestionFilter
from bot.grading.grounded import GroundedGrader
from bot.grading.rubrics import rubric_for
from bot.grading.service import GradingService
from bot.ingest.pipeline import ingest
from bot.interview.interviewer import Interviewer
from bot.interview.phraser import LLMPhraser
from bot.llm.factory import build_client
from bot.retrieval.store import ChromaStore
from bot.settings import Settings
from bot.storage.repository import SessionRepository
from tests.fakes import HashingEmbedder
from tests.unit.test_interviewer import BANK, PARTIAL

pytestmark = pytest.mark.integration
KEY = "sk-test-9f8e7d6c5b4a39281706secret"
FOLLOW_UP = "How would you explain a blocked payment to a legal reviewer?"


def completion(text: str, prompt_tokens: int = 321, completion_tokens: int = 12) -> dict[str, Any]:
    return {"id": "c1", "object": "chat.completion", "created": 0, "model": "test-model",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens}}


def grade_json(overall: int = 70) -> str:
    rubric = rubric_for(BANK[0]["category"])
    return json.dumps({"overall": overall, "dimensions": [
        {"key": d.key, "name": d.name, "weight": d.weight, "score": 3, "justification": "Partial.",
         "evidence": ["Kafka"]} for d in rubric.dimensions], "strengths": ["Streaming design."],
        "improvements": ["Cover class imbalance."]})


class FakeServer:
    """Answers /v1/chat/completions from a queue of (status, headers, body); an empty queue answers 500."""

    def __init__(self) -> None:
        self.queue: list[tuple[int, dict[str, str], Any]] = []
        self.requests: list[tuple[float, dict[str, Any], str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                server.requests.append((time.monotonic(), body, self.headers.get("authorization", "")))
                status, headers, payload = server.queue.pop(0) if server.queue else (500, {}, {"error": "down"})
                if body.get("stream") and status == 200:
                    self._stream(str(payload))
                    return
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                for name, value in {"content-type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, text: str) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                for word in text.split(" "):
                    chunk = {"id": "s1", "object": "chat.completion.chunk", "created": 0, "model": "test-model",
                             "choices": [{"index": 0, "delta": {"content": word + " "}, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer()
    yield fake
    fake.close()


def settings_for(url: str, tmp_path: Path, **extra: Any) -> Settings:
    values = {"llm": "openai-compatible", "llm_base_url": url, "llm_model": "test-model", "OPENAI_API_KEY": KEY,
              "llm_max_retries": 2, "llm_backoff_s": 0.05, "llm_max_wait_s": 2.0, "llm_timeout": 5.0,
              "database_url": f"sqlite:///{tmp_path / 'sessions.db'}"}
    return Settings(**{**values, **extra})


def interviewer_for(settings: Settings, tmp_path: Path) -> Interviewer:
    """The product's interviewer with the configured LLM client (the test embedder keeps it quick)."""
    (tmp_path / "bank.json").write_text(json.dumps(BANK), encoding="utf-8")
    embedder = HashingEmbedder()
    store = ChromaStore.open(path=tmp_path / "index", embedder_name=embedder.name, dim=embedder.dim)
    ingest([tmp_path / "bank.json"], store, embedder)
    client = build_client(settings)
    assert client is not None
    from bot.grading.llm_judge import LLMJudge

    grading = GradingService(store=store, embedder=embedder, grounded=GroundedGrader(embedder),
                             judge=LLMJudge(client))
    return Interviewer(repo=SessionRepository(settings.database_url), grading=grading, phraser=LLMPhraser(client))


def fraud_session(interviewer: Interviewer) -> str:
    question = interviewer.choose("ana", QuestionFilter(), 1, topic="fraud detection")[0]
    return interviewer.start("ana", [question], depth=2)[0].id


def test_429_with_retry_after_is_waited_out_then_the_grade_and_follow_up_use_the_llm(
        server: FakeServer, tmp_path: Path) -> None:
    server.queue = [(429, {"retry-after": "1"}, {"error": {"message": "slow down"}}),
                    (200, {}, completion(grade_json())), (200, {}, completion(FOLLOW_UP, 200, 15))]
    interviewer = interviewer_for(settings_for(server.url, tmp_path), tmp_path)
    session_id = fraud_session(interviewer)
    reply = interviewer.respond(session_id, PARTIAL)[0]
    assert reply.kind == "follow_up" and reply.text == FOLLOW_UP and reply.engine == "llm"
    assert reply.prompt_tokens == 321 + 200 and reply.completion_tokens == 12 + 15  # from the responses' usage
    (first, _, auth), (second, body, _) = server.requests[:2]
    assert second - first >= 0.95 and auth == f"Bearer {KEY}"
    assert body["response_format"]["type"] == "json_schema" and body["max_tokens"] == 800


def test_5xx_then_grounded_fallback_for_that_turn_and_nothing_is_lost(
        server: FakeServer, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    interviewer = interviewer_for(settings_for(server.url, tmp_path), tmp_path)
    session_id = fraud_session(interviewer)
    reply = interviewer.respond(session_id, PARTIAL)[0]  # every request answers 500
    assert reply.engine == "grounded-fallback" and reply.kind == "follow_up" and reply.text
    assert len(server.requests) == 2 * 3  # judge and phraser: 1 try + 2 retries each
    server.queue = [(200, {}, completion(grade_json())), (200, {}, completion("What did you personally own?"))]
    later = interviewer.respond(session_id, "I owned the feature store.")[0]
    assert later.engine == "llm"
    session = interviewer.repo.load(session_id)
    assert [t.role for t in session.turns] == ["interviewer", "candidate", "interviewer", "candidate", "interviewer"]
    assert KEY not in caplog.text
    assert KEY.encode() not in (tmp_path / "sessions.db").read_bytes()


def test_malformed_json_body_and_content_are_retried_then_fall_back(server: FakeServer, tmp_path: Path) -> None:
    interviewer = interviewer_for(settings_for(server.url, tmp_path, llm_max_retries=1), tmp_path)
    question = interviewer.grading.store.questions()[0]
    server.queue = [(200, {}, b"{not json"), (200, {}, completion("not json at all")),
                    (200, {}, completion('{"overall": "high"}'))]
    grade = interviewer.grading.grade(question, PARTIAL)
    assert grade.engine == "grounded-fallback" and "does not match JudgeVerdict" in grade.notes
    assert len(server.requests) == 3 and not server.queue


def test_a_server_rejecting_json_schema_gets_json_mode(server: FakeServer, tmp_path: Path) -> None:
    interviewer = interviewer_for(settings_for(server.url, tmp_path), tmp_path)
    question = next(q for q in interviewer.grading.store.questions() if q.title == BANK[0]["title"])
    server.queue = [(500, {}, {"error": {"message": "response_format type json_schema is not supported"}}),
                    (200, {}, completion(grade_json(90)))]
    grade = interviewer.grading.grade(question, PARTIAL)
    assert grade.engine == "llm+grounded"
    assert [r[1].get("response_format", {}).get("type") for r in server.requests] == ["json_schema", "json_object"]


def test_connection_refused_falls_back_with_a_redacted_reason(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    interviewer = interviewer_for(settings_for(f"http://127.0.0.1:{port}/v1", tmp_path), tmp_path)
    started = time.monotonic()
    grade = interviewer.grading.grade(interviewer.grading.store.questions()[0], PARTIAL)
    assert grade.engine == "grounded-fallback" and "ConnectionError after 3 attempt" in grade.notes
    assert KEY not in grade.notes and time.monotonic() - started < 5


def test_streamed_follow_up_arrives_in_pieces(server: FakeServer, tmp_path: Path) -> None:
    server.queue = [(200, {}, completion(grade_json())), (200, {}, FOLLOW_UP)]
    interviewer = interviewer_for(settings_for(server.url, tmp_path), tmp_path)
    session_id = fraud_session(interviewer)
    pieces: list[str] = []
    reply = interviewer.respond(session_id, PARTIAL, on_text=pieces.append)[0]
    assert len(pieces) > 5 and "".join(pieces).strip() == reply.text == FOLLOW_UP
    assert reply.completion_tokens > 0 and server.requests[1][1]["stream"] is True
