"""The UI's pure helpers: inert Markdown, session ids, filter options, upload checks and naming, history tables."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from bot.domain.limits import Limits
from bot.domain.models import Question
from bot.retrieval.store import ChromaStore
from bot.storage.repository import DimensionPoint
from bot.ui.state import ANY, chosen, history_frame, inert_markdown, is_session_id, options, seen_rows
from bot.ui.uploads import Upload, allowed_suffix, ingest_uploads, stored_name
from tests.fakes import HashingEmbedder

HOSTILE = [
    "<script>alert('x')</script>",
    "[link](http://x)",
    "![img](http://x)",
    "<img src=x onerror=alert(1)>",
    "# heading\n---\n> quote\n1. item\n- item\n| a | b |\n|---|---|",
    "**bold** _em_ `code` ~~strike~~ $x^2$ :red[colour] &amp; &#60;",
    "Title\n===\nwww.example.com http://example.com <http://example.com>",
    "    indented code\n```\nfence\n```",
]


def render(markdown: str) -> str:
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(markdown)


@pytest.mark.parametrize("text", HOSTILE)
def test_inert_markdown_renders_as_plain_text(text: str) -> None:
    html = render(inert_markdown(text))
    for tag in ("<script", "<a ", "<img", "<em>", "<strong>", "<code>", "<h1>", "<h2>", "<blockquote>", "<ol>",
                "<ul>", "<table>", "<s>", "<hr", "<pre>"):
        assert tag not in html, (tag, html)
    # every character of the original survives, as text (the renderer escapes it back for HTML)
    plain = MarkdownIt("commonmark").parseInline(inert_markdown(text))[0].children or []
    shown = "".join(t.content if t.type == "text" else "\n" for t in plain)
    assert shown.replace("\n", "").replace("\u00a0", " ").replace("\u2060", "") == text.replace("\n", "")


@pytest.mark.parametrize("text", ["see http://x.test/a", "HTTPS://X.TEST", "www.example.com", "mail me@example.com",
                                  "mailto:me@example.com"])
def test_inert_markdown_breaks_bare_autolinks(text: str) -> None:
    shown = inert_markdown(text).replace("\\", "")
    for pattern in ("://", "www.", "WWW.", "@e"):
        assert pattern not in shown


def test_inert_markdown_keeps_line_breaks() -> None:
    assert "<br" in render(inert_markdown("first line\nsecond line"))


def test_session_ids_are_32_hex_digits() -> None:
    assert is_session_id("0123456789abcdef0123456789abcdef")
    for bad in ("", "abc", "0123456789ABCDEF0123456789ABCDEF", "../../etc/passwd", None, 7):
        assert not is_session_id(bad)


def test_filter_options_start_with_any_and_skip_blanks() -> None:
    questions = [Question.build(source_file="a", question=f"q{i}", title="t", company=c)
                 for i, c in enumerate(["walmart", "Amazon", "", "Amazon"])]
    assert options(questions, "company") == [ANY, "Amazon", "walmart"]
    assert chosen(ANY) is None and chosen("Amazon") == "Amazon"


@pytest.mark.parametrize(("name", "suffix"), [
    ("bank.md", ".md"), ("BANK.YML", ".yml"), ("../../etc/passwd.json", ".json"), ("..\\..\\x.csv", ".csv"),
    ("notes.txt", ".txt"), ("bank.exe", None), ("bank", None), ("bank.md.exe", None), (".md", None),
    ("bank.markdown", None),
])
def test_only_allowed_extensions_are_kept(name: str, suffix: str | None) -> None:
    assert allowed_suffix(name) == suffix


def test_stored_name_is_generated_from_the_content() -> None:
    name = stored_name(Upload("../../../evil name.md", b"content"), ".md")
    assert name.startswith("upload-") and name.endswith(".md") and "/" not in name and "evil" not in name
    assert name == stored_name(Upload("other.md", b"content"), ".md")


def test_uploads_are_checked_and_ingested_one_by_one(tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    store = ChromaStore.open(path=tmp_path / "index", embedder_name=embedder.name, dim=embedder.dim)
    good = json.dumps([{"title": "Churn", "question": "How would you predict churn?", "company": "Initech",
                        "reference_answer": "Features:\n- Tenure and usage\nModel:\n- Gradient boosting"}])
    outcomes = ingest_uploads([
        Upload("../../escape.json", good.encode()),
        Upload("empty.md", b""),
        Upload("binary.csv", b"\x00\x01\x02binary"),
        Upload("tool.exe", b"MZ"),
        Upload("big.txt", b"x" * 2048),
        Upload("latin1.txt", "Caf\xe9".encode("latin-1")),
    ], store, embedder, limits=Limits(upload_bytes=1024))
    by_name = {o.name: o for o in outcomes}
    assert [o.name for o in outcomes] == ["../../escape.json", "empty.md", "binary.csv", "tool.exe", "big.txt",
                                          "latin1.txt"]
    assert by_name["../../escape.json"].status == "ingested" and by_name["../../escape.json"].questions == 1
    assert by_name["empty.md"].reason == "empty file"
    assert by_name["binary.csv"].reason.startswith("binary file")
    assert by_name["tool.exe"].reason.startswith("unsupported extension '.exe'")
    assert by_name["big.txt"].reason == ("file is too large (2.0 KB); the limit is 1.0 KB "
                                         "(set MOCKINTERVIEW_MAX_UPLOAD_MB to change it)")
    assert by_name["latin1.txt"].reason.startswith("not UTF-8 text")
    [question] = store.questions()
    assert question.company == "Initech" and question.source_file.startswith("upload-")
    assert not (tmp_path.parent / "escape.json").exists() and not Path("escape.json").exists()


def test_history_frame_has_a_column_per_dimension_and_a_row_per_grade() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    points = [DimensionPoint(session_id="s", question_id=q, created_at=start + timedelta(minutes=i), key=k,
                             name=k.title(), score=s)
              for i, q in enumerate(["q1", "q2"]) for k, s in (("structure", 2 + i), ("depth", 3))]
    frame = history_frame(points)
    assert list(frame.columns) == ["Depth", "Structure"] and len(frame) == 2
    assert frame["Structure"].tolist() == [2, 3]
    assert history_frame([]).empty


def test_seen_rows_name_questions_and_flag_removed_ones() -> None:
    question = Question.build(source_file="a", question="q", title="Fraud")
    rows = seen_rows({question.id, "gone"}, [question])
    assert [r["title"] for r in rows] == ["Fraud", "(no longer in the index)"]
