"""Parse a single-question file with a metadata header and a STAR-story solution (seed bank 001)."""

from __future__ import annotations

import re

from bot.domain.models import AnswerSection
from bot.ingest.parsers import ParseResult, build_question, meta_pair
from bot.ingest.sections import BULLET, key_points_from_sections, split_sections

STAR_PART = re.compile(r"^\s*(?:[STAR]\s*\(\s*)?(Situation|Task|Actions?|Results?)(?:\s*\))?(?:\s*:)?\s*$",
                       re.IGNORECASE)
STORY = re.compile(r"^\s*\d{1,2}[.)]\s+(.+)$")
SEPARATOR = re.compile(r"^\s*[-=_*]{5,}\s*$")
QUICK = re.compile(r"^\s*quick answer\s*:\s*(.*)$", re.IGNORECASE)
SOLUTION = re.compile(r"^\s*(?:solution|answer|reference answer|model answer)(?:\s*:)?\s*$", re.IGNORECASE)


def looks_like_star_story(text: str) -> bool:
    """A title line followed by at least two metadata lines in the first ten lines, then a solution marker."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    head = lines[1:10]
    return len(lines) > 3 and sum(1 for ln in head if meta_pair(ln)) >= 2 and any(SOLUTION.match(ln) for ln in lines)


def _sub_heading(line: str) -> bool:
    s = line.strip()
    return (
        0 < len(s.split()) <= 8
        and s[:1].isupper()
        and ":" not in s
        and not s.endswith((".", ",", ";", "?", "!", ")"))
        and not BULLET.match(s)
    )


def _story_name(header: str) -> str:
    return re.split(r"(?<!\s)\s+[—–-]\s+|:\s", header, maxsplit=1)[0].strip()


def star_sections(body: list[str]) -> list[AnswerSection]:
    """Sections of a STAR solution: one per STAR part (and sub-heading) of each story."""
    sections: list[AnswerSection] = []
    story, part = "", ""
    buf: list[str] = []

    def flush() -> None:
        text = "\n".join(buf).strip()
        if part and text:
            sections.append(AnswerSection(title=f"{story} — {part}" if story else part, text=text))

    for i, line in enumerate(body):
        if SEPARATOR.match(line):
            continue
        star = STAR_PART.match(line)
        story_hit = STORY.match(line)
        nxt = next((ln for ln in body[i + 1 : i + 3] if ln.strip()), "")
        if story_hit and STAR_PART.match(nxt):
            flush()
            story, part, buf = _story_name(story_hit.group(1)), "", []
        elif star:
            flush()
            word = star.group(1).capitalize()
            part, buf = ("Action" if word.startswith("Action") else word), []
        elif part and _sub_heading(line) and not (buf and buf[-1].strip().endswith(":")):
            flush()
            part, buf = line.strip(), []
        elif part:
            buf.append(line.rstrip())
    flush()
    return sections


def parse_star_story(text: str, source_file: str) -> ParseResult:
    """Parse a header + STAR-story file into one question.

    Format (one question per file)::

        Demonstrate invent-and-simplify and customer communication     <- title (first line)
        Company: Amazon                                                <- metadata lines: Company, Role, Category,
        Role: Data Scientist                                              Difficulty, Level, Interview Round, Team,
        Category: Behavioral & Leadership                                 Source, Topic (at least two of them)
        Difficulty: medium
        Interview Round: Technical Screen
        Provide two concise STAR stories: …                            <- the prompt, up to "Quick Answer:"/"Solution"
        Quick Answer: …                                                <- optional summary of what is evaluated
        Solution                                                       <- or "Answer:"
        1) Invent and Simplify — Self-Serve Experiment Evaluator       <- optional story headers
        S (Situation) / T (Task) / A (Action) / R (Results)            <- STAR parts, also "Situation:" etc.
        Why this works                                                 <- short sub-headings inside a story

    Sections are the STAR parts of each story, titled "Story — Part" (e.g. "Invent and Simplify — Situation");
    without STAR parts the solution is split at its headings like any other answer.
    """
    lines = text.splitlines()
    first = next(i for i, ln in enumerate(lines) if ln.strip())
    title = lines[first].strip().strip("#* ").strip()
    meta: dict[str, str] = {}
    prompt: list[str] = []
    quick: list[str] = []
    body: list[str] = []
    state = "meta"
    for line in lines[first + 1 :]:
        if state == "body":
            body.append(line)
            continue
        if SOLUTION.match(line):
            state = "body"
            continue
        quick_hit = QUICK.match(line)
        pair = meta_pair(line) if state == "meta" else None
        if pair:
            meta.setdefault(*pair)
        elif quick_hit:
            state = "quick"
            quick.append(quick_hit.group(1))
        elif state == "quick":
            quick.append(line)
        elif line.strip() or prompt:
            state = "prompt"
            prompt.append(line.rstrip())
    result = ParseResult()
    question = "\n".join(prompt).strip()
    if not question:
        result.warnings.append(f"{title!r} has no prompt text — skipped")
        return result
    quick_text = " ".join(" ".join(quick).split())
    sections = star_sections(body)
    if not sections:
        sections = split_sections("\n".join(body))
    if quick_text:
        sections.insert(0, AnswerSection(title="Quick Answer", text=quick_text))
    answer = "\n".join(ln for ln in body if not SEPARATOR.match(ln)).strip()
    if quick_text:
        answer = f"Quick Answer: {quick_text}\n\n{answer}".strip()
    key_points = key_points_from_sections(sections)
    result.questions.append(
        build_question(
            source_file=source_file,
            title=title,
            question=question,
            meta=meta,
            reference_answer=answer,
            sections=sections,
            key_points=key_points,
        )
    )
    return result
