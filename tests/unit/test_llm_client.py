"""The LLM client offline: token budget and truncation, retry/backoff policy, redaction, structured output modes."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx2
import openai
import pytest
from pydantic import BaseModel

from bot.llm import usage
from bot.llm.budget import BudgetExceeded, TokenBudget, count, truncate
from bot.llm.client import LLMClient, LLMUnavailable, RedactingFilter, RetryPolicy, redact, retry_after
from bot.llm.structured import StructuredOutputError
from bot.llm.usage import Pricing
from tests.fakes import ScriptedChatModel

KEY = "sk-proj-AbCdEf0123456789secretvalue"
URL = "http://127.0.0.1:9/v1/chat/completions"


def status_error(status: int, message: str = "error", headers: dict[str, str] | None = None) -> openai.APIStatusError:
    response = httpx2.Response(status, headers=headers or {}, request=httpx2.Request("POST", URL))
    kinds = {429: openai.RateLimitError, 500: openai.InternalServerError, 400: openai.BadRequestError}
    return kinds.get(status, openai.APIStatusError)(message, response=response, body=None)


def refused() -> openai.APIConnectionError:
    return openai.APIConnectionError(request=httpx2.Request("POST", URL))


class Answer(BaseModel):
    score: int
    reason: str


def client(replies: list[object], retries: int = 2) -> tuple[LLMClient, ScriptedChatModel, list[float]]:
    model = ScriptedChatModel(replies=replies)
    waits: list[float] = []
    return (LLMClient(model=model, policy=RetryPolicy(retries, backoff_s=0.5, max_wait_s=5.0), secrets=(KEY,),
                      sleep=waits.append), model, waits)


# -- budgeting ---------------------------------------------------------------------------------------------

def test_truncation_keeps_the_head_or_tail_within_the_limit_and_says_so() -> None:
    text = " ".join(f"word{i}" for i in range(2000))
    head, omitted = truncate(text, 200)
    assert count(head) <= 200 and omitted > 1000
    assert head.startswith("word0 ") and f"[… {omitted} tokens of the answer omitted" in head
    tail, _ = truncate(text, 200, keep="tail")
    assert tail.startswith("[…") and tail.endswith("word1999")
    assert truncate("short answer", 200) == ("short answer", 0)


def test_budget_keeps_chunks_by_rank_and_truncates_a_long_answer() -> None:
    budget = TokenBudget(context=1000, reserve=200)  # 900 * 0.9 rounding: prompt may use 700
    assert budget.prompt == 700
    chunks = [f"[section {i}] " + "detail " * 90 for i in range(6)]  # ~100 tokens each
    answer = "I would " + "measure things carefully " * 300
    fitted = budget.fit(fixed_tokens=100, answer=answer, chunks=chunks)
    assert fitted.answer_omitted > 0 and "tokens of the answer omitted" in fitted.answer
    assert fitted.chunks == chunks[:len(fitted.chunks)] and fitted.dropped == 6 - len(fitted.chunks) > 0
    assert fitted.prompt_tokens <= budget.prompt
    short = budget.fit(fixed_tokens=100, answer="A short answer.", chunks=chunks)
    assert short.answer_omitted == 0 and len(short.chunks) > len(fitted.chunks)
    with pytest.raises(BudgetExceeded, match="context 1000"):
        budget.fit(fixed_tokens=690, answer="x", chunks=[])


# -- retries and backoff -----------------------------------------------------------------------------------

def test_backoff_doubles_and_retry_after_is_honoured_but_capped() -> None:
    policy = RetryPolicy(max_retries=5, backoff_s=0.5, max_wait_s=5.0)
    assert [policy.wait(i) for i in range(5)] == [0.5, 1.0, 2.0, 4.0, 5.0]
    assert policy.wait(0, retry_after=3.0) == 3.0 and policy.wait(0, retry_after=120) == 5.0
    assert retry_after(status_error(429, headers={"retry-after": "7"})) == 7.0
    assert retry_after(status_error(429, headers={"retry-after-ms": "250"})) == 0.25
    assert retry_after(status_error(429)) is None


def test_transient_failures_are_retried_then_succeed() -> None:
    llm, model, waits = client([status_error(429, headers={"retry-after": "3"}), status_error(500), "fine"])
    with usage.capture() as spent:
        assert llm.invoke([]).text == "fine"
    assert waits == [3.0, 1.0] and not model.replies
    assert spent.calls == 1 and spent.completion_tokens == 1 and spent.counted == 1


def test_retries_are_bounded_and_the_error_is_redacted() -> None:
    llm, model, waits = client([refused(), refused(), status_error(503, f"upstream said Bearer {KEY}"), "late"])
    with pytest.raises(LLMUnavailable) as failure:
        llm.invoke([])
    assert waits == [0.5, 1.0] and model.replies == ["late"]
    assert KEY not in str(failure.value) and "***" in str(failure.value) and "3 attempt" in str(failure.value)


def test_non_transient_errors_are_not_retried() -> None:
    llm, model, waits = client([status_error(400, "bad request"), "unused"])
    with pytest.raises(LLMUnavailable, match="BadRequestError"):
        llm.invoke([])
    assert waits == [] and model.replies == ["unused"]


# -- secrets -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [f"key {KEY} refused", "Authorization: Bearer abcdef123456789",
                                  '{"api_key": "ghp_0123456789abcdef"}', "OPENAI_API_KEY=zz-custom-secret-9"])
def test_redaction_hides_keys_tokens_and_configured_secrets(text: str) -> None:
    clean = redact(text, secrets=(KEY, "zz-custom-secret-9"))
    assert "***" in clean
    for secret in (KEY, "abcdef123456789", "ghp_0123456789abcdef", "zz-custom-secret-9"):
        assert secret not in clean


def test_log_records_are_redacted() -> None:
    record = logging.LogRecord("openai", logging.DEBUG, __file__, 1, "headers %s", ({"api_key": KEY},), None)
    assert RedactingFilter((KEY,)).filter(record) and KEY not in record.getMessage()


# -- structured output -------------------------------------------------------------------------------------

def test_structured_output_falls_back_from_json_schema_when_the_server_rejects_it() -> None:
    rejected = status_error(500, "response_format type json_schema is not supported")
    llm, _, waits = client([rejected, '```json\n{"score": 4, "reason": "ok"}\n```'])
    assert llm.structured([], Answer) == Answer(score=4, reason="ok")
    assert llm.mode == "json_object" and waits == []  # remembered; a format refusal is not a retry


def test_malformed_json_is_asked_again_once_then_fails() -> None:
    llm, model, _ = client(["{not json", '{"score": "high"}', '{"score": 1, "reason": "never read"}'])
    with pytest.raises(StructuredOutputError, match="does not match Answer"):
        llm.structured([], Answer)
    assert len(model.prompts) == 2


def test_usage_is_priced_and_attributed_to_the_capturing_turn() -> None:
    llm, _, _ = client(["one two three"])
    llm.pricing = Pricing.for_model("gpt-4o-mini")
    with usage.capture() as spent:
        llm.invoke([])
        usage.record_fallback("grade: down")
    assert spent.completion_tokens == 3
    assert spent.cost == pytest.approx(3 * 0.60 / 1e6 + spent.prompt_tokens * 0.15 / 1e6)
    assert spent.engine() == "grounded-fallback"
    with usage.capture() as outer:
        with usage.capture() as inner:
            client(["four words are here"])[0].invoke([])
        assert inner.completion_tokens == 4 and outer.completion_tokens == 4  # counted in both
    assert Pricing.for_model("SmolLM2-135M").cost(1000, 1000) == 0.0
    assert Pricing.for_model("gpt-4o", input_per_mtok=1.0).input_per_mtok == 1.0


def test_factory_builds_a_client_with_the_settings_and_hides_credentials() -> None:
    from bot.llm.factory import build_client, describe_engine
    from bot.settings import Settings

    settings = Settings(llm="openai-compatible", llm_base_url="http://user:pw@127.0.0.1:9/v1", llm_model="tiny",
                        llm_context_tokens=2048, llm_max_output_tokens=128, llm_max_retries=4,
                        **{"OPENAI_API_KEY": KEY})  # type: ignore[arg-type]
    built = build_client(settings)
    assert built is not None and built.budget.prompt == int(2048 * 0.9) - 128
    assert built.policy.max_retries == 4 and built.model.max_retries == 0  # our policy retries, not the SDK's
    assert built.model.extra_body == {"max_tokens": 128} and built.secrets == (KEY,)
    assert "pw" not in describe_engine(settings) and KEY not in repr(settings)
    assert build_client(Settings(llm="none")) is None


def test_a_missing_server_venv_names_the_command_that_builds_it(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.llm import local_server

    monkeypatch.setenv("MOCKINTERVIEW_LLM_SERVER_VENV", str(tmp_path / "absent"))
    with pytest.raises(local_server.ServerEnvMissing, match="make llm-server-env"):
        local_server.start(tmp_path / "server.log")


def test_a_reply_cut_at_the_length_limit_is_counted_and_not_asked_again() -> None:
    from openai.types import CompletionUsage
    from openai.types.chat import ChatCompletion

    cut = ChatCompletion.model_validate({
        "id": "c", "object": "chat.completion", "created": 0, "model": "m",
        "choices": [{"index": 0, "finish_reason": "length", "message": {"role": "assistant", "content": '{"sc'}}],
        "usage": CompletionUsage(prompt_tokens=900, completion_tokens=256, total_tokens=1156).model_dump()})
    llm, model, waits = client([openai.LengthFinishReasonError(completion=cut), '{"score": 1, "reason": "x"}'])
    with usage.capture() as spent, pytest.raises(StructuredOutputError, match="output limit"):
        llm.structured([], Answer)
    assert spent.prompt_tokens == 900 and spent.completion_tokens == 256 and waits == [] and len(model.prompts) == 1
