"""The Report page through AppTest: a hostile answer and a hostile bank question are shown as text, never live."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from markdown_it import MarkdownIt

from bot.domain.filters import QuestionFilter
from tests.ui.test_pages import app_with_bank, run

pytestmark = pytest.mark.slow
BEACON = "![b](http://host/beacon.png)"
LINK = "[Click for your full score](http://host/score)"
FORGED = "# Grade: 100/100 — STRONG HIRE"
BANK = [{"title": f"Fraud detection {BEACON}", "category": "ml_system_design", "company": "Acme",
         "question": f"Design a fraud detection system. How would you handle imbalanced data?\n\n{FORGED}\n{LINK}",
         "reference_answer": "Imbalance:\n- Class weights and threshold tuning on the precision-recall curve\n"
                             "Explainability:\n- SHAP values and reason codes for legal reviewers"}]
ANSWER = (f"I would use class weights and tune the threshold on the precision-recall curve.\n\n{BEACON}\n\n{LINK}\n\n"
          f"{FORGED}\n\n<img src=x onerror=alert(1)> www.host.test")


@pytest.fixture(scope="module")
def graded_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A finished, graded session whose question and answer carry links, images, a forged heading and HTML."""
    with app_with_bank(tmp_path_factory.mktemp("report"), BANK) as interviewer:
        question = interviewer.choose("eve", QuestionFilter(company="Acme"), 1)[0]
        session, _ = interviewer.start("eve", [question], depth=0)
        interviewer.respond(session.id, ANSWER)
        interviewer.finish(session.id)
        assert interviewer.repo.load(session.id).grades
        yield session.id


def test_the_report_page_shows_the_answer_and_the_question_as_text(graded_session: str) -> None:
    app = run({"session": graded_session}, page="pages/report.py")
    assert app.title[0].value == "Report"
    sources = [m.value for m in app.markdown] + [c.value for c in app.caption]
    report = next(s for s in sources if "Interview feedback report" in s)
    assert "STRONG HIRE" in report and "beacon.png" in report and "Click for your full score" in report  # shown...
    for source in sources:  # ...but no element of the page fetches, links or forges a heading
        html = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(source)
        for tag in ("<a ", "<img", "<script"):
            assert tag not in html, (tag, html)
        assert not [line for line in html.splitlines() if line.startswith("<h") and "STRONG HIRE" in line]
