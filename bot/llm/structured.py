"""Validated structured output: every LLM reply is parsed into a pydantic model or raises a domain error."""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

T = TypeVar("T", bound=BaseModel)
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


class StructuredOutputError(ValueError):
    """The model's reply could not be turned into the expected structure."""


def reply_text(reply: Any) -> str:
    """The text of a LangChain message (content may be a string or a list of parts)."""
    content = getattr(reply, "content", reply)
    if isinstance(content, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    return str(content)


def extract_json(text: str) -> Any:
    """The first JSON object in `text` (bare, or inside a ```json fence)."""
    fenced = _FENCE.search(text)
    candidate = fenced.group(1) if fenced else text
    start = candidate.find("{")
    if start < 0:
        raise StructuredOutputError("the reply contains no JSON object")
    try:
        value, _ = json.JSONDecoder().raw_decode(candidate[start:])
    except json.JSONDecodeError as exc:
        raise StructuredOutputError(f"the reply is not valid JSON: {exc.msg} at {exc.pos}") from exc
    return value


def parse_reply(reply: Any, schema: type[T], defaults: dict[str, Any] | None = None) -> T:
    """Validate the JSON in `reply` against `schema`, after filling `defaults` the model need not send."""
    data = extract_json(reply_text(reply))
    if not isinstance(data, dict):
        raise StructuredOutputError("the reply's JSON is not an object")
    try:
        return schema.model_validate({**data, **(defaults or {})})
    except ValidationError as exc:
        raise StructuredOutputError(f"the reply does not match {schema.__name__}: {exc.error_count()} errors") from exc


def json_schema(schema: type[BaseModel], exclude: set[str] | frozenset[str]) -> dict[str, Any]:
    """The JSON schema of `schema` without the fields we fill ourselves."""
    full = schema.model_json_schema()
    full["properties"] = {k: v for k, v in full.get("properties", {}).items() if k not in exclude}
    full["required"] = [k for k in full.get("required", []) if k not in exclude]
    return full


def schema_hint(schema: type[BaseModel], exclude: set[str] | frozenset[str]) -> str:
    """A compact JSON schema of `schema` without the fields we fill ourselves, for the prompt."""
    return json.dumps(json_schema(schema, exclude), separators=(",", ":"))
