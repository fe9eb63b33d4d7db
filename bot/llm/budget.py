"""Token budgeting with tiktoken: what a prompt may spend, texts truncated with a visible marker, chunks by rank."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import tiktoken

from bot.ingest.splitter import encoding_name

SAFETY = 0.9  # tiktoken's count is an estimate for models with other tokenizers: keep 10% of the window spare
PER_MESSAGE = 4  # chat formatting overhead per message
TRUNCATION_MARKER = "[… {omitted} tokens of the answer omitted to fit the model's context …]"


class BudgetExceeded(ValueError):
    """Even the fixed part of the prompt does not fit the model's context."""


def _encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(encoding_name())


def count(text: str) -> int:
    """Tokens in `text` (cl100k)."""
    return len(_encoding().encode(text))


def count_messages(messages: list[tuple[str, str]]) -> int:
    """Tokens of a chat prompt given as (role, text) pairs, with the per-message overhead."""
    return sum(count(text) + PER_MESSAGE for _, text in messages) + 2


def truncate(text: str, max_tokens: int, keep: Literal["head", "tail"] = "head") -> tuple[str, int]:
    """`text` cut to at most `max_tokens` (marker included) and the number of tokens omitted (0 when it fits)."""
    encoding = _encoding()
    tokens = encoding.encode(text)
    if len(tokens) <= max_tokens:
        return text, 0
    marker_cost = count(TRUNCATION_MARKER.format(omitted=len(tokens))) + 2
    kept = max(0, max_tokens - marker_cost)
    omitted = len(tokens) - kept
    marker = TRUNCATION_MARKER.format(omitted=omitted)
    if keep == "head":
        return f"{encoding.decode(tokens[:kept]).rstrip()}\n{marker}", omitted
    return f"{marker}\n{encoding.decode(tokens[len(tokens) - kept:]).lstrip()}", omitted


@dataclass
class Fitted:
    """What made it into a prompt: chunks kept (in rank order), chunks dropped, answer tokens omitted."""

    chunks: list[str] = field(default_factory=list)
    dropped: int = 0
    answer: str = ""
    answer_omitted: int = 0
    prompt_tokens: int = 0
    budget: int = 0


@dataclass(frozen=True)
class TokenBudget:
    """The model's context window split into the reply's reserve and what the prompt may use."""

    context: int
    reserve: int

    @property
    def prompt(self) -> int:
        """Tokens the prompt may use."""
        return int(self.context * SAFETY) - self.reserve

    def fit(self, fixed_tokens: int, answer: str, chunks: list[str], answer_share: float = 0.5,
            keep: Literal["head", "tail"] = "head") -> Fitted:
        """Fit the answer (up to `answer_share` of what is free, truncated with a marker) and then as many
        reference chunks as fit, best-ranked first, around a prompt whose other parts cost `fixed_tokens`."""
        free = self.prompt - fixed_tokens
        if free < 64:
            raise BudgetExceeded(f"the prompt needs {fixed_tokens} tokens before the answer, but the context "
                                 f"allows {self.prompt} (context {self.context}, reply reserve {self.reserve})")
        answer_cost = count(answer)
        answer_cap = free if not chunks else max(32, int(free * answer_share))
        text, omitted = truncate(answer, answer_cap, keep) if answer_cost > answer_cap else (answer, 0)
        used = fixed_tokens + count(text)
        kept: list[str] = []
        for chunk in chunks:
            cost = count(chunk) + 2
            if used + cost > self.prompt:
                break
            kept.append(chunk)
            used += cost
        return Fitted(chunks=kept, dropped=len(chunks) - len(kept), answer=text, answer_omitted=omitted,
                      prompt_tokens=used, budget=self.prompt)
