"""Variant records: the new question, its reference outline, and where it came from."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

Axis = Literal["domain", "harder", "easier", "constraint", "format"]
AXES: tuple[Axis, ...] = ("domain", "harder", "easier", "constraint", "format")
AXIS_ALIASES: dict[str, tuple[Axis, ...]] = {
    **{a: (a,) for a in AXES},
    "company": ("domain",), "swap": ("domain",),
    "difficulty": ("harder", "easier"), "up": ("harder",), "down": ("easier",),
    "constraints": ("constraint",), "formats": ("format",),
}
AXIS_LABELS: dict[Axis, str] = {"domain": "company/domain swap", "harder": "difficulty up", "easier": "difficulty down",
                                "constraint": "constraint change", "format": "format change"}
EngineName = Literal["grounded", "llm"]


class UnknownAxis(ValueError):
    """An axis name that is none of the known axes or their aliases."""


def parse_axes(names: list[str] | None) -> list[Axis]:
    """The axes named (aliases expanded, order kept, duplicates dropped); all axes when none are named."""
    if not names:
        return list(AXES)
    out: list[Axis] = []
    for name in names:
        for part in name.split(","):
            key = part.strip().lower()
            if not key:
                continue
            if key not in AXIS_ALIASES:
                raise UnknownAxis(f"unknown axis {part.strip()!r} (choose from: {', '.join(AXIS_ALIASES)})")
            out.extend(a for a in AXIS_ALIASES[key] if a not in out)
    if not out:
        raise UnknownAxis("no axis given")
    return out


class OutlinePoint(BaseModel):
    """One key point of a variant's reference outline: a short title and what a good answer says about it."""

    title: str = Field(min_length=1)
    text: str = Field(min_length=1)

    def line(self) -> str:
        return f"{self.title}: {self.text}"


class Provenance(BaseModel):
    """Where a variant came from: its parent question, the axis it moved along, the engine and what changed."""

    parent_id: str
    parent_title: str = ""
    axis: Axis
    engine: EngineName
    change: str = ""

    def source(self) -> str:
        """The provenance as the bank's `source` field."""
        detail = f"; {self.change}" if self.change else ""
        return f"variant of {self.parent_id} ({AXIS_LABELS[self.axis]}, {self.engine} engine{detail})"


class Variant(BaseModel):
    """A generated question with its adapted reference outline, rubric category and difficulty."""

    question: str = Field(min_length=10)
    title: str = ""
    outline: list[OutlinePoint] = Field(min_length=1)
    category: str
    difficulty: str = ""
    company: str = ""
    role: str = ""
    provenance: Provenance

    @field_validator("question")
    @classmethod
    def _one_spacing(cls, value: str) -> str:
        return " ".join(value.split())

    @property
    def key_points(self) -> list[str]:
        return [p.line() for p in self.outline]


class GateScores(BaseModel):
    """The quality-gate measurements of one variant and why it was dropped (empty when it passed)."""

    parent_cosine: float
    max_sibling_cosine: float = 0.0
    nearest_bank_id: str = ""
    nearest_bank_cosine: float = 0.0
    reasons: list[str] = Field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.reasons


class GatedVariant(BaseModel):
    """A variant with its gate scores."""

    variant: Variant
    gate: GateScores
