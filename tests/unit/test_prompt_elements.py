"""Prompts parsed into the elements they ask for: sensible units over every seed question."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.domain.models import Question
from bot.grading.prompt_elements import kind_of, parse_prompt
from bot.grading.text import content_tokens
from bot.ingest.loader import load_bank_file

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def seed_questions() -> list[Question]:
    return [q for path in sorted(SEEDS.glob("*.txt")) for q in load_bank_file(path)]


@pytest.mark.parametrize("question", seed_questions(), ids=lambda q: q.id)
def test_every_seed_element_is_a_sensible_unit(question: Question) -> None:
    spec = parse_prompt(question.question)
    assert spec.elements, "a prompt always asks for something"
    for element in spec.elements:
        text = element.text
        assert text.count("(") == text.count(")"), f"split inside parentheses: {text!r}"
        assert not re.search(r"\be\.?g\.?$|\(e\.g|\bi\.e\.?$", text, re.I), f"cut at an example: {text!r}"
        assert not re.match(r"^(?:and|or|%)\b", text, re.I), f"a fragment: {text!r}"
        assert not re.match(r"^(?:provide|give)\s+(?:one|two|three)\b.*\bstories\b", text, re.I), text
        assert content_tokens(text), f"asks for nothing: {text!r}"
    assert len({e.id for e in spec.elements}) == len(spec.elements)


def test_two_story_prompt_has_two_parts_and_examples_stay_examples() -> None:
    question = next(q for q in seed_questions() if q.question.startswith("Provide two concise STAR stories"))
    spec = parse_prompt(question.question)
    assert [p.title for p in spec.parts] == ["Invent and Simplify", "Difficult customer communication"]
    assert spec.instructions == ["Provide two concise STAR stories:"]
    first = {e.kind for e in spec.of_part(0)}
    assert {"situation", "before_after", "alternatives", "obstacle", "risk_mitigation", "outcome", "persuasion",
            "lessons"} <= first
    second = {e.kind for e in spec.of_part(1)}
    assert {"situation", "diagnosis", "communication", "disagreement", "artefact", "outcome"} <= second
    outcomes = [e for e in spec.of_part(0) if e.kind == "outcome"]
    assert outcomes[0].quantified and outcomes[0].examples == ["% time saved", "error rate change"]
    assert not any("time saved" in e.text for e in spec.elements)


def test_every_asked_element_is_kept() -> None:
    spec = parse_prompt("Describe a situation where you had to drive a product decision that faced resistance from "
                        "partner teams. How did you build consensus and what was the outcome?")
    kinds = [e.kind for e in spec.elements]
    assert kinds == ["situation", "persuasion", "outcome"]
    assert spec.elements[0].main


def test_a_framing_phrase_is_a_qualifier_not_an_element() -> None:
    spec = parse_prompt("Tell me about a technology decision you made for which there was not enough data. In the "
                        "absence of sufficient data, what guided your choice and how did you make the call?")
    texts = [e.text for e in spec.elements]
    assert "In the absence of sufficient data" not in texts
    assert any(e.qualifier == "In the absence of sufficient data" for e in spec.elements)
    assert [e.kind for e in spec.elements][1] == "incomplete_data"


@pytest.mark.parametrize(("prompt", "items"), [
    ("What would be your primary, secondary, and guardrail metrics?", ["primary, secondary, and guardrail metrics"]),
    ("Walk me through the technical architecture, bidding strategy, and measurement framework.",
     ["the technical architecture", "bidding strategy", "measurement framework"]),
    ("Consider the competitive pressure from Google Cloud and Microsoft Azure.",
     ["the competitive pressure from Google Cloud and Microsoft Azure"]),
    ("How would you measure and mitigate bias in both training data and model predictions?",
     ["measure and mitigate bias in both training data and model predictions"]),
])
def test_lists_split_into_items_only_where_they_are_separate_asks(prompt: str, items: list[str]) -> None:
    assert [e.text for e in parse_prompt(prompt).elements] == items


@pytest.mark.parametrize(("phrase", "kind"), [
    ("the single hardest constraint", "obstacle"), ("trade-offs you rejected", "alternatives"),
    ("what you'd do differently", "lessons"), ("how you socialized the change with skeptics", "persuasion"),
    ("handle disagreement under time pressure", "disagreement"), ("quantify uncertainty", "uncertainty"),
    ("communicate risks to stakeholders", "communication"), ("retraining cadence", "topic"),
])
def test_kind_of_an_asked_phrase(phrase: str, kind: str) -> None:
    assert kind_of(phrase) == kind
