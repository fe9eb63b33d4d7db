"""Parse Markdown banks: one `#` or `##` heading per question with metadata, Question: and Answer: parts."""

from __future__ import annotations

import re

from bot.ingest.parsers import ParseResult, build_question, company_from_text, meta_pair, role_from_text
from bot.ingest.sections import BULLET, FENCE, md_heading


def _marker(word: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*(?:#{{2,6}}\s*)?(?:\*\*|__)?(?:{word})(?:\*\*|__)?\s*(?::\s*(?:\*\*|__)?\s*(.*)|)$", re.I)


QUESTION = _marker("question|prompt")
ANSWER = _marker("answer|reference answer|model answer|sample answer|solution")
KEY_POINTS = _marker("key points")
FOLLOW_UPS = _marker("follow[- ]?ups?(?: questions)?")
MARKERS = (("question", QUESTION), ("answer", ANSWER), ("key_points", KEY_POINTS), ("follow_ups", FOLLOW_UPS))


def _blocks(text: str) -> list[tuple[int, str, list[str]]]:
    blocks: list[tuple[int, str, list[str]]] = []
    in_fence = False
    for line in text.splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else md_heading(line, max_level=2)
        if heading:
            blocks.append((heading[0], re.sub(r"(\*\*|__)", "", heading[1]).strip(), []))
        elif blocks:
            blocks[-1][2].append(line)
    return blocks


def _has_parts(lines: list[str]) -> bool:
    return any(QUESTION.match(ln) or ANSWER.match(ln) for ln in lines)


def looks_like_markdown(text: str) -> bool:
    """Whether some `#`/`##` heading block has a Question: or Answer: part."""
    return any(_has_parts(lines) for _, _, lines in _blocks(text))


def _items(lines: list[str], separator: str) -> list[str]:
    bullets = [BULLET.sub("", ln, count=1).strip() for ln in lines if BULLET.match(ln)]
    if bullets:
        return bullets
    return [part.strip() for part in re.split(separator, "\n".join(lines)) if part.strip()]


def _parse_block(lines: list[str]) -> tuple[dict[str, str], str, str, list[str], list[str]]:
    meta: dict[str, str] = {}
    parts: dict[str, list[str]] = {"pre": [], "question": [], "answer": [], "key_points": [], "follow_ups": []}
    state = "pre"
    in_fence = False
    for line in lines:
        if FENCE.match(line):
            in_fence = not in_fence
        hit = None
        allowed = MARKERS if state == "pre" else MARKERS[1:] if state == "question" else MARKERS[2:]
        for name, pattern in () if in_fence else allowed:
            m = pattern.match(line)
            if m:
                hit = (name, (m.group(1) or "").strip())
                break
        if hit:
            state = hit[0]
            parts[state].extend([hit[1]] if hit[1] else [])
            continue
        pair = meta_pair(line) if state == "pre" else None
        if pair:
            meta.setdefault(*pair)
        else:
            parts[state].append(line.rstrip())
    question = "\n".join(parts["question"] or parts["pre"]).strip()
    answer = "\n".join(parts["answer"]).strip()
    return meta, question, answer, _items(parts["key_points"], r"\n|;\s"), _items(parts["follow_ups"], r"\n")


def parse_markdown(text: str, source_file: str) -> ParseResult:
    """Parse a Markdown bank into questions.

    Format::

        # Amazon Data Scientist                 <- optional bank title (a heading without Question/Answer parts);
                                                   company and role fall back to it; later such headings set the topic
        ## 1. Fraud detection design            <- one heading per question (a leading "1." is dropped)
        Company: Amazon                         <- optional metadata: Company, Role, Category, Difficulty, Level,
        Difficulty: hard                           Interview Round, Team, Source, Topic (also **Bold:** keys)
        Question: Design a fraud detection …    <- or a "### Question" sub-heading; may span several lines
        Answer:                                 <- or "### Answer" / "Solution"
        ### Architecture                        <- sub-headings or "Name:" lines start answer sections
        - Streaming: Kafka + Kinesis            <- bullets ("Label: detail") give the key points
        Key points:                             <- optional explicit key points (bullets), kept as given
        - SMOTE; cost-sensitive learning
        Follow-ups:                             <- optional follow-up questions (bullets)
        - How would you explain a decision?

    A block needs a Question: or an Answer: part; without a Question: part, the text before Answer: is the question.
    """
    result = ParseResult()
    bank_company = bank_role = topic = ""
    seen_question = False
    for level, heading, lines in _blocks(text):
        if not _has_parts(lines):
            if level == 1 and not seen_question and not bank_company and not bank_role:
                bank_company, bank_role = company_from_text(heading), role_from_text(heading)
            elif level == 1 or not seen_question:
                topic = heading
            continue
        seen_question = True
        title = re.sub(r"^(?:q(?:uestion)?\s*)?\d{1,3}[.):]\s*", "", heading, flags=re.I).strip()
        meta, question, answer, key_points, follow_ups = _parse_block(lines)
        if not question:
            result.warnings.append(f"{heading!r} has no question text — skipped")
            continue
        meta.setdefault("topic", topic)
        result.questions.append(
            build_question(
                source_file=source_file,
                title=title,
                question=question,
                meta=meta,
                reference_answer=answer,
                key_points=key_points,
                follow_ups=follow_ups,
                bank_company=bank_company,
                bank_role=bank_role,
                markdown=True,
            )
        )
    return result
