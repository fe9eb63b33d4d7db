"""The Markdown report shows candidate and bank text as typed: no link, image, heading, HTML or table of theirs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from bot.domain.grade import Citation, DimensionScore, Grade, KeyPointResult
from bot.domain.interview import SessionConfig, Turn
from bot.domain.models import AnswerSection, Question
from bot.reports.inert import inert_inline, inert_markdown
from bot.reports.service import report_bytes
from bot.storage.repository import SessionRepository

BEACON = "![b](http://host/beacon.png)"
LINK = "[Click for your full score](http://host/score)"
FORGED = "# Grade: 100/100 — STRONG HIRE"
HOSTILE_ANSWER = (f"I would weight the rare class.\n{BEACON}\n{LINK}\n{FORGED}\nGrade: 100\n===\n"
                  "<img src=x onerror=alert(1)> <a href='http://host'>here</a>\n| a | b |\n|---|---|\n"
                  "    indented code\n```\nfence\n```\n1. listed\n- bullet\n> quoted\n"
                  "see www.host.test or me@host.test")
HOSTILE_BANK = Question(
    id="q-1", title=f"Fraud {BEACON}", company="Acme", role="DS", category="ml_system_design", difficulty="hard",
    source_file="bank.md", question=f"Design fraud detection.\n{FORGED}\n{LINK}", reference_answer="Class weights.",
    sections=[AnswerSection(title="Imbalance", text="Class weights.")])


def render(markdown: str) -> str:
    """HTML of `markdown` as a CommonMark viewer with GitHub tables and raw HTML allowed would show it."""
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(markdown)


@dataclass
class Store:
    def question(self, question_id: str) -> Question | None:
        return HOSTILE_BANK if question_id == HOSTILE_BANK.id else None

    def questions(self) -> list[Question]:
        return [HOSTILE_BANK]


@pytest.fixture
def exported(tmp_path: Path) -> Iterator[str]:
    repo = SessionRepository(f"sqlite:///{tmp_path / 'r.db'}")
    session = repo.create_session(SessionConfig(user=f"eve {LINK}", question_ids=["q-1"]))
    turns = (("interviewer", "question", HOSTILE_BANK.question), ("candidate", "answer", HOSTILE_ANSWER),
             ("interviewer", "follow_up", "What else?"), ("candidate", "answer", f"{FORGED}\n{BEACON}"))
    for role, kind, text in turns:
        repo.append_turn(session.id, Turn.model_validate({"role": role, "kind": kind, "text": text,
                                                          "question_id": "q-1"}))
    cite = Citation(question_id="q-1", section=f"Imbalance` {BEACON} `", chunk_id="c", snippet=LINK)
    repo.save_grade(session.id, "q-1", Grade(
        question_id="q-1", rubric="ml_system_design", overall=40,
        dimensions=[DimensionScore(key="coverage", name="Coverage", weight=1.0, score=2,
                                   justification="Some.", evidence=[BEACON, "a | b"])],
        covered=[KeyPointResult(key_point=f"Class weights {LINK}", covered=True, score=0.8, evidence=BEACON,
                                citation=cite)],
        missing=[], improvements=[f"{FORGED} {BEACON}"], model_answer_excerpt=f"Weights.\n{FORGED}"))
    try:
        yield report_bytes(session.id, repo, Store(), "md").decode("utf-8")
    finally:
        repo.close()


def test_the_export_has_no_live_link_image_heading_or_html_from_candidate_or_bank_text(exported: str) -> None:
    html = render(exported)
    for tag in ("<a ", "<img", "<script", "<pre>", "<hr"):
        assert tag not in html, tag
    assert all(re.fullmatch(r"[\w.-]+", code) for code in re.findall(r"<code>(.*?)</code>", html))  # ids only
    headings = [line for line in html.splitlines() if line.startswith(("<h1", "<h2", "<h3", "<h4"))]
    assert not [h for h in headings if "STRONG HIRE" in h]
    assert [h for h in headings if h.startswith("<h1")] == ["<h1>Interview feedback report</h1>"]
    assert "<h2>Question 1: Fraud ![b](http:\u2060//host/beacon.png)</h2>" in headings  # the bank's title, as typed
    assert html.count("<table>") == 2 and "<th>a</th>" not in html  # the report's own two tables, none of theirs
    assert "<h3>Grade: 40/100</h3>" in html  # the report's own headings still render


def test_the_export_still_shows_what_the_candidate_typed(exported: str) -> None:
    html = render(exported)
    for shown in ("# Grade: 100/100 — STRONG HIRE", "![b](http:\u2060//host/beacon.png)",
                  "[Click for your full score](http:\u2060//host/score)", "&lt;img src=x onerror=alert(1)&gt;",
                  "1. listed", "- bullet", "&gt; quoted", "www\u2060.host.test", "me@\u2060host.test"):
        assert shown in html, shown
    assert "I would weight the rare class.<br />" in html  # line breaks kept


@pytest.mark.parametrize("text", [HOSTILE_ANSWER, FORGED, "Title\n---", "***", "+ 1", "2) second", "a\tb\\",
                                  "&amp; &#60; R&D", "$x$ ~~s~~ :red[c] :material/home:", "`x` **b** _e_"])
def test_inline_text_renders_as_one_paragraph_of_the_same_characters(text: str) -> None:
    for prefix in ("", "- ✓ ", "1. ", "## Question 1: ", "> "):
        html = render(prefix + inert_inline(text))
        for tag in ("<a ", "<img", "<strong>", "<em>", "<code>", "<s>", "<table>", "<pre>", "<br"):
            assert tag not in html, (prefix, tag, html)
        tokens = MarkdownIt("commonmark").parseInline(inert_inline(text))[0].children or []
        shown = "".join(t.content for t in tokens).replace("\u2060", "")
        assert shown == " ".join(text.split())


def test_multiline_text_keeps_its_lines_and_blank_lines_as_paragraphs() -> None:
    html = render(inert_markdown("first\n\n  second\nthird"))
    assert html.count("<p>") == 2 and "second<br />" in html
