"""Variants read as written by a person: no clause cut inside "(e.g., …)", no code in an outline, and the gates drop
a broken sentence or code with the reason."""

from __future__ import annotations

import pytest

from bot.domain.models import AnswerSection, Question
from bot.variants.gates import apply_gates
from bot.variants.grounded import GroundedGenerator, parent_outline
from bot.variants.models import OutlinePoint, Provenance, Variant
from bot.variants.rewrite import drop_clauses, split_sentences
from bot.variants.wellformed import looks_like_code, problems
from tests.fakes import HashingEmbedder

ROI = Question.build(
    title="Content ROI", company="Amazon", category="product_strategy", difficulty="hard", source_file="bank.md",
    question="Prime Video has invested $1B in original content last year. Design a comprehensive framework to "
             "measure return on investment (ROI) for content investments, considering both direct subscription "
             "impact and indirect effects on the ecosystem (e.g., Prime membership retention, increased shopping "
             "behavior). How would you attribute causality?",
    reference_answer="Attribution:\n- Synthetic control on launch cohorts\nCode:\n- x = 1",
    sections=[AnswerSection(title="Attribution", text="Synthetic control on launch cohorts and a holdout region."),
              AnswerSection(title="Technical implementation",
                            text="X_resampled, y_resampled = smote.fit_resample(X_train, y_train)\n"
                                 "Balanced classes before training.")])


def variant(question: str, outline: list[OutlinePoint] | None = None) -> Variant:
    return Variant(question=question, title="t", outline=outline or [OutlinePoint(title="Plan", text="A plan.")],
                   category="product_strategy", difficulty="medium",
                   provenance=Provenance(parent_id="p", axis="easier", engine="grounded", seed=0, change="c"))


def test_a_qualifying_clause_is_dropped_whole_over_its_example_in_parentheses() -> None:
    text = drop_clauses(ROI.question, r",\s+considering\b")
    assert "for content investments. How would you attribute causality?" in text
    assert ".g.," not in text and "(e.g." not in text


def test_sentences_are_never_cut_after_e_g() -> None:
    sentences = split_sentences("Pick a metric (e.g. Prime retention). Then test it, i.e. run a holdout.")
    assert sentences == ["Pick a metric (e.g. Prime retention).", "Then test it, i.e. run a holdout."]


def test_the_easier_variant_of_a_question_with_an_example_aside_is_a_whole_sentence() -> None:
    easier = GroundedGenerator().generate(ROI, 5, ["easier"], seed=0)
    assert easier and all(not problems(v) for v in easier), [problems(v) for v in easier]
    assert all(".g.," not in v.question for v in easier)


def test_outlines_leave_out_lines_of_code() -> None:
    outline = parent_outline(ROI)
    assert outline and not any(looks_like_code(f"{p.title}\n{p.text}") for p in outline)
    assert any("Balanced classes" in p.text for p in outline)  # the prose of a section with code is kept


@pytest.mark.parametrize(("question", "reason"), [
    ("Design a framework for content investments.g., Prime membership retention. How would you test it?",
     "an “e.g.” or “i.e.” cut in two"),
    ("Design a framework (for content investments. How would you test it?", "unbalanced ()"),
    ("How would you test the the checkout?", "doubled word “the the”"),
    ("Design a framework to measure content return on", "does not end"),
])
def test_a_broken_sentence_is_dropped_with_its_reason(question: str, reason: str) -> None:
    gated = apply_gates(ROI, [variant(question)], HashingEmbedder())
    assert not gated[0].gate.passed and any(reason in r for r in gated[0].gate.reasons)


def test_code_in_an_outline_is_dropped_with_its_reason() -> None:
    code = OutlinePoint(title="Technical implementation", text="Super().__init__(); self.model.fit(X, y)")
    gated = apply_gates(ROI, [variant("How would you measure content ROI for a music service?", [code])],
                        HashingEmbedder())
    assert any("code in the outline: “Technical implementation”" in r for r in gated[0].gate.reasons)


@pytest.mark.parametrize("text", ["Use a holdout region (e.g., two states) and report the lift.",
                                  "Weigh precision against recall, i.e. the cost of each error.",
                                  "Retention at day 30 is the primary metric; watch time is a guardrail."])
def test_ordinary_prose_is_neither_broken_nor_code(text: str) -> None:
    assert not problems(variant(f"How would you measure it? {text}")) and not looks_like_code(text)
