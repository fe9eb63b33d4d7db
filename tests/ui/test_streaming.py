"""A streamed interviewer reply is inert Markdown: nothing live forms in it, even across the pieces it arrives in."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from markdown_it import MarkdownIt

from bot.ui.streaming import StreamedReply

PIECES = ["Click ![b](http:", "//host/beacon.png) or www", ".host.test\n# Grade", ": 100/100 — STRONG HIRE"]


def respond(on_text: Callable[[str], None]) -> list[Any]:
    """Streams fixed pieces through `on_text`, as the interviewer does with an LLM reply."""
    for piece in PIECES:
        on_text(piece)
    return []


def test_streamed_pieces_render_as_the_text_typed() -> None:
    reply = StreamedReply(respond, threading.Lock())
    streamed = "".join(reply.pieces())
    assert reply.result() == []
    html = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(streamed)
    for tag in ("<a ", "<img", "<h1"):
        assert tag not in html, html
    assert "://" not in streamed and "www." not in streamed  # bare autolinks broken, though split across pieces
    shown = "".join(t.content for t in MarkdownIt("commonmark").parseInline(streamed)[0].children or [])
    assert shown.replace("\u2060", "").replace("\n", "") == "".join(PIECES).replace("\n", "")
