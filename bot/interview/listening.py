"""What the interviewer can probe after an answer: requirements it clearly missed (never ones it covered), and,
when nothing important is missing, what it said without depth — a claim without numbers, an unexplained choice."""

from __future__ import annotations

import re

from bot.domain.grade import Grade
from bot.domain.policy import Target
from bot.grading.reference import Reference
from bot.grading.text import statements
from bot.interview import probes
from bot.interview.phrasing import concrete_term, shorten

PROBE_BELOW = 0.3  # a requirement is probed only when its best evidence is this weak: a near miss is not a gap
_CLAIM = re.compile(r"\b(?:improv\w*|increas\w*|reduc\w*|decreas\w*|faster|slower|better|worse|saved|cut|grew|"
                    r"dropped|fell|rose|doubled|halved|went (?:up|down))\b", re.I)
_NUMBER = re.compile(r"\d|\b(?:half|double|twice|percent)\b", re.I)
_CHOICE = re.compile(r"\b(?:I|we)(?:'d| would)? (?:chose|choose|picked|pick|went with|go with|decided on|opted for|"
                     r"settled on|used|use)\b", re.I)
_REASON = re.compile(r"\b(?:because|since|so that|so we|as it|given|to avoid|which meant|the reason)\b", re.I)


def missing_targets(grade: Grade, reference: Reference, include: frozenset[str] = frozenset()) -> list[Target]:
    """The requirements the answer clearly missed, most important first, each with its question (and, whatever
    their score now, the ones in `include`: those already probed, which a hint may come back to)."""
    points = {p.id: p for p in reference.points}
    behavioral = reference.category == "behavioral"
    out = []
    for result in grade.missing:
        point = points.get(result.id)
        if point is None or (result.score >= PROBE_BELOW and result.id not in include):
            continue
        subject = probes.topic(point)
        out.append(Target(kind="key_point", key=result.id, label=subject,
                          probe=probes.probe_question(point, behavioral),
                          why=f"The answer says little or nothing about {subject}."))
    return out


def depth_targets(answer: str, avoid: frozenset[str], behavioral: bool) -> list[Target]:
    """Things the candidate said without depth: a claimed improvement with no number, a choice with no reason."""
    out = []
    for n, sentence in enumerate(statements(answer)):
        if _CLAIM.search(sentence) and not _NUMBER.search(sentence):
            out.append(Target(kind="depth", key=f"numbers:{n}", label="numbers for a claim",
                              probe=f"You said “{shorten(sentence, 14)}” What numbers can you put on that?",
                              why="A result was claimed without a number."))
        elif _CHOICE.search(sentence) and not _REASON.search(sentence):
            term = concrete_term(sentence, avoid)
            if term:
                past = "did you pick" if behavioral else "would you pick"
                out.append(Target(kind="depth", key=f"choice:{n}", label=term,
                                  probe=f"You chose {term}. Why {past} it over the alternatives?",
                                  why="A choice was made without a reason."))
    return out


def weak_dimensions(grade: Grade) -> list[Target]:
    """Rubric dimensions scored 2 or less (heaviest first), other than coverage itself."""
    return [Target(kind="dimension", key=d.key, label=d.name, why=f"{d.name} scored {d.score}/5.")
            for d in sorted(grade.dimensions, key=lambda d: -d.weight)
            if d.score <= 2 and d.key not in ("coverage", "relevance")]
