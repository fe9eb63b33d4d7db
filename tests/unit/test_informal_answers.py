"""Answers typed in a hurry or spoken: a run-on is read clause by clause, as a written answer is read sentence by
sentence, and the hesitations a speaker opens a sentence with are not part of it."""

from __future__ import annotations

from bot.domain.models import AnswerSection, Question
from bot.grading.grounded import GroundedGrader
from bot.grading.reference import build_reference
from bot.grading.rubrics import rubric_for
from bot.grading.text import CLAUSE_WORDS, RUN_ON_WORDS, statements, tokens
from tests.fakes import HashingEmbedder

RUN_ON = ("so at the freight broker i started by asking what the reps actually needed, we had thirty reports and "
          "nobody knew which of them mattered, so i interviewed the five heaviest users and found that three "
          "reports drove every pricing decision, then i rebuilt those three in dbt with tests on every key, and i "
          "retired the rest after a month of nobody asking for them, the result was that prep time fell from six "
          "hours to twenty minutes and finance stopped finding mismatches in the weekly numbers")


def test_a_run_on_is_cut_into_clauses_each_quoted_verbatim() -> None:
    pieces = statements(RUN_ON)
    assert len(pieces) >= 4
    assert all(piece in RUN_ON for piece in pieces)  # evidence quotes stay the candidate's own words
    assert all(CLAUSE_WORDS <= len(tokens(p)) <= RUN_ON_WORDS for p in pieces)
    assert "then i rebuilt those three in dbt with tests on every key" in pieces


def test_a_run_on_without_any_comma_is_cut_before_its_conjunctions_or_in_windows() -> None:
    no_commas = RUN_ON.replace(",", "")
    pieces = statements(no_commas)
    assert len(pieces) >= 3 and all(p in no_commas for p in pieces)
    assert any(p.startswith(("so ", "then ", "and ")) for p in pieces[1:])
    words = " ".join(["word"] * (3 * RUN_ON_WORDS))
    assert len(statements(words)) > 3 and all(len(tokens(p)) <= RUN_ON_WORDS for p in statements(words))


def test_written_sentences_and_keyword_lists_stay_whole() -> None:
    long_sentence = ("I downsampled legitimate orders to about one in twenty with weights so the probabilities stay "
                     "calibrated, trained only on matured label windows because chargebacks land thirty to ninety "
                     "days late, and picked the model on PR-AUC rather than ROC-AUC.")
    assert statements(long_sentence) == [long_sentence]
    keywords = ", ".join(["A/B testing", "CUPED", "guardrail metrics", "novelty effects", "power analysis",
                          "sequential testing", "SRM checks", "holdouts", "heterogeneous effects"] * 4)
    assert statements(keywords) == [keywords]


def test_a_label_typed_after_a_comma_opens_the_next_statement() -> None:
    typed = ("i'd make sure this part is robust and thoroughly validated before anything goes live, bias "
             "mitigation: this needs careful attention and close collaboration with the team")
    assert statements(typed) == ["i'd make sure this part is robust and thoroughly validated before anything goes "
                                 "live", "bias mitigation: this needs careful attention and close collaboration "
                                 "with the team"]
    written = "For the business, every cluster gets a profile card: its size, its margin and its churn."
    assert statements(written)[0].startswith("For the business, every cluster gets")


def test_a_spoken_lead_in_is_not_part_of_the_statement() -> None:
    assert statements("So, uh, what I took away: an offline number is only as good as the split.") == [
        "what I took away: an offline number is only as good as the split."]
    assert statements("Um, I mean, we shipped it in May. Yeah, okay, so.") == ["we shipped it in May.",
                                                                             "Yeah, okay, so."]
    kept = ["Like most teams, we had no labels at all.", "So the ranker predicts purchase.", "Well-known issue."]
    assert [s for text in kept for s in statements(text)] == kept


QUESTION = Question.build(
    source_file="bank.md", title="Fraud detection", category="ml_system_design",
    question="Design a fraud detection system for a marketplace. How would you handle the imbalanced data?",
    reference_answer="...",
    sections=[
        AnswerSection(title="Imbalanced Dataset Handling", text="SMOTE oversampling of the minority class; "
                      "cost-sensitive learning with class weights; threshold tuning on precision-recall curves."),
        AnswerSection(title="Explainability", text="SHAP values for analysts; plain-language reason codes for "
                      "legal and compliance reviewers; an audit trail of every decision."),
        AnswerSection(title="Streaming Architecture", text="Kafka and Kinesis streams feed a feature store; "
                      "decisions under 100 ms latency for payment transactions."),
    ],
)
WRITTEN = ("At the marketplace I worked on, fraud cost us about two percent of payment volume every quarter. "
           "Transactions stream through Kafka into a feature store, and each payment is scored in under 100 ms. "
           "Fraud is rare, so I would use class weights and SMOTE oversampling for the minority class. "
           "I would tune the threshold on the precision-recall curve instead of ROC. "
           "Legal reviewers get plain-language reason codes, analysts get SHAP values, and every decision lands "
           "in an audit trail. The risk team reviewed every held order each morning and fed its verdicts back.")


def test_the_same_answer_typed_without_full_stops_covers_the_same_requirements() -> None:
    grader = GroundedGrader(HashingEmbedder())
    reference = build_reference(QUESTION, [])
    typed = " ".join(WRITTEN.replace(". ", ", ").lower().split()).rstrip(".")
    assert len(statements(typed)) > 1
    written, run_on = (grader.grade(reference, rubric_for(QUESTION.category), text) for text in (WRITTEN, typed))
    assert {r.id for r in run_on.covered} == {r.id for r in written.covered}
    assert len(written.covered) == 3
