"""Calls a chat model with bounded retries and backoff, records usage, and never lets a secret into an error."""

from __future__ import annotations

import email.utils
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from bot.llm import budget as tokens
from bot.llm import usage as meter
from bot.llm.budget import TokenBudget
from bot.llm.structured import StructuredOutputError, json_schema, parse_reply, reply_text
from bot.llm.usage import Pricing

T = TypeVar("T", bound=BaseModel)
Mode = Literal["json_schema", "json_object", "text"]
MODES: tuple[Mode, ...] = ("json_schema", "json_object", "text")
_KEY_PATTERNS = (re.compile(r"\bsk-[A-Za-z0-9_\-]{6,}"), re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._\-]{6,}"),
                 re.compile(r"(?i)((?:api[_-]?key|authorization)[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]{6,}"))
_FORMAT_ERROR = re.compile(r"response_format|json_schema|structured output|grammar|not supported", re.I)


class LLMUnavailable(RuntimeError):
    """The model could not be used for this call (retries exhausted, or a failure retrying cannot fix)."""


class FormatRejected(LLMUnavailable):
    """The server refused the requested structured-output format."""


class ReplyTruncated(LLMUnavailable):
    """The reply hit the output-token limit (asking again at temperature 0 would only repeat it)."""


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with the given secrets and anything shaped like an API key or bearer token replaced by ***."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    text = _KEY_PATTERNS[0].sub("sk-***", text)
    return _KEY_PATTERNS[2].sub(r"\1***", _KEY_PATTERNS[1].sub(r"\1***", text))


class RedactingFilter(logging.Filter):
    """Redacts secrets from every record passing through the loggers it is attached to."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message, self.secrets)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def protect_logs(secrets: Iterable[str]) -> None:
    """Attach a redacting filter to the HTTP and SDK loggers (idempotent per secret set)."""
    wanted = tuple(s for s in secrets if s)
    for name in ("openai", "httpx", "httpx2", "httpcore", "langchain_openai", "bot"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) and f.secrets == wanted for f in logger.filters):
            logger.addFilter(RedactingFilter(wanted))


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: exponential backoff from `backoff_s`, Retry-After honoured, every wait capped."""

    max_retries: int = 2
    backoff_s: float = 0.5
    max_wait_s: float = 20.0

    def wait(self, retry: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number `retry` (0-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_wait_s)
        return min(self.backoff_s * (2 ** retry), self.max_wait_s)


def status_of(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    if status is None:
        status = getattr(getattr(exc, "response", None), "status_code", None)
    return status if isinstance(status, int) else None


def retry_after(exc: BaseException) -> float | None:
    """The server's Retry-After (seconds or an HTTP date) or retry-after-ms, when the error carries one."""
    headers = getattr(getattr(exc, "response", None), "headers", None)
    if not headers:
        return None
    try:
        if headers.get("retry-after-ms"):
            return float(headers["retry-after-ms"]) / 1000
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def is_transient(exc: BaseException) -> bool:
    """Timeouts, refused connections, 408/409/429, 5xx and unreadable responses: worth another try."""
    import openai

    if isinstance(exc, openai.APIConnectionError | openai.APIResponseValidationError | json.JSONDecodeError
                  | TimeoutError | ConnectionError):
        return True
    status = status_of(exc)
    return status is not None and (status in (408, 409, 429) or status >= 500)


def rejects_format(exc: BaseException) -> bool:
    """A server refusing the structured-output request itself (e.g. llama.cpp answers json_schema with a 500)."""
    status = status_of(exc)
    return status is not None and status in (400, 404, 415, 422, 500, 501) and bool(_FORMAT_ERROR.search(str(exc)))


@dataclass
class Reply:
    """A model's reply text and what it cost."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    counted: bool


def _usage_of(message: Any) -> tuple[int, int] | None:
    data = getattr(message, "usage_metadata", None)
    if not data:
        return None
    return int(data.get("input_tokens", 0)), int(data.get("output_tokens", 0))


def _prompt_tokens(messages: list[Any]) -> int:
    return tokens.count_messages([(getattr(m, "type", "user"), reply_text(m)) for m in messages])


@dataclass
class LLMClient:
    """The one way the product calls a chat model: retries, structured output with fallback modes, usage."""

    model: Any
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    pricing: Pricing = field(default_factory=Pricing)
    budget: TokenBudget = field(default_factory=lambda: TokenBudget(context=8192, reserve=800))
    secrets: tuple[str, ...] = ()
    mode: Mode = "json_schema"
    sleep: Callable[[float], None] = time.sleep

    @classmethod
    def wrap(cls, model: Any) -> LLMClient:
        return model if isinstance(model, LLMClient) else cls(model=model)

    def _unavailable(self, exc: BaseException, attempts: int) -> LLMUnavailable:
        detail = " ".join(str(exc).split())[:300] or type(exc).__name__
        return LLMUnavailable(redact(f"{type(exc).__name__} after {attempts} attempt(s): {detail}", self.secrets))

    def _retrying(self, call: Callable[[], Reply], started: Callable[[], bool] = lambda: False,
                  formatted: bool = False) -> Reply:
        retry = 0
        while True:
            try:
                return call()
            except ReplyTruncated:
                raise
            except Exception as exc:  # noqa: BLE001 - classified below; never escapes unredacted
                if formatted and rejects_format(exc):
                    raise FormatRejected(self._unavailable(exc, retry + 1).args[0]) from None
                if not is_transient(exc) or retry >= self.policy.max_retries or started():
                    raise self._unavailable(exc, retry + 1) from None
                self.sleep(self.policy.wait(retry, retry_after(exc)))
                retry += 1

    def _record(self, messages: list[Any], message: Any, text: str) -> Reply:
        reported = _usage_of(message)
        estimate = _prompt_tokens(messages)
        prompt, completion = reported or (estimate, tokens.count(text))
        meter.record_call(prompt, completion, self.pricing.cost(prompt, completion), self.budget.prompt,
                          counted=reported is None, estimate=estimate)
        return Reply(text=text, prompt_tokens=prompt, completion_tokens=completion, counted=reported is None)

    def invoke(self, messages: list[Any], **kwargs: Any) -> Reply:
        """One reply, retried on transient failures; raises LLMUnavailable (redacted) when it cannot be had."""
        def call() -> Reply:
            import openai

            try:
                message = self.model.invoke(messages, **kwargs)
            except openai.LengthFinishReasonError as exc:  # the SDK's structured-output parser refuses a cut reply
                spent = getattr(getattr(exc, "completion", None), "usage", None)
                if spent is not None:
                    prompt, completion = int(spent.prompt_tokens), int(spent.completion_tokens)
                    meter.record_call(prompt, completion, self.pricing.cost(prompt, completion), self.budget.prompt,
                                      estimate=_prompt_tokens(messages))
                raise ReplyTruncated(f"the reply was cut at the {self.budget.reserve}-token output limit") from None
            return self._record(messages, message, reply_text(message))
        return self._retrying(call, formatted="response_format" in kwargs)

    def stream(self, messages: list[Any], on_text: Callable[[str], None]) -> Reply:
        """Stream the reply to `on_text` piece by piece; retried only while nothing has been streamed."""
        streamed: list[str] = []

        def call() -> Reply:
            full: Any = None
            for chunk in self.model.stream(messages):
                piece = reply_text(chunk)
                full = chunk if full is None else full + chunk
                if piece:
                    streamed.append(piece)
                    on_text(piece)
            return self._record(messages, full, "".join(streamed))
        return self._retrying(call, started=lambda: bool(streamed))

    def structured(self, messages: list[Any], schema: type[T], defaults: dict[str, Any] | None = None,
                   attempts: int = 2, exclude: frozenset[str] = frozenset()) -> T:
        """A reply validated against `schema`: JSON schema where the server supports it, else JSON mode, else
        plain text parsed leniently. Invalid output is asked again (`attempts` in all), then StructuredOutputError."""
        last: Exception | None = None
        tries = 0
        while tries < attempts:
            try:
                reply = self.invoke(messages, **self._format_kwargs(schema, exclude))
            except FormatRejected:
                if self.mode == "text":
                    raise StructuredOutputError("the server rejects plain requests") from None
                self.mode = MODES[MODES.index(self.mode) + 1]  # remembered for the next calls
                continue
            except ReplyTruncated as exc:
                raise StructuredOutputError(str(exc)) from None
            except LLMUnavailable as exc:
                raise StructuredOutputError(str(exc)) from None
            tries += 1
            try:
                return parse_reply(reply.text, schema, defaults)
            except StructuredOutputError as exc:
                last = exc
        raise StructuredOutputError(str(last))

    def _format_kwargs(self, schema: type[BaseModel], exclude: frozenset[str]) -> dict[str, Any]:
        if self.mode == "json_schema":
            body = {"name": schema.__name__, "schema": json_schema(schema, exclude), "strict": False}
            return {"response_format": {"type": "json_schema", "json_schema": body}}
        if self.mode == "json_object":
            return {"response_format": {"type": "json_object"}}
        return {}
