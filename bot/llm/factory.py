"""Chat-model factory: OpenAI, any OpenAI-compatible server by URL, or none (the grounded engine)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import SecretStr

from bot.llm.budget import TokenBudget
from bot.llm.client import LLMClient, RetryPolicy, protect_logs
from bot.llm.usage import Pricing
from bot.settings import Settings

_USERINFO = re.compile(r"//[^/@]*@")


def safe_url(url: str) -> str:
    """A URL fit to show: any user:password@ part removed."""
    return _USERINFO.sub("//***@", url)


def describe_engine(settings: Settings) -> str:
    """A plain description of the engine in use, for the UI and CLI."""
    backend = settings.resolved_llm()
    if backend == "none":
        return "grounded (offline, deterministic)"
    where = safe_url(settings.llm_base_url) if settings.llm_base_url else "api.openai.com"
    return f"{settings.llm_model} via {backend} ({where}) + grounded evidence"


def secrets_of(settings: Settings) -> tuple[str, ...]:
    """The secret values to keep out of logs and messages."""
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
    return (key,) if key else ()


def build_chat_model(settings: Settings, streaming: bool = False) -> Any | None:
    """A LangChain chat model at temperature 0, or None when no LLM is configured.

    The SDK's own retries are off: `LLMClient` retries with the configured policy and then falls back.
    """
    backend = settings.resolved_llm()
    if backend == "none":
        return None
    from langchain_openai import ChatOpenAI

    protect_logs(secrets_of(settings))
    key = settings.llm_api_key or SecretStr("not-needed")
    compatible = backend == "openai-compatible"
    # `streaming=False` given explicitly would turn `.stream()` off too, so it is only passed when True
    extra: dict[str, Any] = {"streaming": True} if streaming else {}
    return ChatOpenAI(
        model=settings.llm_model, base_url=settings.llm_base_url if compatible else None,
        api_key=key, temperature=0, timeout=settings.llm_timeout, max_retries=0,
        stream_usage=True, max_completion_tokens=settings.llm_max_output_tokens,
        # many compatible servers (llama.cpp among them) only read the older `max_tokens`
        extra_body={"max_tokens": settings.llm_max_output_tokens} if compatible else None, **extra,
    )


def build_client(settings: Settings) -> LLMClient | None:
    """The chat model wrapped with retries, the token budget and prices, or None for the grounded engine."""
    model = build_chat_model(settings)
    if model is None:
        return None
    mode = "json_schema" if settings.llm_structured == "auto" else settings.llm_structured
    return LLMClient(
        model=model,
        policy=RetryPolicy(settings.llm_max_retries, settings.llm_backoff_s, settings.llm_max_wait_s),
        pricing=Pricing.for_model(settings.llm_model, settings.llm_input_cost_per_mtok,
                                  settings.llm_output_cost_per_mtok),
        budget=TokenBudget(context=settings.llm_context_tokens, reserve=settings.llm_max_output_tokens),
        secrets=secrets_of(settings), mode=mode,
    )
