"""Every page through Streamlit's AppTest, on a small bank in a temporary index and database (real MiniLM, once)."""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from bot.domain.filters import QuestionFilter
from bot.ingest.pipeline import ingest
from bot.interview.interviewer import Interviewer
from bot.ui import resources
from tests.ui.settle import settle

pytestmark = pytest.mark.slow
APP = Path(__file__).resolve().parents[2] / "bot" / "ui" / "app.py"
BANK = [
    {"title": "Fraud detection design", "category": "ml_system_design", "company": "Acme", "role": "Data Scientist",
     "difficulty": "hard",
     "question": "Design a fraud detection system for a marketplace. How would you handle the imbalanced data and "
                 "explain decisions to legal teams?",
     "reference_answer": "Imbalanced Dataset Handling:\n- SMOTE oversampling of the minority fraud class\n- "
                         "Cost-sensitive learning with class weights and threshold tuning on precision-recall curves"
                         "\nExplainability:\n- SHAP values for analysts\n- Plain-language reason codes and an audit "
                         "trail for legal and compliance reviewers\nStreaming Architecture:\n- Kafka streams into a "
                         "feature store; decisions under 100 ms for payment transactions"},
    {"title": "Checkout experiment", "category": "analytics_experimentation", "company": "Globex",
     "role": "Product Analyst", "difficulty": "medium",
     "question": "How would you A/B test a new one-click checkout?",
     "reference_answer": "Metrics:\n- Primary conversion rate, guardrail refund rate\nDesign:\n- Randomise by "
                         "user, run two full weeks for weekly seasonality, compute power for a 1% lift"},
]
PARTIAL = "I would stream payments through Kafka into a feature store and score each one in under 100 ms."
HOSTILE = "<script>alert('x')</script> see [link](http://x) and ![img](http://x) **now**"
REPORTS_AVAILABLE = importlib.util.find_spec("bot.reports.service") is not None


@contextmanager
def app_with_bank(root: Path, bank: list[dict[str, str]]) -> Iterator[Interviewer]:
    """Settings from the environment (as the app reads them) in `root`, and `bank` ingested with the app's own
    embedder, through the cached interviewer the pages use (one model load)."""
    (root / "bank.json").write_text(json.dumps(bank), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MOCKINTERVIEW_STORE", str(root / "index"))
        patch.setenv("MOCKINTERVIEW_DATABASE_URL", f"sqlite:///{root / 'sessions.db'}")
        patch.setenv("MOCKINTERVIEW_LLM", "none")
        patch.setenv("MOCKINTERVIEW_EMBEDDER", "minilm")
        interviewer = resources.interviewer()
        assert not ingest([root / "bank.json"], interviewer.grading.store, interviewer.grading.embedder).errors
        yield interviewer


@pytest.fixture(scope="module")
def app_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Interviewer]:
    with app_with_bank(tmp_path_factory.mktemp("ui"), BANK) as interviewer:
        yield interviewer


def run(query: dict[str, str] | None = None, page: str | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=180)
    app.query_params.update(query or {})
    app.run()
    if page:
        app.switch_page(page).run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def named(widgets: Iterable[Any], label: str) -> Any:
    found = [w for w in widgets if w.label == label]
    assert found, f"no widget labelled {label!r} in {[w.label for w in widgets]}"
    return found[0]


def plain(markdown: str) -> str:
    """The text an inert Markdown string shows (backslash escapes and the three entities undone)."""
    text = re.sub(r"\\(.)", r"\1", markdown)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def chat_texts(app: AppTest) -> list[str]:
    return [message.markdown[0].value for message in app.chat_message]


def start(app: AppTest, user: str, company: str = "Any", depth: int = 2, count: int = 1) -> str:
    named(app.sidebar.text_input, "Candidate name").set_value(user)
    named(app.sidebar.selectbox, "Company").set_value(company)
    named(app.sidebar.slider, "Follow-up depth").set_value(depth)
    named(app.sidebar.number_input, "Number of questions").set_value(count)
    named(app.sidebar.button, "Start interview").click().run()
    assert not app.exception, [e.message for e in app.exception]
    session_id = app.query_params.get("session")
    assert isinstance(session_id, str) and re.fullmatch(r"[0-9a-f]{32}", session_id)
    return session_id


def answer(app: AppTest, text: str) -> None:
    app.chat_input[0].set_value(text).run()
    assert not app.exception, [e.message for e in app.exception]


def test_sidebar_filters_list_the_indexed_values_and_the_engine(app_env: Interviewer) -> None:
    app = run()
    assert app.title[0].value == "Practice interview"
    assert {"Acme", "Globex"} <= set(named(app.sidebar.selectbox, "Company").options)
    assert named(app.sidebar.selectbox, "Company").options[0] == "Any"
    assert {"Data Scientist", "Product Analyst"} <= set(named(app.sidebar.selectbox, "Role").options)
    assert {"ml_system_design", "analytics_experimentation"} <= set(named(app.sidebar.selectbox, "Category").options)
    assert {"hard", "medium"} <= set(named(app.sidebar.selectbox, "Difficulty").options)
    assert any("grounded (offline, deterministic)" in c.value for c in app.caption)
    assert named(app.sidebar.slider, "Follow-up depth").value == 2


def test_practice_answer_follow_up_answer_score_card_then_finish_opens_the_report(app_env: Interviewer) -> None:
    app = run()
    session_id = start(app, "ana", company="Acme", depth=1)
    assert "Question 1 of 1" in chat_texts(app)[0] and "Fraud detection design" in chat_texts(app)[0]
    answer(app, PARTIAL)
    texts = chat_texts(app)
    assert len(texts) == 3 and not app.metric  # question, answer, follow-up; nothing graded yet
    assert [t.kind for t in app_env.repo.load(session_id).turns] == ["question", "answer", "follow_up"]
    answer(app, "Class weights and SHAP values for the analysts.")
    assert "That answer scores" in chat_texts(app)[-1]
    overall = named(app.metric, "Overall")
    assert re.fullmatch(r"\d{1,3}/100", overall.value)
    assert any(e.label.startswith("Key points:") for e in app.expander)
    assert app.dataframe and "dimension" in app.dataframe[0].value.columns
    assert any("finished" in s.value for s in app.success)
    assert app.chat_input[0].disabled
    named(app.button, "Finish").click().run()
    assert not app.exception, [e.message for e in app.exception]
    assert app.title[0].value == "Report"
    assert app_env.repo.load(session_id).status == "finished"
    if REPORTS_AVAILABLE:
        labels = [b.label for b in app.download_button]
        assert labels == ["Download Markdown", "Download HTML", "Download PDF"]
        assert any("Fraud detection design" in m.value for m in app.markdown)
    else:
        assert any("not available" in i.value for i in app.info)


def test_an_answer_over_the_length_limit_is_refused_on_the_page_and_the_interview_goes_on(
        app_env: Interviewer) -> None:
    app = run()
    session_id = start(app, "ivy", company="Acme", depth=1)
    answer(app, "fraud " * 4000)
    assert [plain(e.value) for e in app.error] == [
        "the message is 24,000 characters long; the limit is 20,000 characters (set MOCKINTERVIEW_MAX_ANSWER_CHARS "
        "to change it). Nothing was saved: send a shorter answer."]
    assert [t.kind for t in app_env.repo.load(session_id).turns] == ["question"]
    answer(app, PARTIAL)
    assert [t.kind for t in app_env.repo.load(session_id).turns] == ["question", "answer", "follow_up"]


def test_a_link_with_the_session_resumes_it_with_its_turns(app_env: Interviewer) -> None:
    question = app_env.choose("bo", QuestionFilter(company="Globex"), 1)[0]
    session, _ = app_env.start("bo", [question], depth=2)
    app_env.respond(session.id, "I would randomise by user and watch conversion.")
    turns = app_env.repo.load(session.id).turns
    app = run({"session": session.id})
    texts = chat_texts(app)
    assert len(texts) == len(turns) >= 3
    assert "Checkout experiment" in texts[0] and "randomise by user" in texts[1]
    assert not app.chat_input[0].disabled
    assert named(app.sidebar.text_input, "Candidate name").value == "bo"
    answer(app, "Conversion is the primary metric and refunds a guardrail; two weeks for seasonality.")
    assert len(app_env.repo.load(session.id).turns) > len(turns)
    report = run({"session": session.id}, page="pages/report.py")
    assert any(session.id in c.value for c in report.caption)


def test_a_link_with_an_unknown_or_malformed_session_is_refused(app_env: Interviewer) -> None:
    for bad in ("0" * 32, "../../etc/passwd"):
        app = run({"session": bad})
        assert app.warning and "session" not in app.query_params
        assert not app.chat_message


def test_a_session_deleted_while_open_is_forgotten_on_both_pages(app_env: Interviewer) -> None:
    for page, path in (("Practice interview", None), ("Report", "pages/report.py")):
        question = app_env.choose("cy", QuestionFilter(company="Globex"), 1)[0]
        session, _ = app_env.start("cy", [question], depth=1)
        app = run({"session": session.id}, page=path)
        assert app.title[0].value == page and not any("no longer exists" in w.value for w in app.warning)
        with app_env.repo.engine.begin() as connection:  # removed behind the page's back
            for table in ("grades", "turns", "sessions"):
                column = "id" if table == "sessions" else "session_id"
                connection.execute(text(f"DELETE FROM {table} WHERE {column} = :id"), {"id": session.id})
        app.run()
        assert not app.exception, [e.message for e in app.exception]
        assert any("no longer exists" in w.value for w in app.warning)
        assert "session" not in app.query_params and not app.chat_message


def test_candidate_text_is_rendered_inert(app_env: Interviewer) -> None:
    app = run()
    start(app, "cy", company="Globex", depth=1)
    answer(app, HOSTILE)
    shown = [m.value for m in app.markdown]
    mine = [t for t in chat_texts(app) if "alert" in t]
    assert mine and "&lt;script&gt;" in mine[0]
    for value in shown:
        html = MarkdownIt("commonmark", {"html": True}).render(value)
        assert "<script" not in html and "<a " not in html and "<img" not in html and "<strong>now" not in html


def test_upload_reports_each_bad_file_and_ingests_the_good_one(app_env: Interviewer) -> None:
    good = json.dumps([{"title": "Churn model", "company": "Initech", "category": "ml_system_design",
                        "question": "How would you predict subscriber churn?",
                        "reference_answer": "Features:\n- Tenure and usage decline\nModel:\n- Gradient boosting"}])
    app = run(page="pages/question_bank.py")
    app.file_uploader[0].set_value([
        ("empty.md", b"", "text/markdown"),
        ("binary.json", b"\x00\x01\x02 binary", "application/json"),
        ("payload.exe", b"MZ\x90\x00", "application/octet-stream"),
        ("../../churn.json", good.encode(), "application/json"),
    ]).run()
    named(app.button, "Ingest the uploaded files").click().run()
    settle(app)
    errors = [plain(e.value) for e in app.error]
    assert len(errors) == 3
    assert "empty.md" in errors[0] and "empty file" in errors[0]
    assert "binary.json" in errors[1] and "binary file" in errors[1]
    assert "payload.exe" in errors[2] and "unsupported extension" in errors[2]
    outcomes = app.dataframe[-1].value
    assert outcomes.set_index("file").loc["../../churn.json", "status"] == "ingested"
    assert "Churn model" in set(app.dataframe[0].value["title"])  # the browse table was refreshed
    churn = next(q for q in app_env.grading.store.questions() if q.title == "Churn model")
    assert churn.source_file.startswith("upload-") and churn.source_file.endswith(".json")


def test_question_bank_browses_filters_searches_and_hides_the_answer_behind_a_spoiler(app_env: Interviewer) -> None:
    app = run(page="pages/question_bank.py")
    assert {"Fraud detection design", "Checkout experiment"} <= set(app.dataframe[0].value["title"])
    named(app.selectbox, "Company").set_value("Globex").run()
    assert set(app.dataframe[0].value["title"]) == {"Checkout experiment"}
    assert [e.label for e in app.expander] == ["Spoiler: key points and reference answer"]
    assert any("Randomise by user" in t.value for t in app.expander[0].text)
    named(app.text_input, "Search the reference answers").set_value("class imbalance in fraud").run()
    hits = app.dataframe[-1].value
    assert hits.iloc[0]["question"] == "Fraud detection design"


def test_history_shows_dimension_scores_sessions_and_questions_seen(app_env: Interviewer) -> None:
    question = app_env.choose("dee", QuestionFilter(company="Acme"), 1)[0]
    session, _ = app_env.start("dee", [question], depth=0)
    app_env.respond(session.id, PARTIAL)
    app = run(page="pages/history.py")
    named(app.text_input, "Candidate name").set_value("dee").run()
    assert not app.exception
    assert app.get("arrow_vega_lite_chart") or app.get("vega_lite_chart")
    sessions, seen = app.dataframe[0].value, app.dataframe[1].value
    assert list(sessions["session"]) == [session.id] and sessions.iloc[0]["graded"] == 1
    assert list(seen["title"]) == ["Fraud detection design"]


def test_report_and_recruiter_pages_render_without_a_session(app_env: Interviewer) -> None:
    report = run(page="pages/report.py")
    assert report.title[0].value == "Report" and report.info
    recruiter = run(page="pages/recruiter.py")
    assert [h.value for h in recruiter.subheader] == ["Question variants", "Bulk grading"]


def test_an_llm_follow_up_is_streamed_then_shown_from_the_stored_turn_with_its_usage(app_env: Interviewer) -> None:
    from bot.interview.phraser import LLMPhraser, TemplatePhraser
    from tests.fakes import ScriptedChatModel

    follow_up = "How would you explain a blocked payment to a legal reviewer?"
    app_env.phraser = LLMPhraser(ScriptedChatModel(replies=[follow_up]))
    try:
        app = run()
        session_id = start(app, "lee", company="Acme", depth=1)
        answer(app, PARTIAL)
        assert plain(chat_texts(app)[-1]) == follow_up
        assert any(c.value.startswith("llm · ") and "tokens" in c.value for c in app.caption)
        assert any("LLM " in m.value and "tokens" in m.value for m in app.markdown)
        assert app_env.repo.load(session_id).turns[-1].engine == "llm"
    finally:
        app_env.phraser = TemplatePhraser()
