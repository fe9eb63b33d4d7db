"""Chat-model factory: OpenAI, any OpenAI-compatible server by URL, or none (the grounded engine)."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from bot.settings import Settings


def describe_engine(settings: Settings) -> str:
    """A plain description of the engine in use, for the UI and CLI."""
    backend = settings.resolved_llm()
    if backend == "none":
        return "grounded (offline, deterministic)"
    where = settings.llm_base_url or "api.openai.com"
    return f"{settings.llm_model} via {backend} ({where}) + grounded evidence"


def build_chat_model(settings: Settings, streaming: bool = False) -> Any | None:
    """A LangChain chat model at temperature 0, or None when no LLM is configured."""
    backend = settings.resolved_llm()
    if backend == "none":
        return None
    from langchain_openai import ChatOpenAI

    key = settings.llm_api_key or SecretStr("not-needed")
    return ChatOpenAI(
        model=settings.llm_model, base_url=settings.llm_base_url if backend == "openai-compatible" else None,
        api_key=key, temperature=0, timeout=settings.llm_timeout, max_retries=settings.llm_max_retries,
        streaming=streaming,
    )
