"""Markdown that renders literally: candidate and bank text shown as typed, never as links, images, headings or HTML."""

from __future__ import annotations

import re

# Characters with a meaning anywhere in a line (CommonMark, GitHub tables and strikethrough, Streamlit's maths and
# colours); all can be backslash-escaped. `<` and `>` become entities, `&` too where it would start one, and a colon
# is escaped where it could open a Streamlit icon or emoji code (`:material/home:`, `:smile:`).
_INLINE = frozenset("\\`*_~[]{}^$|")
_ENTITIES = {"<": "&lt;", ">": "&gt;"}
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_SHORTCODE = re.compile(r":(?=[A-Za-z])")
# Characters that only mean something at the start of a line: headings, block quotes, lists, rules, setext underlines.
_LINE_START = frozenset("#+-=")
_ORDERED = re.compile(r"(\d{1,9})([.)])")
_WORD_JOINER = "\u2060"
_BARE_LINK = re.compile(r"(?<=:)(?=//)|(?i:(?<=www)(?=\.))|(?<=@)")


def inert_markdown(text: str) -> str:
    """`text` as Markdown that renders literally: no HTML, links, images, emphasis, headings, lists, code or maths.

    Line breaks are kept as hard breaks and leading indentation as no-break spaces, so answers keep their shape.
    Escapes do not stop GitHub-style autolinks (bare `http://…`, `www.…`, `name@host`), so an invisible word joiner
    is put inside those patterns: they show as typed, but not as links.
    """
    text = _BARE_LINK.sub(_WORD_JOINER, text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = []
    for line in text.split("\n"):
        body = line.lstrip(" \t")
        indent = line[: len(line) - len(body)].replace("\t", "    ").replace(" ", "\u00a0")
        lines.append(indent + _line(body))
    return "  \n".join(lines)


def inert_inline(text: str) -> str:
    """`text` on one line (runs of whitespace made one space), rendering literally wherever it is placed."""
    return inert_markdown(" ".join(text.split()))


def _line(body: str) -> str:
    escaped = "".join(_ENTITIES.get(c) or ("\\" + c if c in _INLINE else c) for c in _ENTITY.sub("&amp;", body))
    escaped = _SHORTCODE.sub(r"\\:", escaped)
    if escaped[:1] in _LINE_START:
        return "\\" + escaped
    return _ORDERED.sub(r"\1\\\2", escaped, count=1) if _ORDERED.match(escaped) else escaped
