"""Choose the parser for a bank file from its extension and, for text formats, from its content."""

from __future__ import annotations

from collections.abc import Callable

from bot.ingest.parsers import ParseError, ParseResult
from bot.ingest.parsers.csv_bank import parse_csv
from bot.ingest.parsers.markdown import looks_like_markdown, parse_markdown
from bot.ingest.parsers.seed_text import looks_like_seed_text, parse_seed_text
from bot.ingest.parsers.star_story import looks_like_star_story, parse_star_story
from bot.ingest.parsers.structured import parse_json, parse_yaml
from bot.ingest.parsers.transcript import looks_like_transcript, parse_transcript

Parser = Callable[[str, str], ParseResult]
TEXT_EXTENSIONS = (".txt", ".md", ".markdown")
SUPPORTED_EXTENSIONS = (*TEXT_EXTENSIONS, ".json", ".yaml", ".yml", ".csv")
BY_EXTENSION: dict[str, Parser] = {".json": parse_json, ".yaml": parse_yaml, ".yml": parse_yaml, ".csv": parse_csv}
TEXT_STYLES: tuple[tuple[str, Callable[[str], bool], Parser], ...] = (
    ("transcript", looks_like_transcript, parse_transcript),
    ("markdown", looks_like_markdown, parse_markdown),
    ("numbered", looks_like_seed_text, parse_seed_text),
    ("star", looks_like_star_story, parse_star_story),
)
NOT_RECOGNISED = (
    "no recognisable question (expected numbered questions with Level:/Question: lines, a Markdown heading per "
    "question with Question:/Answer: parts, a titled question with metadata and a Solution, or a "
    "[Candidate]/[Interviewer] transcript)"
)


def text_style(text: str, extension: str = ".txt") -> str:
    """The name of the text style a file is written in ("transcript", "markdown", "numbered", "star"), or ""."""
    styles = TEXT_STYLES
    if extension == ".txt":  # prefer the plain-text styles; Markdown headings are the last resort
        styles = tuple(s for s in TEXT_STYLES if s[0] != "markdown") + tuple(
            s for s in TEXT_STYLES if s[0] == "markdown"
        )
    return next((name for name, looks, _ in styles if looks(text)), "")


def choose_parser(extension: str, text: str) -> Parser:
    """The parser for a file; raises ParseError when the extension or the content is not supported."""
    extension = extension.lower()
    if extension in BY_EXTENSION:
        return BY_EXTENSION[extension]
    if extension not in TEXT_EXTENSIONS:
        raise ParseError(
            f"unsupported extension {extension or '(none)'!r} (supported: {', '.join(SUPPORTED_EXTENSIONS)})"
        )
    style = text_style(text, extension)
    if not style:
        raise ParseError(NOT_RECOGNISED)
    return next(parse for name, _, parse in TEXT_STYLES if name == style)


def parse_text(extension: str, text: str, source_file: str) -> ParseResult:
    """Parse a bank's text with the parser its extension and content call for; at least one question or ParseError."""
    result = choose_parser(extension, text)(text, source_file)
    if not result.questions:
        reason = NOT_RECOGNISED if not result.warnings else f"no usable question ({'; '.join(result.warnings)})"
        raise ParseError(reason)
    return result
