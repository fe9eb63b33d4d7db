"""Pure interview decisions: what a candidate's message is, and what the interviewer does next."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel

Intent = Literal["answer", "clarify", "hint", "skip"]
ActionKind = Literal["probe", "clarify", "hint", "move_on"]

_SKIP = re.compile(r"^\s*(?:/?skip|pass|next(?: question)?|move on|i(?:'d| would) like to move on)\s*[.!]?\s*$", re.I)
_HINT = re.compile(r"\b(?:hint|clue|nudge|help me|i'?m stuck|where (?:should|do) i (?:start|begin))\b", re.I)
_ASKING = re.compile(r"^\s*(?:can|could|may|should|shall|do|does|did|is|are|am|was|were|what|which|who|when|where|"
                     r"why|how (?:much|many|long|big|often)|will|would|just to (?:clarify|confirm)|to clarify|"
                     r"quick question|before i (?:start|answer))\b", re.I)
CLARIFY_MAX_WORDS = 40


def classify_message(text: str) -> Intent:
    """A short question is a clarification, a plea for help a hint request, "skip" a skip; anything else answers."""
    words = len(text.split())
    if not text.strip() or _SKIP.match(text):
        return "skip"
    if words <= 25 and _HINT.search(text):
        return "hint"
    statements = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s and not s.endswith("?")]
    if "?" in text and words <= CLARIFY_MAX_WORDS and len(statements) <= 1 and (
            text.rstrip().endswith("?") or _ASKING.match(text)):
        return "clarify"
    return "answer"


class Target(BaseModel):
    """What a follow-up is aimed at: a missed reference key point, or a weak rubric dimension."""

    kind: Literal["key_point", "dimension"]
    key: str
    label: str


class Action(BaseModel):
    """The interviewer's next move."""

    kind: ActionKind
    target: Target | None = None


def next_action(intent: Intent, probes_asked: int, depth: int, missing: list[Target], weak: list[Target],
                already_probed: set[str]) -> Action:
    """Probe the most important missed key point (then the weakest dimension) until `depth` probes; never repeat."""
    if intent == "clarify":
        return Action(kind="clarify")
    if intent == "hint":
        return Action(kind="hint", target=next((t for t in missing if t.key not in already_probed), None))
    if intent == "skip" or probes_asked >= depth:
        return Action(kind="move_on")
    for target in [*missing, *weak]:
        if target.key not in already_probed:
            return Action(kind="probe", target=target)
    return Action(kind="move_on")
