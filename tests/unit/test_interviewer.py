"""Simulated candidates run whole sessions through the interviewer (test embedder, real Chroma and SQLite)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.domain.filters import QuestionFilter
from bot.domain.interview import Session
from bot.grading.grounded import GroundedGrader
from bot.grading.service import GradingService
from bot.ingest.pipeline import ingest
from bot.interview.interviewer import Interviewer, InterviewError
from bot.interview.phraser import LLMPhraser
from bot.interview.phrasing import shared_run
from bot.retrieval.store import ChromaStore
from bot.storage.repository import SessionRepository
from tests.fakes import HashingEmbedder, ScriptedChatModel

BANK = [
    {"title": "Fraud detection design", "category": "ml_system_design", "company": "Acme", "role": "Data Scientist",
     "question": "Design a fraud detection system for a marketplace. How would you handle the imbalanced data and "
                 "explain decisions to legal teams?",
     "reference_answer": "Imbalanced Dataset Handling:\n- SMOTE oversampling of the minority fraud class\n- "
                         "Cost-sensitive learning with class weights and threshold tuning on precision-recall curves"
                         "\nExplainability:\n- SHAP values for analysts\n- Plain-language reason codes and an audit "
                         "trail for legal and compliance reviewers\nStreaming Architecture:\n- Kafka streams into a "
                         "feature store; decisions under 100 ms for payment transactions"},
    {"title": "Checkout experiment", "category": "analytics_experimentation", "company": "Acme",
     "question": "How would you A/B test a new one-click checkout?",
     "reference_answer": "Metrics:\n- Primary conversion rate, guardrail refund rate\nDesign:\n- Randomise by "
                         "user, run two full weeks for weekly seasonality, compute power for a 1% lift"},
]
PARTIAL = "I would stream payments through Kafka into a feature store."


@pytest.fixture
def interviewer(tmp_path: Path) -> Interviewer:
    (tmp_path / "bank.json").write_text(json.dumps(BANK), encoding="utf-8")
    embedder = HashingEmbedder()
    store = ChromaStore.open(path=tmp_path / "index", embedder_name=embedder.name, dim=embedder.dim)
    ingest([tmp_path / "bank.json"], store, embedder)
    grading = GradingService(store=store, embedder=embedder, grounded=GroundedGrader(embedder))
    return Interviewer(repo=SessionRepository(f"sqlite:///{tmp_path / 'sessions.db'}"), grading=grading)


def fraud(interviewer: Interviewer, depth: int = 2) -> Session:
    question = interviewer.choose("ana", QuestionFilter(), 1, topic="fraud detection")[0]
    assert question.title == "Fraud detection design"
    return interviewer.start("ana", [question], depth=depth)[0]


def test_first_turn_is_the_question_with_context_and_no_reference(interviewer: Interviewer) -> None:
    session = fraud(interviewer)
    first = session.turns[0]
    assert first.kind == "question" and "Acme" in first.text and BANK[0]["question"] in first.text
    assert shared_run(first.text, BANK[0]["reference_answer"], 5) is None


def test_partial_candidate_is_probed_on_what_they_missed_without_leaks_or_repeats(interviewer: Interviewer) -> None:
    session = fraud(interviewer, depth=2)
    probes = interviewer.respond(session.id, PARTIAL) + interviewer.respond(
        session.id, "Every score is logged with the model version so a payment can be traced later.")
    follow_ups = [t for t in probes if t.kind == "follow_up"]
    assert len(follow_ups) == 2
    assert all(t.target_key_point and not t.target_key_point.startswith("Streaming") for t in follow_ups)
    assert len({t.text for t in follow_ups}) == 2 and len({t.target_key_point for t in follow_ups}) == 2
    assert all(shared_run(t.text, BANK[0]["reference_answer"]) is None for t in follow_ups)
    final = interviewer.respond(session.id, "Class weights and SHAP values.")
    assert [t.kind for t in final] == ["feedback"]
    stored = interviewer.repo.load(session.id)
    assert stored.status == "finished" and stored.current_question_id is None
    assert PARTIAL in stored.candidate_answer(stored.config.question_ids[0])


def test_clarifying_question_is_answered_and_not_graded(interviewer: Interviewer) -> None:
    session = fraud(interviewer, depth=0)
    reply = interviewer.respond(session.id, "Can I assume we have labelled chargeback data?")
    assert [t.kind for t in reply] == ["clarification"] and "reasonable assumption" in reply[0].text
    interviewer.respond(session.id, PARTIAL)
    stored = interviewer.repo.load(session.id)
    question_id = stored.config.question_ids[0]
    assert "chargeback" not in stored.candidate_answer(question_id)
    assert all("chargeback" not in q for d in stored.grades[question_id].dimensions for q in d.evidence)


def test_depth_zero_moves_on_and_silent_candidate_is_graded_as_non_answer(interviewer: Interviewer) -> None:
    question_ids = [q.id for q in interviewer.grading.store.questions()]
    session, _ = interviewer.start("ben", [interviewer.grading.store.question(i) for i in question_ids], depth=0)
    turns = interviewer.respond(session.id, "skip")
    assert [t.kind for t in turns] == ["feedback", "question"]
    grade = interviewer.repo.load(session.id).grades[question_ids[0]]
    assert grade.overall <= 5 and "non_answer" in grade.flags


def test_unseen_questions_come_first_until_the_pool_is_exhausted(interviewer: Interviewer) -> None:
    first = interviewer.choose("cy", QuestionFilter(), 1, seed="x")[0]
    interviewer.start("cy", [first])
    second = interviewer.choose("cy", QuestionFilter(), 1, seed="x")[0]
    assert second.id != first.id
    assert len(interviewer.choose("cy", QuestionFilter(), 5, seed="x")) == 2
    with pytest.raises(InterviewError, match="no question matches"):
        interviewer.choose("cy", QuestionFilter(company="Nowhere"), 1)


def test_finished_session_refuses_more_answers(interviewer: Interviewer) -> None:
    session = fraud(interviewer, depth=0)
    interviewer.respond(session.id, PARTIAL)
    with pytest.raises(InterviewError, match="finished"):
        interviewer.respond(session.id, "one more thing")


def test_llm_phrasing_is_used_unless_it_leaks_the_reference(interviewer: Interviewer) -> None:
    leak = "Would you use cost-sensitive learning with class weights and threshold tuning on precision-recall curves?"
    model = ScriptedChatModel(replies=["How would you explain a blocked payment to a legal reviewer?", leak])
    interviewer.phraser = LLMPhraser(model)
    session = fraud(interviewer, depth=2)
    first = interviewer.respond(session.id, PARTIAL)[0]
    second = interviewer.respond(session.id, "We would retrain the model every month on fresh chargebacks.")[0]
    assert first.text.startswith("How would you explain a blocked payment") and first.engine == "llm"
    assert second.text != leak and second.engine == "grounded-fallback"
    assert shared_run(second.text, BANK[0]["reference_answer"]) is None


def test_a_streamed_follow_up_shows_no_leak_and_stores_the_checked_text(interviewer: Interviewer) -> None:
    leak = "Would you use cost-sensitive learning with class weights and threshold tuning on precision-recall curves?"
    good = "How would you explain a blocked payment to a legal reviewer?"
    interviewer.phraser = LLMPhraser(ScriptedChatModel(replies=[good, leak]))
    session = fraud(interviewer, depth=2)
    shown: list[str] = []
    first = interviewer.respond(session.id, PARTIAL, on_text=shown.append)[0]
    assert len(shown) > 3 and "".join(shown) == good == first.text and first.engine == "llm"
    shown.clear()
    second = interviewer.respond(session.id, "We would retrain the model every month on fresh chargebacks.",
                                 on_text=shown.append)[0]
    assert shared_run("".join(shown), BANK[0]["reference_answer"]) is None  # streaming stopped before the leak
    assert second.text != leak and second.engine == "grounded-fallback"
    stored = [t for t in interviewer.repo.load(session.id).turns if t.kind == "follow_up"]
    assert [t.text for t in stored] == [first.text, second.text]


def test_llm_turns_record_tokens_and_a_failed_call_falls_back_without_losing_the_session(
        interviewer: Interviewer) -> None:
    import openai

    from bot.llm.client import LLMClient, RetryPolicy

    model = ScriptedChatModel(replies=["How would you explain a blocked payment to a legal reviewer?",
                                       openai.APITimeoutError(request=None)])  # type: ignore[arg-type]
    interviewer.phraser = LLMPhraser(LLMClient(model=model, policy=RetryPolicy(max_retries=0)))
    session = fraud(interviewer, depth=2)
    first = interviewer.respond(session.id, PARTIAL)[0]
    assert first.engine == "llm" and first.prompt_tokens > 100 and first.completion_tokens > 5
    second = interviewer.respond(session.id, "I'd add SHAP values.")[0]
    assert second.engine == "grounded-fallback" and second.kind == "follow_up" and second.prompt_tokens == 0
    loaded = interviewer.repo.load(session.id)
    assert [t.engine for t in loaded.turns if t.role == "interviewer"][1:] == ["llm", "grounded-fallback"]
    assert loaded.turns[2].prompt_tokens == first.prompt_tokens
    assert interviewer.repo.usage(session.id)[0] == first.prompt_tokens + first.completion_tokens


def test_requests_get_replies_that_fit_them_and_are_not_graded(interviewer: Interviewer) -> None:
    session = fraud(interviewer, depth=2)
    repeated = interviewer.respond(session.id, "Sorry, can you repeat the question?")
    assert [t.kind for t in repeated] == ["clarification"] and BANK[0]["question"] in repeated[0].text
    simpler = interviewer.respond(session.id, "I don't understand the question, could you put it another way?")
    assert simpler[0].text.startswith("Let me put it more simply.")
    aside = interviewer.respond(session.id, "haha ok, thanks!")
    assert aside[0].kind == "clarification" and "get back to the question" in aside[0].text
    stored = interviewer.repo.load(session.id)
    assert stored.candidate_answer(stored.config.question_ids[0]) == "" and not stored.grades


def test_a_tentative_answer_is_an_answer_and_i_dont_know_gets_a_hint_then_moves_on(interviewer: Interviewer) -> None:
    session = fraud(interviewer, depth=2)
    first = interviewer.respond(session.id, "Maybe SHAP values for the investigators?")
    assert first[0].kind in ("follow_up", "feedback")
    stored = interviewer.repo.load(session.id)
    assert "SHAP" in stored.candidate_answer(stored.config.question_ids[0])
    if first[0].kind == "follow_up":
        hint = interviewer.respond(session.id, "I honestly don't know.")
        assert hint[0].kind == "hint" and hint[0].target_key_point == first[0].target_key_point
        done = interviewer.respond(session.id, "No idea, sorry.")
        assert done[0].kind == "feedback" and done[0].text.startswith("That answer scores")


def test_the_debrief_has_the_score_a_quoted_strength_a_gap_and_an_improvement(interviewer: Interviewer) -> None:
    session = fraud(interviewer, depth=0)
    feedback = interviewer.respond(session.id, PARTIAL)[0]
    grade = interviewer.repo.load(session.id).grades[session.config.question_ids[0]]
    assert feedback.kind == "feedback" and feedback.text.startswith(f"That answer scores {grade.overall}/100.")
    assert "Most important gap:" in feedback.text
    quoted = [q for q in feedback.text.split("“")[1:]]
    assert quoted and quoted[0].split("”")[0].rstrip("…") in PARTIAL


def test_a_turn_reads_the_session_once_and_writes_twice(interviewer: Interviewer) -> None:
    session = fraud(interviewer, depth=2)
    calls: list[str] = []
    repo = interviewer.repo
    for name in ("load", "append_turn", "record", "save_grade", "set_status", "add_usage"):
        original = getattr(repo, name)
        setattr(repo, name, lambda *a, _o=original, _n=name, **k: calls.append(_n) or _o(*a, **k))
    interviewer.respond(session.id, PARTIAL)
    assert calls == ["load", "append_turn", "record"]
    calls.clear()
    loaded = repo.load(session.id)
    calls.clear()
    interviewer.reply_to(loaded, "Every score is logged with the model version so a payment can be traced later.")
    assert calls == ["append_turn", "record"]
    assert loaded.turns[-1].role == "interviewer"  # the session was brought up to date in place


def test_a_grade_is_computed_once_per_answer_and_reused_by_finish(interviewer: Interviewer) -> None:
    session = fraud(interviewer, depth=2)
    graded: list[str] = []
    original = interviewer.grading.grade
    interviewer.grading.grade = lambda q, a, *rest: graded.append(a) or original(q, a, *rest)  # type: ignore[method-assign]
    interviewer.respond(session.id, PARTIAL)
    interviewer.respond(session.id, "Can I assume the labels arrive a few weeks late?")
    interviewer.finish(session.id)
    assert graded == [PARTIAL]
