"""What the interviewer can probe after an answer: requirements it clearly missed (never ones it covered), and,
when nothing important is missing, what it said without depth — a claim without numbers, an unexplained choice."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.domain.grade import Grade
from bot.domain.policy import Target
from bot.grading.kinds import kind_meanings
from bot.grading.reference import Reference, ReferencePoint
from bot.grading.text import statements
from bot.interview import probes
from bot.interview.phrasing import concrete_term, shorten

PROBE_BELOW = 0.3  # a requirement is probed only when its best evidence is this weak: a near miss is not a gap
ADDRESSED_AT = 0.22  # ... and no sentence of the answer is this close to its wording (then the answer talks about
                     # it, in words the grader may not credit: asking for it again is asking for what was said)
_CLAIM = re.compile(r"\b(?:improv\w*|increas\w*|reduc\w*|decreas\w*|faster|slower|better|worse|saved|cut|grew|"
                    r"dropped|fell|rose|doubled|halved|went (?:up|down))\b", re.I)
_NUMBER = re.compile(r"\d|\b(?:half|double|twice|percent)\b", re.I)
_CHOICE = re.compile(r"\b(?:I|we)(?:'d| would)? (?:chose|choose|picked|pick|went with|go with|decided on|opted for|"
                     r"settled on|used|use)\b", re.I)
_REASON = re.compile(r"\b(?:because|since|so that|so we|as it|given|to avoid|which meant|the reason)\b", re.I)


def requirements(reference: Reference) -> list[tuple[ReferencePoint, list[str]]]:
    """What the interviewer may ask for, each as (the point whose wording asks for it, the ids of every point that
    shows it), most important first. Behavioral questions: the prompt's elements. Other questions: the prompt's asks
    (answered by a reference section, or standing alone) — a section that answers no ask is one way to answer, not a
    requirement; only when the prompt asks for nothing beyond its main task are the sections what to ask for."""
    points = reference.points
    if reference.category == "behavioral":
        return [(p, [p.id]) for p in points]
    spec_ids = [e.id for e in reference.spec.elements if not e.main] if reference.spec else []
    groups = []
    for element_id in spec_ids:
        members = [p for p in points if p.id == element_id or p.answers == element_id]
        if members:
            groups.append((members[0], [p.id for p in members]))
    if groups:
        return sorted(groups, key=lambda g: -g[0].importance)
    return [(p, [p.id]) for p in sorted(points, key=lambda p: -p.importance) if not p.main and not p.code]


def missing_targets(grade: Grade, reference: Reference, include: frozenset[str] = frozenset(),
                    related: Callable[[list[str]], list[float]] | None = None) -> list[Target]:
    """The requirements the answer clearly missed, each with its question: nothing that shows it is covered, its
    best evidence is weak, and (given `related`, the answer's relatedness to texts) the answer does not talk about
    it. Whatever their evidence now, the ones in `include` stay: those already probed, which a hint may come back
    to. The target's key is the requirement's own id (an element's "e2", a section's "s4")."""
    results = {r.id: r for r in [*grade.covered, *grade.missing]}
    behavioral = reference.category == "behavioral"
    candidates = []
    for point, members in requirements(reference):
        key = point.answers or point.id
        shown = [results[m] for m in members if m in results]
        if key in include or not (any(r.covered for r in shown)
                                   or max((r.score for r in shown), default=0.0) >= PROBE_BELOW):
            candidates.append((key, point))
    if related is not None and candidates:
        # An element of a known kind is also asked for by what that kind means ("names a risk and what was done to
        # contain it"): an answer near either talks about it.
        meanings = kind_meanings()
        texts = [[wording(point), *([meanings[point.kind]] if point.kind in meanings else [])]
                 for _, point in candidates]
        closeness = iter(related([t for group in texts for t in group]))
        nearest = [max(next(closeness) for _ in group) for group in texts]
        candidates = [(key, point) for (key, point), near in zip(candidates, nearest, strict=True)
                      if key in include or near < ADDRESSED_AT]
    return [Target(kind="key_point", key=key, label=probes.topic(point), probe=probes.probe_question(point, behavioral),
                   why=f"The answer says little or nothing about {probes.topic(point)}.") for key, point in candidates]


def requirement_names(reference: Reference) -> dict[str, str]:
    """Each probe target's key (a requirement's id) and the name of what it asks for."""
    return {point.answers or point.id: probes.topic(point) for point, _ in requirements(reference)}


def wording(point: ReferencePoint) -> str:
    """What the prompt asks, in its words, for a requirement (a section that answers no ask: its own text)."""
    return point.key_point if point.ask else point.asked_by or point.text


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
