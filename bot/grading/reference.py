"""The reference a grade is measured against: key points with their text, importance and citation."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from bot.domain.grade import Citation
from bot.domain.models import AnswerSection, Chunk, Question, stable_id
from bot.grading.text import content_tokens, sentences, stem

GENERIC_STEMS = {stem(w) for w in """
approach approaches system systems data model models framework solution solutions strategy strategies process
team teams business customer customers product products ensure build design use impact result results key
level levels based high low new make work provide support across real time analysis analytics platform
management performance quality value improve improvement increase reduce different multiple specific including
include comprehensive robust scalable effective efficient
""".split()}


@dataclass
class ReferencePoint:
    """One key point of the reference answer and everything needed to judge and cite it."""

    label: str
    key_point: str
    text: str
    citation: Citation
    sentences: list[str] = field(default_factory=list)
    terms: set[str] = field(default_factory=set)
    importance: float = 1.0
    ask: bool = False  # a point taken from the prompt: judged on concrete, related sentences, not shared words


@dataclass
class Reference:
    """A question's reference answer as gradable key points, plus the full text for content scoring."""

    question_id: str
    question: str
    text: str
    points: list[ReferencePoint]


def _key_point_for(section: AnswerSection, key_points: list[str]) -> str:
    return next((k for k in key_points if k.lower().startswith(section.title.lower())), section.title)


def _citation(question_id: str, section: str, chunks: list[Chunk], fallback: str) -> Citation:
    chunk = next((c for c in chunks if c.section == section), None)
    text = chunk.text if chunk else fallback
    return Citation(question_id=question_id, section=section, chunk_id=chunk.id if chunk else "",
                    snippet=" ".join(text.split())[:240])


def _distinctive_terms(texts: list[str], question: str, top: int = 14) -> list[set[str]]:
    """Per text, its most frequent content stems that the question and the other texts do not share."""
    question_stems = {stem(t) for t in content_tokens(question)}
    counts = [Counter(stem(t) for t in content_tokens(text)) for text in texts]
    spread = Counter(s for c in counts for s in c)
    result = []
    for count in counts:
        ranked = sorted(
            (s for s in count if s not in question_stems and s not in GENERIC_STEMS and len(s) > 2),
            key=lambda s: (-(count[s] / spread[s]), s),
        )
        result.append(set(ranked[:top]))
    return result


_ASK_SPLIT = re.compile(r"[?.;:]\s+|,\s+(?:and\s+)?|\s+and\s+(?=(?:how|what|why|when|where|which|who|ensure|"
                        r"include|describe|explain|handle|communicate|specify|establish|confirm)\b)|\n+", re.I)


def question_asks(question: str) -> list[str]:
    """The separate things a prompt asks for ("quantify uncertainty", "communicate risks to stakeholders")."""
    pieces = [p.strip(" “”\"'()-") for p in _ASK_SPLIT.split(question)]
    return [p for p in pieces if len(content_tokens(p)) >= 2]


def _best_section(text: str, sections: list[AnswerSection]) -> str:
    """The section sharing the most stems with `text` (the one an ask is cited against)."""
    wanted = {stem(t) for t in content_tokens(text)}
    scored = [(len(wanted & {stem(t) for t in content_tokens(f"{s.title} {s.text}")}), -i, s.title)
              for i, s in enumerate(sections)]
    return max(scored)[2] if scored else "Answer"


def build_reference(question: Question, chunks: list[Chunk]) -> Reference:
    """Key points from the question's sections (or its explicit key points, or the reference's sentences).

    Behavioral questions are judged on what the prompt asks for: the reference is one sample story, and a
    candidate's own story rightly differs from it in every detail.
    """
    sections = [s for s in question.sections if s.text.strip()]
    if question.category == "behavioral" and len(question_asks(question.question)) >= 2:
        return _asks_reference(question, chunks, sections)
    if sections:
        items = [(s.title, _key_point_for(s, question.key_points), s.text) for s in sections]
    elif question.key_points:
        items = [(k.split(":")[0][:80], k, k) for k in question.key_points]
    else:
        items = [(s[:80], s, s) for s in sentences(question.reference_answer, min_tokens=3)]
    terms = _distinctive_terms([f"{label} {text}" for label, _, text in items], question.question)
    points = [
        ReferencePoint(label=label, key_point=key_point, text=text,
                       citation=_citation(question.id, label, chunks, text),
                       sentences=sentences(f"{label}: {text}", min_tokens=3)[:24] or [f"{label}: {text}"],
                       terms=item_terms)
        for (label, key_point, text), item_terms in zip(items, terms, strict=True)
    ]
    return Reference(question_id=question.id, question=question.question, text=question.reference_answer,
                     points=points)


def _asks_reference(question: Question, chunks: list[Chunk], sections: list[AnswerSection]) -> Reference:
    points = []
    for ask in question_asks(question.question):
        section = _best_section(ask, sections)
        text = next((s.text for s in sections if s.title == section), question.reference_answer)
        points.append(ReferencePoint(
            label=ask[:80], key_point=ask, text=ask, citation=_citation(question.id, section, chunks, text),
            sentences=[ask], ask=True,
        ))
    return Reference(question_id=question.id, question=question.question, text=question.reference_answer,
                     points=points)


def adhoc_question(question_text: str, reference_text: str, category: str = "") -> Question:
    """A question built from free text (the `--reference` path): graded against exactly that reference."""
    from bot.ingest.sections import key_points_from_sections, split_sections

    sections = split_sections(reference_text)
    if len(sections) <= 1:
        sections = []
    return Question(id=stable_id("adhoc", question_text, reference_text), title=question_text[:80],
                    source_file="(given)", question=question_text, reference_answer=reference_text,
                    sections=sections, key_points=key_points_from_sections(sections) if sections else [],
                    category=category)
