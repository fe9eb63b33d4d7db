"""The grading policy as data, and the honesty rules it drives: gaming answers earn little, flags say why."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.models import AnswerSection, Question
from bot.grading.grounded import GroundedGrader
from bot.grading.kinds import fit_kinds, load_corpus, load_messages
from bot.grading.policy import load_policy
from bot.grading.reference import build_reference
from bot.grading.rubrics import rubric_for
from tests.fakes import HashingEmbedder

QUESTION = Question.build(
    source_file="bank.md", title="Churn", category="ml_system_design",
    question="Design a churn prediction system for a subscription app. How would you choose features and act on "
             "the scores?",
    reference_answer="...",
    sections=[
        AnswerSection(title="Features", text="Tenure, payment failures, weekly active days, support tickets."),
        AnswerSection(title="Model", text="Gradient boosting on a time-based split, calibrated probabilities."),
        AnswerSection(title="Actions", text="Top-decile users get a retention offer; uplift measured with a "
                                            "holdout group."),
    ],
)
PARTIAL = ("I'd use tenure, failed payments and weekly active days as features, train gradient boosting on a "
           "time-based split and calibrate the probabilities so the scores mean something.")


@pytest.fixture(scope="module")
def grader() -> GroundedGrader:
    return GroundedGrader(HashingEmbedder())


def grade(grader: GroundedGrader, answer: str):  # type: ignore[no-untyped-def]
    return grader.grade(build_reference(QUESTION, []), rubric_for(QUESTION.category), answer)


def test_flag_texts_are_rendered_from_the_policy_values() -> None:
    policy = load_policy()
    assert f"capped at {policy.caps.off_topic}" in policy.flag_text("off_topic")
    assert f"at most {policy.caps.keyword_list}" in policy.flag_text("keyword_list")
    assert policy.flag_text("something_new") == "Something new"


def test_a_broken_policy_file_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("evidence: {covered_at: 2}\n")
    with pytest.raises(ValueError, match=r"policy\.yaml: invalid grading policy"):
        load_policy(path)


def test_dimension_scores_carry_their_measured_value(grader: GroundedGrader) -> None:
    result = grade(grader, PARTIAL)
    assert all(0 <= d.measured <= 1 for d in result.dimensions)
    assert all("measured" not in d.justification for d in result.dimensions)
    assert all(r.id for r in result.covered + result.missing)


def test_a_keyword_list_is_flagged_as_such_and_capped(grader: GroundedGrader) -> None:
    keywords = "tenure, payment failures, weekly active days, support tickets, gradient boosting, calibration, " \
               "time-based split, retention offer, uplift, holdout group"
    result = grade(grader, keywords)
    assert "keyword_list" in result.flags and "suspected_injection" not in result.flags
    assert result.overall <= load_policy().caps.keyword_list and result.overall < grade(grader, PARTIAL).overall


def test_restating_the_question_earns_less_than_a_partial_answer(grader: GroundedGrader) -> None:
    restated = ("So I would design a churn prediction system for a subscription app. I would choose features for "
                "the churn prediction system and then act on the scores of the subscription app users.")
    result = grade(grader, restated)
    assert result.overall <= 30 and result.overall < grade(grader, PARTIAL).overall


def test_a_one_sentence_reference_is_answered_by_one_good_sentence(grader: GroundedGrader) -> None:
    from bot.grading.reference import adhoc_question

    question = adhoc_question("What is a recursive function?", "A function that calls itself.")
    reference = build_reference(question, [], given=True)
    result = grader.grade(reference, rubric_for(""), "It is a function which calls itself, directly or indirectly.")
    assert not {"too_short", "non_answer", "off_topic"} & set(result.flags)
    empty = grader.grade(reference, rubric_for(""), "not answered")
    assert "non_answer" in empty.flags and empty.overall <= 5


def test_with_a_reference_of_ones_own_nothing_is_compared_with_the_bank(grader: GroundedGrader) -> None:
    from bot.grading.reference import adhoc_question

    calls: list[object] = []
    question = adhoc_question("What does a p-value measure?", "How surprising the data would be if the null "
                              "hypothesis were true.")
    reference = build_reference(question, [], given=True)
    grader.grade(reference, rubric_for(""), "How surprising the observed data is under the null hypothesis.",
                 neighbours=lambda vector: calls.append(vector) or [])
    assert calls == []


@pytest.fixture(scope="module")
def declines_grader() -> GroundedGrader:
    """A grader whose kind model has the decline head fitted on every candidate message (the runtime fit samples)."""
    embedder = HashingEmbedder()
    sample = [*load_corpus()[::8], *load_messages()]
    return GroundedGrader(embedder, kind_model=fit_kinds(sample, embedder.embed([s.text for s in sample]),
                                                         embedder.name))


def test_an_answer_that_declines_in_its_own_words_is_a_non_answer(declines_grader: GroundedGrader) -> None:
    question = QUESTION.model_copy(update={"reference_answer": " ".join(s.text for s in QUESTION.sections)})
    reference, rubric = build_reference(question, []), rubric_for(question.category)

    def grade(answer: str):  # type: ignore[no-untyped-def]
        return declines_grader.grade(reference, rubric, answer)
    declined = grade("Honestly I'm drawing a blank on churn, it's not something I've built. Could we move on to "
                     "the next one?")
    assert "non_answer" in declined.flags and declined.overall <= load_policy().caps.non_answer
    admitted = grade("I haven't built one at work, but I'd start from tenure, failed payments and weekly active "
                     "days, train gradient boosting on a time-based split, and give the top decile a retention "
                     "offer with a holdout group to measure the uplift.")
    assert "non_answer" not in admitted.flags and admitted.overall > 35


def _neighbours(question_side: list[tuple[str, float]]):  # type: ignore[no-untyped-def]
    """Bank questions near a vector: another question nearer the answer; `question_side` near the question."""
    calls: list[int] = []

    def near(vector: object) -> list[tuple[str, float]]:
        calls.append(1)
        return [("another", 0.9), (QUESTION.id, 0.5)] if len(calls) == 1 else question_side
    return near


def test_another_question_on_the_same_subject_does_not_make_an_answer_off_topic(grader: GroundedGrader) -> None:
    vague = "Churn is really important for a subscription app, so I'd think about it carefully with the team."
    reference = build_reference(QUESTION, [])
    rubric = rubric_for(QUESTION.category)
    elsewhere = grader.grade(reference, rubric, vague, _neighbours([(QUESTION.id, 1.0), ("another", 0.2)]))
    sibling = grader.grade(reference, rubric, vague, _neighbours([(QUESTION.id, 1.0), ("another", 0.8)]))
    assert "off_topic" in elsewhere.flags and "off_topic" not in sibling.flags
