"""Every limit refuses with an error naming the limit and its setting, and loses nothing else (the other lines,
files, questions or turns go on)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.domain.filters import QuestionFilter
from bot.domain.limits import LimitExceeded, Limits
from bot.grading.batch import grade_lines
from bot.grading.bulk import BulkFileError, grade_bulk, parse_bulk
from bot.grading.grounded import GroundedGrader
from bot.grading.service import GradingService
from bot.ingest.loader import BankError, load_bank_file
from bot.ingest.pipeline import ingest
from bot.ingest.splitter import count_tokens
from bot.interview.interviewer import AnswerTooLong, Interviewer
from bot.retrieval.store import ChromaStore
from bot.settings import Settings
from bot.storage.repository import SessionRepository
from tests.fakes import HashingEmbedder

QUESTION = {"title": "Checkout experiment", "category": "analytics_experimentation",
            "question": "How would you A/B test a new one-click checkout?",
            "reference_answer": "Metrics:\n- Primary conversion rate, guardrail refund rate\nDesign:\n- Randomise by "
                                "user, run two full weeks, compute power for a 1% lift"}
GOOD = "Randomise by user for two full weeks; conversion is the primary metric and refunds the guardrail."
SMALL = Limits(answer_chars=400, answer_tokens=60)


def never_called(text: str) -> int:
    raise AssertionError("a text over the character limit must not be tokenised")


def test_answer_limits_name_the_limit_and_the_setting() -> None:
    with pytest.raises(LimitExceeded) as chars:
        SMALL.check_text("x" * 401, never_called)
    assert str(chars.value) == ("the answer is 401 characters long; the limit is 400 characters "
                                "(set MOCKINTERVIEW_MAX_ANSWER_CHARS to change it)")
    with pytest.raises(LimitExceeded, match=r"is 80 tokens long; the limit is 60 tokens \(set "
                                            r"MOCKINTERVIEW_MAX_ANSWER_TOKENS to change it\)"):
        SMALL.check_text("word " * 80, lambda text: len(text.split()))
    SMALL.check_text("word " * 60, lambda text: len(text.split()))  # at the limit: accepted


def test_settings_carry_every_limit_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"MAX_ANSWER_CHARS": "1000", "MAX_ANSWER_TOKENS": "200", "MAX_FILE_MB": "2",
                        "MAX_QUESTIONS_PER_FILE": "10", "MAX_CHUNKS_PER_QUESTION": "5", "MAX_BATCH_LINES": "7",
                        "MAX_UPLOAD_MB": "0.5"}.items():
        monkeypatch.setenv(f"MOCKINTERVIEW_{name}", value)
    assert Settings().limits() == Limits(answer_chars=1000, answer_tokens=200, file_bytes=2 * 1024 * 1024,
                                         questions_per_file=10, chunks_per_question=5, batch_lines=7,
                                         upload_bytes=512 * 1024)
    assert Settings.model_fields["max_answer_chars"].default == Limits().answer_chars == 20_000


@pytest.fixture
def service(tmp_path: Path) -> GradingService:
    embedder = HashingEmbedder()
    store = ChromaStore.open(path=tmp_path / "index", embedder_name=embedder.name, dim=embedder.dim)
    (tmp_path / "bank.json").write_text(json.dumps([QUESTION]), encoding="utf-8")
    ingest([tmp_path / "bank.json"], store, embedder)
    return GradingService(store=store, embedder=embedder, grounded=GroundedGrader(embedder), limits=SMALL)


def test_the_grading_service_refuses_a_long_answer_or_reference_and_still_grades_the_next(
        service: GradingService) -> None:
    question = service.store.questions()[0]
    with pytest.raises(LimitExceeded, match="the answer is 1,000 characters long"):
        service.grade(question, "y" * 1000)
    with pytest.raises(LimitExceeded, match="the reference answer given is 700 characters long"):
        service.grade(question, GOOD, reference_text="metric " * 100)
    assert service.grade(question, GOOD).overall > 0


def test_a_batch_line_over_the_limit_is_that_lines_error(service: GradingService) -> None:
    lines = [json.dumps({"question": QUESTION["question"], "answer": answer}) for answer in (GOOD, "z" * 500, GOOD)]
    results = list(grade_lines(service, lines))
    assert [r["line"] for r in results] == [1, 2, 3]
    assert "overall" in results[0] and "overall" in results[2]
    assert "MOCKINTERVIEW_MAX_ANSWER_CHARS" in results[1]["error"] and "overall" not in results[1]
    csv = f"question,answer\n{QUESTION['question']},{GOOD}\n{QUESTION['question']},{'z' * 500}\n"
    rows = grade_bulk(service, parse_bulk("answers.csv", csv.encode(), 64 * 1024))
    assert "overall" in rows[0] and "the answer is 500 characters long" in rows[1]["error"]


def test_a_bulk_file_with_too_many_rows_or_bytes_is_refused_before_grading() -> None:
    text = "question,answer\n" + "".join(f"q{i},a{i}\n" for i in range(6))
    assert len(parse_bulk("a.csv", text.encode(), 64 * 1024, max_rows=6)) == 6
    with pytest.raises(BulkFileError, match=r"the number of lines to grade in the file is 6; the limit is 5 \(set "
                                            r"MOCKINTERVIEW_MAX_BATCH_LINES"):
        parse_bulk("a.csv", text.encode(), 64 * 1024, max_rows=5)
    with pytest.raises(BulkFileError, match=r"the file is too large \(2.0 KB\); the limit is 1.0 KB \(set "
                                            r"MOCKINTERVIEW_MAX_UPLOAD_MB"):
        parse_bulk("a.jsonl", b"{}" * 1024, 1024)


def test_cli_batch_over_the_line_limit_is_refused_with_nothing_written(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    batch = tmp_path / "answers.jsonl"
    batch.write_text("".join(json.dumps({"question": "q", "answer": f"a{i}"}) + "\n\n" for i in range(4)))
    monkeypatch.setenv("MOCKINTERVIEW_MAX_BATCH_LINES", "3")
    result = CliRunner().invoke(app, ["grade", "--batch", str(batch), "--out", str(tmp_path / "out.jsonl"),
                                      "--store", str(tmp_path / "index")])
    assert result.exit_code == 2
    assert "the number of lines to grade in answers.jsonl is 4; the limit is 3" in " ".join(result.output.split())
    assert not (tmp_path / "out.jsonl").exists()


def test_cli_grade_refuses_an_answer_over_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKINTERVIEW_LLM", "none")
    monkeypatch.setenv("MOCKINTERVIEW_MAX_ANSWER_CHARS", "100")
    result = CliRunner().invoke(app, ["grade", "--question", "How would you test checkout?", "--reference",
                                      "Randomise by user.", "--answer", "w" * 101, "--store", str(tmp_path / "i")])
    assert result.exit_code == 2
    assert "MOCKINTERVIEW_MAX_ANSWER_CHARS" in " ".join(result.output.split())


def bank(path: Path, titles: list[str], answer: str = "Use it carefully.\n- point A\n- point B") -> Path:
    items = [{"title": t, "question": f"Question about {t}?", "reference_answer": answer} for t in titles]
    path.write_text(json.dumps(items), encoding="utf-8")
    return path


def test_a_bank_over_the_question_limit_is_that_files_error(tmp_path: Path) -> None:
    store = ChromaStore.open(path=tmp_path / "index", embedder_name=HashingEmbedder.name, dim=HashingEmbedder.dim)
    big = bank(tmp_path / "big.json", [f"topic {i}" for i in range(4)])
    small = bank(tmp_path / "small.json", ["churn", "pricing"])
    with pytest.raises(BankError, match=r"the number of questions in the file is 4; the limit is 3 per file"):
        load_bank_file(big, max_questions=3)
    report = ingest([big, small], store, HashingEmbedder(), limits=Limits(questions_per_file=3))
    status = {Path(f.path).name: f for f in report.files}
    assert status["big.json"].status == "error" and "MOCKINTERVIEW_MAX_QUESTIONS_PER_FILE" in status["big.json"].reason
    assert status["small.json"].status == "ingested" and len(store.questions()) == 2


def test_a_bank_over_the_size_limit_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(BankError, match=r"file is too large \(.*; the limit is 1.0 KB, set MOCKINTERVIEW_MAX_FILE_MB"):
        load_bank_file(bank(tmp_path / "b.json", ["x"], "words " * 400), max_bytes=1024)


def test_a_question_over_the_chunk_limit_is_skipped_and_the_rest_of_its_file_ingested(tmp_path: Path) -> None:
    store = ChromaStore.open(path=tmp_path / "index", embedder_name=HashingEmbedder.name, dim=HashingEmbedder.dim)
    path = tmp_path / "mixed.json"
    long_answer = "\n".join(f"Step {i}: measure the metric number {i} against its guardrail and baseline "
                            f"carefully before and after the change ships." for i in range(120))
    items = [{"title": "Giant", "question": "Tell me everything?", "reference_answer": long_answer},
             {"title": "Small", "question": "Tell me a little?", "reference_answer": "Just this.\n- one point"}]
    path.write_text(json.dumps(items), encoding="utf-8")
    tight = Limits(chunks_per_question=3)
    (row,) = ingest([path], store, HashingEmbedder(), chunk_tokens=100, overlap=0, limits=tight).files
    assert row.status == "ingested" and row.questions == 1
    assert row.reason.startswith("skipped: the reference answer of 'Giant' is ") and "chunks long; the limit is 3 " \
        "per question (set MOCKINTERVIEW_MAX_CHUNKS_PER_QUESTION to change it); split it" in row.reason
    assert [q.title for q in store.questions()] == ["Small"]
    (again,) = ingest([path], store, HashingEmbedder(), chunk_tokens=100, overlap=0, limits=tight).files
    assert again.status == "unchanged" and again.reason == row.reason  # said again, not silently forgotten
    (raised,) = ingest([path], store, HashingEmbedder(), chunk_tokens=100, overlap=0).files  # the limit is raised
    assert raised.status == "ingested" and raised.questions == 2 and raised.reason == ""
    alone = bank(tmp_path / "alone.json", ["Giant alone"], long_answer)
    (only,) = ingest([alone], store, HashingEmbedder(), chunk_tokens=100, overlap=0, limits=tight).files
    assert only.status == "error" and "MOCKINTERVIEW_MAX_CHUNKS_PER_QUESTION" in only.reason


@pytest.fixture
def interviewer(service: GradingService, tmp_path: Path) -> Interviewer:
    return Interviewer(repo=SessionRepository(f"sqlite:///{tmp_path / 'sessions.db'}"), grading=service)


def test_an_over_long_message_is_refused_unsaved_and_the_interview_goes_on(interviewer: Interviewer) -> None:
    question = interviewer.choose("ana", QuestionFilter(), 1)[0]
    session, _ = interviewer.start("ana", [question], depth=2)
    with pytest.raises(AnswerTooLong, match=r"the message is 401 characters long; .*Nothing was saved"):
        interviewer.respond(session.id, "a" * 401)
    assert [t.kind for t in interviewer.repo.load(session.id).turns] == ["question"]
    first = "I would track the conversion rate."
    interviewer.respond(session.id, first)
    stored = interviewer.repo.load(session.id)
    assert stored.status == "active" and stored.turns[-1].kind == "follow_up"
    second = "Conversion is primary and refunds are the guardrail."
    while count_tokens(second) < SMALL.answer_tokens - 2:
        second += " Power for a lift."
    assert count_tokens(second) <= SMALL.answer_tokens < count_tokens(f"{first}\n\n{second}")
    with pytest.raises(AnswerTooLong, match="the answer to this question with this message is"):
        interviewer.respond(session.id, second)
    assert interviewer.repo.load(session.id).turns == stored.turns
    assert interviewer.finish(session.id).grades[question.id].overall > 0
