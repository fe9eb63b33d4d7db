"""What a question asks for: its parts and the elements each part requires (pure data)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Kind = Literal[
    "situation", "action", "outcome", "before_after", "alternatives", "obstacle", "risk_mitigation", "lessons",
    "persuasion", "disagreement", "incomplete_data", "uncertainty", "communication", "artefact", "metrics",
    "assumptions", "diagnosis", "topic",
]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]
LEARNED_KINDS = tuple(k for k in KINDS if k != "topic")  # "topic" is matched on content, not by a learned head


class Element(BaseModel):
    """One thing a prompt asks the candidate to cover ("the single hardest constraint")."""

    id: str  # stable within its question: "e1", "e2", …
    text: str  # the asked phrase, as a noun phrase or a question, without the prompt's scaffolding
    kind: str = "topic"  # one of KINDS: what a sentence must do to show it
    part: int = 0  # index into PromptSpec.parts
    quantified: bool = False  # asks for numbers ("2–3 quantifiable outcomes", "measurable results")
    examples: list[str] = Field(default_factory=list)  # "e.g." items: illustrations, never elements of their own
    qualifier: str = ""  # a phrase that frames it ("In the absence of sufficient data")
    main: bool = False  # the part's central task ("Describe a time you …", "Design a fraud detection system …")


class PromptPart(BaseModel):
    """A part of a multi-part prompt ("1) Invent and Simplify: …"); single-part prompts have one untitled part."""

    title: str = ""
    text: str


class PromptSpec(BaseModel):
    """A prompt parsed into parts and elements; instructions ("Provide two concise STAR stories") are structure."""

    parts: list[PromptPart]
    elements: list[Element]
    instructions: list[str] = Field(default_factory=list)
    context: list[str] = Field(default_factory=list)  # premise sentences that ask for nothing

    def of_part(self, part: int) -> list[Element]:
        return [e for e in self.elements if e.part == part]
