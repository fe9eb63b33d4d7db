"""What the interviewer may ask for: the prompt's asks with the sections that answer them, never a code listing,
never a requirement the answer talks about; and which prompt part each sentence of a two-part answer answers."""

from __future__ import annotations

import numpy as np

from bot.domain.grade import Citation, Grade, KeyPointResult
from bot.domain.models import AnswerSection, Question
from bot.grading.coverage import assign_parts
from bot.grading.evidence import AnswerEvidence
from bot.grading.kinds import kind_meanings
from bot.grading.reference import Reference, build_reference
from bot.grading.text import is_code
from bot.interview import listening

CHURN = Question.build(
    source_file="bank.md", title="Churn", category="ml_system_design",
    question="Design a churn model for a subscription app. How would you validate the model, and how would you "
             "explain its scores to executives?",
    reference_answer="...",
    sections=[
        AnswerSection(title="Features", text="Tenure, payment failures, weekly active days, support tickets."),
        AnswerSection(title="Validation", text="A time-based split, calibration curves and a holdout month to "
                                               "validate the model."),
        AnswerSection(title="Explaining to executives", text="Plain reason codes and SHAP summaries explain the "
                                                             "scores to executives."),
        AnswerSection(title="Code", text="```python\nmodel = xgb.XGBClassifier()\nmodel.fit(X, y)\n"
                                         "print(model.score(X, y))\n```"),
    ])


def reference() -> Reference:
    return build_reference(CHURN, [])


def nothing_covered(ref: Reference) -> Grade:
    return Grade(question_id=CHURN.id, rubric="r", overall=10, dimensions=[], missing=[
        KeyPointResult(key_point=p.key_point, id=p.id, covered=False, score=0.05,
                       citation=Citation(question_id=CHURN.id, section=p.label)) for p in ref.points])


def test_code_and_diagrams_are_told_from_prose() -> None:
    assert is_code("SELECT user_id, COUNT(*)\nFROM orders\nGROUP BY user_id;")
    assert is_code("┌────────┐\n│ Kafka  │\n└────────┘\n     ▼")
    assert not is_code("We split by time (train on 2023, test on 2024) and check calibration.\nThen a holdout.")


def test_requirements_are_the_prompts_asks_answered_by_sections_and_never_code() -> None:
    ref = reference()
    sections = {p.label: p for p in ref.points}
    assert sections["Code"].code and not sections["Validation"].code
    names = listening.requirement_names(ref)
    assert set(names.values()) == {"validating the model", "explaining its scores to executives"}
    targets = listening.missing_targets(nothing_covered(ref), ref)
    assert {t.key for t in targets} == set(names) and all(t.probe.endswith("?") for t in targets)


def test_a_requirement_the_answer_talks_about_is_not_asked_for_again() -> None:
    ref = reference()
    grade = nothing_covered(ref)

    def related(texts: list[str]) -> list[float]:  # the answer talks about executives, in words nobody credits
        return [0.6 if "executives" in text else 0.05 for text in texts]

    targets = listening.missing_targets(grade, ref, related=related)
    assert [t.label for t in targets] == ["validating the model"]
    probed = frozenset(key for key, name in listening.requirement_names(ref).items() if "executives" in name)
    kept = listening.missing_targets(grade, ref, include=probed, related=related)
    assert len(kept) == 2  # one already probed stays, so a hint can come back to it


def test_an_element_of_a_known_kind_is_not_asked_for_when_the_answer_does_what_that_kind_means() -> None:
    question = Question.build(source_file="bank.md", title="Rollout", category="behavioral",
                              question="Tell me about a time you rolled out a risky change. What was the outcome, "
                                       "and which risks you mitigated?", reference_answer="...")
    ref = build_reference(question, [])
    risk = next(p for p in ref.points if p.kind == "risk_mitigation")
    meaning = kind_meanings()["risk_mitigation"]
    grade = Grade(question_id=question.id, rubric="r", overall=40, dimensions=[], missing=[
        KeyPointResult(key_point=p.key_point, id=p.id, covered=False, score=0.05,
                       citation=Citation(question_id=question.id, section=p.label)) for p in ref.points])

    def related(texts: list[str]) -> list[float]:  # "we ran both side by side for a month": near what the kind means
        return [0.5 if text == meaning else 0.05 for text in texts]

    assert risk.id not in {t.key for t in listening.missing_targets(grade, ref, related=related)}
    assert risk.id in {t.key for t in listening.missing_targets(grade, ref, related=lambda t: [0.05] * len(t))}


def evidence(sentences: list[str]) -> AnswerEvidence:
    n = len(sentences)
    return AnswerEvidence(sentences=sentences, vectors=np.zeros((n, 2)), content_vectors=np.zeros((n, 2)),
                          kind_probs=np.zeros((n, 0)), kinds=[], new_words=[5] * n, gate=np.ones(n),
                          concrete=[True] * n)


def test_a_named_marker_starts_the_next_part() -> None:
    said = evidence(["We were launching in Brazil.", "I owned the pricing test.", "The second one was a dashboard "
                     "nobody used.", "I retired it."])
    parts = assign_parts(said, 2, ["Invent and Simplify", "Bias for Action"], np.zeros((1, 4)), np.ones(1),
                         np.zeros(1, dtype=int), margin=1.5)
    assert parts.tolist() == [0, 0, 1, 1]


def test_numbering_that_does_not_start_at_one_is_no_marker() -> None:
    said = evidence(["I wrote to the team:", "2) pause the launch", "3) rerun the test"])
    parts = assign_parts(said, 2, ["Ownership", "Dive Deep"], np.zeros((1, 3)), np.ones(1), np.zeros(1, dtype=int),
                         margin=1.5)
    assert parts.tolist() == [0, 0, 0]


def test_without_markers_the_answer_is_cut_where_that_credits_it_most() -> None:
    said = evidence(["We had a churn spike.", "I built a cohort view.", "Later a vendor slipped.", "I re-planned."])
    owner = np.asarray([0, 0, 1, 1])  # two requirements per part
    importance = np.ones(4)
    two_stories = np.asarray([[0.9, 0, 0, 0], [0, 0.8, 0, 0], [0, 0, 0.9, 0], [0, 0, 0, 0.7]])
    titles = ["Ownership", "Dive Deep"]
    assert assign_parts(said, 2, titles, two_stories, importance, owner, 1.5).tolist() == [0, 0, 1, 1]
    one_story = np.asarray([[0.9, 0, 0, 0], [0, 0.8, 0, 0], [0, 0, 0, 0.3], [0, 0, 0, 0]])
    assert assign_parts(said, 2, titles, one_story, importance, owner, 1.5).tolist() == [0, 0, 0, 0]


def test_an_ask_to_structure_what_the_prompt_asks_for_is_the_question_itself_not_a_requirement() -> None:
    question = Question.build(
        source_file="bank.md", title="Pricing test", category="analytics_experimentation",
        question="Design an A/B test of a new pricing page and choose the experiment duration. How would you "
                 "structure the experiment, select control groups and define success metrics?",
        reference_answer="...", sections=[AnswerSection(title="Rollout", text="Ship to one region first, then all.")])
    points = build_reference(question, []).points
    assert {p.key_point for p in points if p.ask} == {"select control groups", "define success metrics"}
    assert not any("structure" in p.asked_by for p in points)
