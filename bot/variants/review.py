"""Recruiter review of generated variants: decisions, edits and the approved list (pure; the page only renders)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bot.ingest.parsers import title_from_question
from bot.variants.models import GatedVariant, OutlinePoint, Variant

Decision = Literal["undecided", "approve", "reject"]


def outline_text(outline: list[OutlinePoint]) -> str:
    """An outline as editable text: one `Title: what a good answer says` line per key point."""
    return "\n".join(p.line() for p in outline)


def parse_outline(text: str) -> list[OutlinePoint]:
    """Edited outline text back into key points; a line without a title becomes its own title."""
    points = []
    for raw in text.splitlines():
        line = raw.strip().lstrip("-•* ").strip()
        if not line:
            continue
        title, sep, body = line.partition(": ")
        if not sep or not body.strip() or len(title) > 80:
            title, body = " ".join(line.split()[:6]).rstrip(":"), line
        points.append(OutlinePoint(title=title.strip(), text=body.strip()))
    if not points:
        raise ValueError("the outline needs at least one key point")
    return points


def edited(variant: Variant, question: str, outline: str) -> Variant:
    """The variant with the recruiter's wording; raises ValueError when the edit leaves it unusable."""
    text = " ".join(question.split())
    if len(text) < 10:
        raise ValueError("the question is too short")
    points = parse_outline(outline)
    if text == variant.question and points == variant.outline:
        return variant
    provenance = variant.provenance.model_copy(update={"change": "; ".join(
        x for x in (variant.provenance.change, "edited by a recruiter") if x)})
    return variant.model_copy(update={"question": text, "title": title_from_question(text), "outline": points,
                                      "provenance": provenance})


@dataclass
class ReviewItem:
    """One variant under review, with the recruiter's decision and current wording."""

    gated: GatedVariant
    decision: Decision = "undecided"
    question: str = ""
    outline: str = ""

    @classmethod
    def of(cls, gated: GatedVariant) -> ReviewItem:
        return cls(gated=gated, question=gated.variant.question, outline=outline_text(gated.variant.outline))


@dataclass
class RecruiterState:
    """The recruiter page's state: the variants under review and the last bulk-grading table."""

    generation: int = 0
    parent_id: str | None = None
    items: list[ReviewItem] = field(default_factory=list)
    dropped: list[GatedVariant] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    saved: str = ""
    bulk_rows: list[dict[str, Any]] = field(default_factory=list)
    bulk_error: str = ""

    def start(self, parent_id: str, kept: list[GatedVariant], dropped: list[GatedVariant], notes: list[str]) -> None:
        """A new batch to review (widgets are keyed by `generation`, so old decisions do not carry over)."""
        self.generation += 1
        self.parent_id = parent_id
        self.items = [ReviewItem.of(g) for g in kept]
        self.dropped = dropped
        self.notes = notes
        self.saved = ""

    def approved(self) -> list[Variant]:
        """The approved variants with their edits applied; raises ValueError naming the variant an edit broke."""
        out = []
        for number, item in enumerate(self.items, start=1):
            if item.decision != "approve":
                continue
            try:
                out.append(edited(item.gated.variant, item.question, item.outline))
            except ValueError as exc:
                raise ValueError(f"variant {number}: {exc}") from exc
        return out
