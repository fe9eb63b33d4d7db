"""The grounded generator's lexicon (prompts/variants/lexicon.yaml): settings, entities, domains, constraints."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, model_validator

LEXICON_PATH = Path(__file__).resolve().parents[2] / "prompts" / "variants" / "lexicon.yaml"
SLOTS = ("customer", "seller", "item", "platform", "place", "transaction")


class Setting(BaseModel):
    """An organisation a question can move to, with its word for each entity slot ([singular, plural])."""

    org: str
    short: str
    customer: tuple[str, str]
    seller: tuple[str, str]
    item: tuple[str, str]
    platform: tuple[str, str]
    place: tuple[str, str]
    transaction: tuple[str, str]

    def word(self, slot: str, plural: bool) -> str:
        pair: tuple[str, str] = getattr(self, slot)
        return pair[1] if plural else pair[0]


class Domain(BaseModel):
    """A problem type: how to recognise it, how to name it in another format, where it can move."""

    keywords: list[str]
    system: str
    work: str
    metric: str
    incident: str
    settings: list[str] = Field(min_length=1)

    @property
    def the_system(self) -> str:
        return re.sub(r"^(?:a|an)\s", "the ", self.system)


class Constraint(BaseModel):
    """One kind of constraint: how to detect it and how to add or change it, with the key point it brings."""

    detect: str
    harder: str
    change: str
    point: dict[str, str]
    relaxed: dict[str, str]


class BehavioralConstraint(BaseModel):
    harder: str
    change: str
    point: dict[str, str]


class Format(BaseModel):
    """A question format: its rubric category, question wordings and outline template."""

    category: str
    questions: list[str] = Field(min_length=1)
    fallback: list[str] = Field(min_length=1)
    outline: list[dict[str, str]] = Field(min_length=1)


class Lexicon(BaseModel):
    """Everything the grounded generator knows, loaded from data."""

    settings: dict[str, Setting]
    entities: dict[str, list[str]]
    protected: list[str]
    brands: dict[str, list[str]]
    brand_details: dict[str, list[str]] = Field(default_factory=dict)
    brand_products: dict[str, dict[str, str]] = Field(default_factory=dict)
    domains: dict[str, Domain]
    constraints: dict[str, Constraint]
    behavioral_constraints: list[BehavioralConstraint]
    formats: dict[str, Format]
    intensifiers: list[str]
    difficulty_levels: list[str]

    @model_validator(mode="after")
    def _references_resolve(self) -> Lexicon:
        for name, domain in self.domains.items():
            missing = [s for s in domain.settings if s not in self.settings]
            if missing:
                raise ValueError(f"domain {name!r} names unknown settings {missing}")
        unknown = set(self.entities) - set(SLOTS)
        if unknown:
            raise ValueError(f"unknown entity slots {sorted(unknown)}")
        if "general" not in self.domains:
            raise ValueError("the lexicon needs a 'general' domain")
        for need in ("behavioral", "design", "metric"):
            if need not in self.formats:
                raise ValueError(f"the lexicon needs a {need!r} format")
        return self

    def detect_domain(self, title: str, question: str, reference: str = "") -> str:
        """The domain whose keywords the parent uses most (title and question weigh 3, the reference 1)."""
        head, body = f"{title}\n{question}".lower(), reference.lower()
        best, best_score = "general", 0
        for name, domain in self.domains.items():
            score = sum(3 * head.count(k) + min(body.count(k), 5) for k in domain.keywords)
            if score > best_score:
                best, best_score = name, score
        return best

    def constraint_kinds(self, text: str) -> list[str]:
        """Kinds of constraint a text already states, in lexicon order."""
        return [k for k, c in self.constraints.items() if re.search(c.detect, text, re.IGNORECASE)]

    def harder_level(self, difficulty: str, step: int) -> str:
        """The difficulty `step` levels away (unknown or empty counts as medium), clamped to the scale."""
        levels = self.difficulty_levels
        current = levels.index(difficulty) if difficulty in levels else 1
        return levels[max(0, min(len(levels) - 1, current + step))]


def load_lexicon(path: Path = LEXICON_PATH) -> Lexicon:
    """Parse and validate a lexicon file."""
    return Lexicon.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return load_lexicon()
