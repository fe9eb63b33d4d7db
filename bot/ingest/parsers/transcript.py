"""Parse a Problem/Solution interview transcript with [Candidate] and [Interviewer] turns (seed bank 002)."""

from __future__ import annotations

import re

from bot.domain.models import AnswerSection
from bot.ingest.parsers import ParseResult, build_question, meta_pair
from bot.ingest.sections import shorten

TURN = re.compile(r"^[^\S\n]*\[(candidate|interviewer|interviewee|you|me)\]\s*", re.IGNORECASE | re.MULTILINE)
UNDERLINE = re.compile(r"^\s*[-=_]{3,}\s*$")
PROBLEM = re.compile(r"^\s*(?:#+\s*)?(?:problem|question|prompt)(?:\s*:)?\s*$", re.IGNORECASE)
SOLUTION = re.compile(r"^\s*(?:#+\s*)?(?:solution|answer|transcript)(?:\s*:)?\s*$", re.IGNORECASE)
DEFAULT_ROLE = "Data Scientist"
FIRST_LABEL = "Framing the problem"
LABEL_MAX = 60
FILLER = r"^(?:(?:now|so|great|ok(?:ay)?|alright|sounds good|well)[,.!]?\s+|it seems that\s+|if you were to\s+)+"


def looks_like_transcript(text: str) -> bool:
    """Whether the text has both candidate and interviewer turns."""
    roles = {m.group(1).lower() for m in TURN.finditer(text)}
    return "interviewer" in roles and bool(roles - {"interviewer"})


def _sentence_search(pattern: str, text: str) -> re.Match[str] | None:
    """`re.search` (any case) of a pattern ending in `(.+?)[.?!]`, on the text cut after its last sentence end: the
    same match, without the quadratic scan of many leads that no sentence end follows."""
    last = max(text.rfind(mark) for mark in ".?!")
    return re.search(pattern, text[: last + 1], re.IGNORECASE) if last >= 0 else None


def turn_label(interviewer_text: str) -> str:
    """A short label for what the interviewer asked ("Now, let's talk about productionization." → Productionization)."""
    text = " ".join(interviewer_text.split())
    topic = _sentence_search(r"\blet[’']?s (?:talk|discuss|move on to|dive into)(?: about)? (.+?)[.?!]", text)
    if not topic:
        topic = _sentence_search(r"\bquestion on the (.+?)[.?!]", text)
    if topic and len(topic.group(1).split()) <= 8 and not topic.group(1).lower().startswith(("them", "it ", "that")):
        label = topic.group(1)
    else:
        sentences = re.findall(r"(?<![^.?!])[^.?!]+\?", text)
        label = sentences[-1].strip() if sentences else text
    label = re.sub(FILLER, "", label.strip(" ."), flags=re.IGNORECASE)
    if len(label) > LABEL_MAX and ", " in label and len(label.split(", ")[0].split()) >= 3:
        label = label.split(", ")[0]
    return shorten(label[:1].upper() + label[1:], LABEL_MAX)


def parse_transcript(text: str, source_file: str) -> ParseResult:
    """Parse a transcript file into one question with follow-ups.

    Format (one question per file)::

        Problem
        ----------
        How would you calculate the customer lifetime value (CLV) of Amazon customers?   <- the question
        (optional metadata lines: Company:, Role:, Difficulty:, Level:, Category:, …)
        Solution
        ---------
        [Candidate] Before talking about the solution, I'd like to first frame the problem …
        [Interviewer] They are all reasonable assumptions … What would be a reasonable lifetime history?
        [Candidate] …

    The reference answer is the candidate's turns; there is one section per candidate turn, titled by what the
    interviewer had just asked (a short label) and keeping that turn verbatim (the section's exemplar probe); the
    interviewer's turns, verbatim and in order, are the follow-ups.
    Without a Role: line a transcript is taken to be a Data Scientist interview.
    """
    result = ParseResult()
    first_turn = TURN.search(text)
    if not first_turn:
        return result
    head_lines = text[: first_turn.start()].splitlines()
    meta: dict[str, str] = {}
    prompt: list[str] = []
    for line in head_lines:
        pair = meta_pair(line)
        if pair:
            meta.setdefault(*pair)
        elif not (UNDERLINE.match(line) or PROBLEM.match(line) or SOLUTION.match(line)):
            prompt.append(line.rstrip())
    question = "\n".join(prompt).strip()
    if not question:
        result.warnings.append("transcript has no problem statement before the first turn — skipped")
        return result
    turns: list[tuple[str, str]] = []
    marks = list(TURN.finditer(text))
    for k, mark in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        speaker = "interviewer" if mark.group(1).lower() == "interviewer" else "candidate"
        body = text[mark.end() : end].strip()
        if body:
            turns.append((speaker, body))
    follow_ups = [body for speaker, body in turns if speaker == "interviewer"]
    sections: list[AnswerSection] = []
    asked = ""
    for speaker, body in turns:
        if speaker == "interviewer":
            asked = body
            continue
        title = turn_label(asked) if asked else FIRST_LABEL
        if sections and not asked:
            sections[-1] = sections[-1].model_copy(update={"text": f"{sections[-1].text}\n\n{body}"})
        else:
            sections.append(AnswerSection(title=title, text=body, asked=asked))
        asked = ""
    result.questions.append(
        build_question(
            source_file=source_file,
            title="",
            question=question,
            meta=meta,
            reference_answer="\n\n".join(s.text for s in sections),
            sections=sections,
            follow_ups=follow_ups,
            bank_role=DEFAULT_ROLE,
        )
    )
    return result
