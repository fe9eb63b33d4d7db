"""The reference a grade is measured against: the requirements (key points) with their text, kind, importance
and citation."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from bot.domain.elements import Element, PromptSpec
from bot.domain.grade import Citation
from bot.domain.models import AnswerSection, Chunk, Question, stable_id
from bot.grading.policy import GradingPolicy, load_policy
from bot.grading.prompt_elements import parse_prompt
from bot.grading.text import content_tokens, is_code, sentences, stem

GENERIC_STEMS = {stem(w) for w in """
approach approaches system systems data model models framework solution solutions strategy strategies process
team teams business customer customers product products ensure build design use impact result results key
level levels based high low new make work provide support across real time analysis analytics platform
management performance quality value improve improvement increase reduce different multiple specific including
include comprehensive robust scalable effective efficient
""".split()}
# Words that frame an answer rather than say anything ("let me walk you through the question").
POINT_SENTENCES = 16  # a section is matched on its first sentences (bullets), enough to say what it covers
SCAFFOLD_STEMS = {stem(w) for w in """
question questions answer answers talk talking discuss discussing mention mentioned explain explained describe
described walk walking example examples time times thing things point points part parts first second third next
finally also would could should really think thought like well way ways going want wanted overall basically
""".split()}


@dataclass
class ReferencePoint:
    """One requirement of the answer: a prompt element or a reference section, and how to judge and cite it."""

    label: str
    key_point: str
    text: str
    citation: Citation
    sentences: list[str] = field(default_factory=list)
    terms: set[str] = field(default_factory=set)
    importance: float = 1.0
    kind: str = "topic"  # the learned kind that shows it, or "topic" (judged on content)
    source: str = "reference"  # "prompt" (an asked element) or "reference" (a section of the reference answer)
    part: int = 0
    quantified: bool = False
    main: bool = False
    asked_by: str = ""  # for the first section that answers an asked element: that element's wording
    answers: str = ""  # for a section that answers an asked element: that element's id
    code: bool = False  # a section that is program code or a diagram: no ask is answered by it, nothing probes it
    interviewer_turn: str = ""  # a transcript section: the interviewer's turn it answers (its exemplar probe)
    id: str = ""  # "e3" for the prompt's third element, "s2" for the second reference section

    @property
    def ask(self) -> bool:
        return self.source == "prompt"


@dataclass
class Reference:
    """A question's requirements, the reference text for content scoring, and the words that are no evidence."""

    question_id: str
    question: str
    text: str
    points: list[ReferencePoint]
    category: str = ""
    spec: PromptSpec | None = None
    question_stems: frozenset[str] = frozenset()
    label_stems: frozenset[str] = frozenset()  # section titles: naming a section is no evidence of covering it
    given: bool = False  # graded against a reference the user gave (nothing is compared with the bank)

    @property
    def detail_terms(self) -> set[str]:
        """The distinctive stems of the reference's sections (the prompt's own words are no detail)."""
        return set().union(*(p.terms for p in self.points if not p.ask))

    @property
    def reference_words(self) -> int:
        return len(content_tokens(self.text or self.question))


def _key_point_for(section: AnswerSection, key_points: list[str]) -> str:
    return next((k for k in key_points if k.lower().startswith(section.title.lower())), section.title)


def _citation(question_id: str, section: str, chunks: list[Chunk], fallback: str) -> Citation:
    chunk = next((c for c in chunks if c.section == section), None)
    text = chunk.text if chunk else fallback
    return Citation(question_id=question_id, section=section, chunk_id=chunk.id if chunk else "",
                    snippet=" ".join(text.split())[:240])


def _stems(text: str) -> set[str]:
    return {stem(t) for t in content_tokens(text)}


def _distinctive_terms(texts: list[str], question: str, top: int = 14) -> list[set[str]]:
    """Per text, its most frequent content stems that the question and the other texts do not share."""
    question_stems = _stems(question)
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


def _best_section(text: str, sections: list[AnswerSection]) -> tuple[str, int]:
    """The section sharing the most distinctive stems with `text`, and how many it shares."""
    wanted = _stems(text) - GENERIC_STEMS
    scored = [(len(wanted & _stems(f"{s.title} {s.text}")), -i, s.title) for i, s in enumerate(sections)
              if not is_code(s.text)]
    if not scored:
        return "Answer", 0
    best = max(scored)
    return best[2], best[0]


def _element_point(element: Element, question: Question, chunks: list[Chunk], sections: list[AnswerSection],
                   kinds: set[str] | None) -> ReferencePoint:
    section, shared = _best_section(f"{element.text} {' '.join(element.examples)}", sections)
    body = next((s.text for s in sections if s.title == section), question.reference_answer)
    kind = element.kind if kinds is None or element.kind in kinds else "topic"
    text = element.text if not element.examples else f"{element.text} (for example {', '.join(element.examples)})"
    # A content element is also recognised by what the reference says under it (semantically, never by its words).
    extra = sentences(body, min_tokens=3)[:12] if kind == "topic" and shared else []
    return ReferencePoint(label=element.text[:80], key_point=element.text, text=text,
                          citation=_citation(question.id, section, chunks, body), sentences=[text, *extra],
                          terms=_stems(text) - GENERIC_STEMS, kind=kind, source="prompt", part=element.part,
                          quantified=element.quantified, main=element.main, id=element.id)


def build_reference(question: Question, chunks: list[Chunk], policy: GradingPolicy | None = None,
                    given: bool = False) -> Reference:
    """Requirements of `question`.

    Behavioral questions are judged on what the prompt asks for: the reference is one sample story, and a candidate's
    own story rightly differs from it in every detail. Other questions are judged on the reference's sections (or its
    key points, or sentences), the sections that answer the prompt's asks weighing more; an ask no section answers is
    a requirement of its own.
    """
    policy = policy or load_policy()
    spec = parse_prompt(question.question)
    sections = [s for s in question.sections if s.text.strip()]
    base = Reference(question_id=question.id, question=question.question, text=question.reference_answer, points=[],
                     category=question.category, spec=spec, question_stems=frozenset(_stems(question.question)),
                     given=given)
    if question.category == "behavioral" and len(spec.elements) >= 2:
        return replace(base, points=[_element_point(e, question, chunks, sections, None) for e in spec.elements])
    if sections:
        items = [(s.title, _key_point_for(s, question.key_points), s.text) for s in sections]
    elif question.key_points:
        items = [(k.split(":")[0][:80], k, k) for k in question.key_points]
    else:
        items = [(s[:80], s, s) for s in sentences(question.reference_answer, min_tokens=3)]
    turns = [s.asked for s in sections] if sections else [""] * len(items)
    terms = _distinctive_terms([f"{label} {text}" for label, _, text in items], question.question)
    prefix = "s" if sections else "k"
    points = [
        ReferencePoint(label=label, key_point=key_point, text=text,
                       citation=_citation(question.id, label, chunks, text),
                       sentences=sentences(f"{label}: {text}", min_tokens=3)[:POINT_SENTENCES] or [f"{label}: {text}"],
                       terms=item_terms, id=f"{prefix}{n}", code=is_code(text), interviewer_turn=turn)
        for n, ((label, key_point, text), item_terms, turn) in enumerate(zip(items, terms, turns, strict=True),
                                                                          start=1)
    ]
    _weigh_by_prompt(points, spec, question, chunks, sections, policy)
    label_stems = frozenset().union(*(_stems(s.title) for s in sections)) if len(sections) > 1 else frozenset()
    return replace(base, points=points, label_stems=label_stems)


def _weigh_by_prompt(points: list[ReferencePoint], spec: PromptSpec, question: Question, chunks: list[Chunk],
                     sections: list[AnswerSection], policy: GradingPolicy) -> None:
    """Points that answer an asked element weigh more; an asked element that no point answers joins the points."""
    kinds = set(policy.content_points.design_kinds)
    for element in (e for e in spec.elements if not e.main and not _asks_for_the_whole(e, spec)):
        wanted = _asked_stems(element)
        shared = [0 if p.code else len(wanted & (_stems(p.label) | p.terms | _stems(p.text))) for p in points]
        best = max(shared, default=0)
        if wanted and best >= max(1, min(2, len(wanted) // 2)):
            for point, count in zip(points, shared, strict=True):
                if count == best:
                    point.importance = policy.coverage.prompt_importance
                    point.answers = point.answers or element.id
            first = points[shared.index(best)]
            first.asked_by = first.asked_by or element.text
        else:
            points.append(_element_point(element, question, chunks, sections, kinds))
            points[-1].importance = policy.coverage.prompt_importance


STRUCTURING_STEMS = {stem(w) for w in "structure organise organize frame plan architect".split()}


def _asked_stems(element: Element) -> set[str]:
    """The distinctive stems of what an element asks for (its wording and examples)."""
    return _stems(f"{element.text} {' '.join(element.examples)}") - GENERIC_STEMS


def _asks_for_the_whole(element: Element, spec: PromptSpec) -> bool:
    """An ask that only says to structure what the rest of the prompt asks for ("how would you structure the
    experiment") is the question as a whole: the other asks and the sections judge it, it is no requirement of its
    own (nothing in an answer could show it apart from the rest)."""
    wanted = _asked_stems(element)
    rest = set().union(*(_stems(e.text) for e in spec.elements if e.id != element.id))
    return bool(wanted & STRUCTURING_STEMS) and wanted - STRUCTURING_STEMS <= rest


GIVEN_SOURCE = "(given)"  # the source of a question built from free text rather than read from a bank


def adhoc_question(question_text: str, reference_text: str, category: str = "") -> Question:
    """A question built from free text (the `--reference` path): graded against exactly that reference."""
    from bot.ingest.sections import key_points_from_sections, split_sections

    sections = split_sections(reference_text)
    if len(sections) <= 1:
        sections = []
    return Question(id=stable_id("adhoc", question_text, reference_text), title=question_text[:80],
                    source_file=GIVEN_SOURCE, question=question_text, reference_answer=reference_text,
                    sections=sections, key_points=key_points_from_sections(sections) if sections else [],
                    category=category)
