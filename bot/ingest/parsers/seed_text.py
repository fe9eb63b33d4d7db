"""Parse plain-text banks of numbered questions with Level:/Question:/Answer: parts (seed banks 000, 003, 004)."""

from __future__ import annotations

import re

from bot.ingest.parsers import ParseResult, build_question, company_from_text, meta_pair, role_from_text
from bot.ingest.sections import BULLET, is_code_line, looks_like_heading, unglue_headings

LINE_START = re.compile(r"^\s*(?:#{1,3}\s*)?(?:\*\*)?(\d{1,3})[.)]\s+(\S.*)$")
QUESTION_LINE = re.compile(r"^\s*(?:\*\*)?question(?:\*\*)?\s*:\s*(?:\*\*)?\s*(.*)$", re.IGNORECASE)
ANSWER_ALONE = re.compile(
    r"^\s*(?:#{1,3}\s*)?(?:\*\*)?(?:answer(?: framework)?|solution|reference answer|model answer|sample answer)"
    r"(?:\*\*)?(?:\s*:)?(?:\s*\*\*)?\s*$",
    re.IGNORECASE,
)
ANSWER_INLINE = re.compile(r"^\s*(?:\*\*)?(?:reference |model |sample )?answer(?:\*\*)?\s*:\s*(?:\*\*)?\s*(.+)$", re.I)
CONFIRM_WINDOW = 3


def _is_header_line(line: str) -> bool:
    return bool(QUESTION_LINE.match(line) or meta_pair(line))


def _confirmed(lines: list[str], start: int) -> bool:
    following = [ln for ln in lines[start : start + 12] if ln.strip()][:CONFIRM_WINDOW]
    return any(_is_header_line(ln) for ln in following)


def _title(rest: str) -> str:
    """A numbered line's title: the rest of the line without trailing spaces and one closing "**"."""
    rest = rest.rstrip()
    return rest[:-2] if len(rest) > 2 and rest.endswith("**") else rest


def _find_start(line: str, expected: int | None) -> tuple[int, int, str] | None:
    """(char position, number, title) of a question header in the line, if any."""
    m = LINE_START.match(line)
    if m and (expected is None or int(m.group(1)) == expected):
        return 0, int(m.group(1)), _title(m.group(2))
    if expected is not None:
        g = re.search(rf"(?<![\d.]){expected}\.\s+([A-Z“\"'].*)$", line)
        if g and g.start() > 0:
            return g.start(), expected, g.group(1).rstrip()
    return None


def find_question_starts(lines: list[str]) -> list[tuple[int, int, str]]:
    """(line index, char position, title) of every confirmed question start, in order."""
    starts: list[tuple[int, int, str]] = []
    expected: int | None = None
    for i, line in enumerate(lines):
        hit = _find_start(line, expected)
        if hit and _confirmed(lines, i + 1):
            starts.append((i, hit[0], hit[2].strip().rstrip(":").strip()))
            expected = hit[1] + 1
    return starts


def looks_like_seed_text(text: str) -> bool:
    """Whether the text has at least one confirmed numbered question."""
    return bool(find_question_starts(text.splitlines()))


def _topic_like(line: str, bank_title: str) -> bool:
    s = line.strip()
    return (
        bool(s)
        and s != bank_title
        and s.lower() != "overview"
        and not s.endswith((":", ".", ",", ";"))
        and not BULLET.match(s)
        and not is_code_line(s)
        and not meta_pair(s)
        and looks_like_heading(s, max_words=10)
    )


def _pop_topic(segment: list[str], bank_title: str) -> str:
    while segment and not segment[-1].strip():
        segment.pop()
    if segment and _topic_like(segment[-1], bank_title):
        return segment.pop().strip()
    return ""


def _split_block(block: list[str]) -> tuple[dict[str, str], str, str]:
    """Metadata, question text and answer text of one question's lines."""
    meta: dict[str, str] = {}
    q_lines: list[str] = []
    a_lines: list[str] = []
    state = "header"
    answered = False
    for line in block:
        if state == "answer":
            a_lines.append(line)
            continue
        if ANSWER_ALONE.match(line) or (state == "question" and ANSWER_INLINE.match(line)):
            inline = ANSWER_INLINE.match(line)
            a_lines.extend([inline.group(1)] if inline else [])
            state, answered = "answer", True
            continue
        pair = meta_pair(line) if state == "header" else None
        if pair:
            meta.setdefault(pair[0], pair[1])
            continue
        qm = QUESTION_LINE.match(line) if state == "header" else None
        if qm:
            q_lines.append(qm.group(1))
            state = "question"
        elif line.strip() or state == "question":
            q_lines.append(line)
            state = "question"
    if not answered:
        text = "\n".join(q_lines).strip()
        head, _, rest = text.partition("\n\n") if "\n\n" in text else text.partition("\n")
        return meta, head, rest
    return meta, "\n".join(q_lines), "\n".join(a_lines)


def parse_seed_text(text: str, source_file: str) -> ParseResult:
    """Parse a numbered plain-text bank into questions.

    Format (one file, many questions)::

        Amazon Data Analyst                      <- bank title: company and role fall back to it
        Overview / intro paragraph               <- ignored
        Advanced Analytics & Machine Learning    <- optional topic heading (applies until the next one)
        1. Advanced Fraud Detection System Design
        Level: L5-L6 Data Scientist              <- metadata lines: Level, Difficulty (Level), Data Science Level,
        Question: “Design a …”                      Company, Role, Category, Topic, Source, Team, Interview Round
        Answer:                                  <- or "Answer Framework" / "Solution"
        System Architecture:                     <- answer sections ("Name:" lines, bullets, code)
        - Feature Engineering: …

    A question starts at a number that continues the sequence ("N. Title", also glued to the end of a code line
    by PDF extraction, e.g. "return selected4. Design …"), confirmed by a metadata or Question: line within the
    next three lines; numbered lists inside answers are therefore not mistaken for questions.
    """
    lines = text.splitlines()
    non_blank = sum(1 for ln in lines if ln.strip())
    if non_blank and len(lines) - non_blank >= 0.8 * non_blank:
        lines = [ln for ln in lines if ln.strip()]  # double-spaced export: blank lines carry no meaning
    starts = find_question_starts(lines)
    result = ParseResult()
    if not starts:
        return result
    first = next((ln.strip() for ln in lines[: starts[0][0]] if ln.strip()), "")
    bank_title = first if first and looks_like_heading(first, max_words=8) else ""
    bank_company, bank_role = company_from_text(bank_title), role_from_text(bank_title)
    segment = list(lines[: starts[0][0]])
    topic = ""
    for k, (index, pos, title) in enumerate(starts):
        if pos > 0:
            segment.append(lines[index][:pos])
        else:
            topic = _pop_topic(segment, bank_title) or topic
        end = starts[k + 1][0] if k + 1 < len(starts) else len(lines)
        block = list(lines[index + 1 : end])
        if k + 1 < len(starts) and starts[k + 1][1] > 0:
            block.append(lines[end][: starts[k + 1][1]])
        next_topic = _pop_topic(block, bank_title) if k + 1 < len(starts) and starts[k + 1][1] == 0 else ""
        segment = []
        meta, question, answer = _split_block(block)
        if not question.strip():
            result.warnings.append(f"question {k + 1} ({title!r}) has no question text — skipped")
        else:
            meta.setdefault("topic", topic)
            result.questions.append(
                build_question(
                    source_file=source_file,
                    title=title,
                    question=question,
                    meta=meta,
                    reference_answer=unglue_headings(answer.strip()),
                    bank_company=bank_company,
                    bank_role=bank_role,
                )
            )
        topic = next_topic or topic
    return result
