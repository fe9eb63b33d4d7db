"""Tokens and estimated cost of LLM calls, collected per interviewer turn (thread- and context-local)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

# USD per million tokens (input, output), for the estimate when no price is configured; unknown models cost 0.
KNOWN_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1": (2.00, 8.00),
}


@dataclass(frozen=True)
class Pricing:
    """Prices in USD per million tokens."""

    input_per_mtok: float = 0.0
    output_per_mtok: float = 0.0

    @classmethod
    def for_model(cls, model: str, input_per_mtok: float | None = None,
                  output_per_mtok: float | None = None) -> Pricing:
        """Configured prices win; else the known list (longest matching prefix); else free (a local server)."""
        known = next((KNOWN_PRICES[k] for k in sorted(KNOWN_PRICES, key=len, reverse=True)
                      if model.startswith(k)), (0.0, 0.0))
        return cls(input_per_mtok if input_per_mtok is not None else known[0],
                   output_per_mtok if output_per_mtok is not None else known[1])

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input_per_mtok + completion_tokens * self.output_per_mtok) / 1_000_000


@dataclass
class Usage:
    """What the LLM calls of one turn spent, and how they ended."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    calls: int = 0
    fallbacks: int = 0
    counted: int = 0  # calls whose tokens were counted locally (the server reported no usage)
    budget: int = 0  # the largest prompt budget in force during these calls
    reasons: list[str] = field(default_factory=list)
    per_call: list[tuple[int, int]] = field(default_factory=list)  # (prompt tokens used, our tiktoken estimate)

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add_call(self, prompt_tokens: int, completion_tokens: int, cost: float, counted: bool = False) -> None:
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
        self.cost += cost
        self.calls += 1
        self.counted += int(counted)

    def merge(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.cost += other.cost
        self.calls += other.calls
        self.fallbacks += other.fallbacks
        self.counted += other.counted
        self.budget = max(self.budget, other.budget)
        self.reasons.extend(other.reasons)
        self.per_call.extend(other.per_call)

    def engine(self) -> str:
        """The engine to mark a turn with: a fallback wins, then the LLM, else the grounded engine."""
        if self.fallbacks:
            return "grounded-fallback"
        return "llm" if self.calls else "grounded"


_CURRENT: ContextVar[Usage | None] = ContextVar("mockinterview_llm_usage", default=None)


@contextmanager
def capture() -> Iterator[Usage]:
    """Collect the usage of every LLM call made inside the block; a nested block's usage also counts in the
    enclosing one when it ends."""
    parent = _CURRENT.get()
    usage = Usage()
    token = _CURRENT.set(usage)
    try:
        yield usage
    finally:
        _CURRENT.reset(token)
        if parent is not None:
            parent.merge(usage)


def current() -> Usage | None:
    return _CURRENT.get()


def record_call(prompt_tokens: int, completion_tokens: int, cost: float, budget: int = 0,
                counted: bool = False, estimate: int | None = None) -> None:
    usage = _CURRENT.get()
    if usage is not None:
        usage.add_call(prompt_tokens, completion_tokens, cost, counted)
        usage.budget = max(usage.budget, budget)
        usage.per_call.append((prompt_tokens, prompt_tokens if estimate is None else estimate))


def record_fallback(reason: str) -> None:
    usage = _CURRENT.get()
    if usage is not None:
        usage.fallbacks += 1
        usage.reasons.append(reason)
