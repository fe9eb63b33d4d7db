"""Pure interview decisions: what the interviewer does next, given what the candidate's message is and what their
answer covers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

Intent = Literal["answer", "clarify", "hint", "dont_know", "repeat", "rephrase", "skip", "chatter"]
INTENTS: tuple[str, ...] = Intent.__args__  # type: ignore[attr-defined]
ActionKind = Literal["probe", "clarify", "hint", "repeat", "rephrase", "redirect", "move_on"]


class Target(BaseModel):
    """What a follow-up is aimed at: a requirement the answer clearly missed, something it said without depth (a
    claim without numbers, an unexplained choice), or a weak rubric dimension; with the question to ask."""

    kind: Literal["key_point", "depth", "dimension"]
    key: str
    label: str
    probe: str = ""  # the question itself, written as a question
    why: str = ""  # what prompted it ("The answer does not say …"), for the transcript and the report


class Action(BaseModel):
    """The interviewer's next move."""

    kind: ActionKind
    target: Target | None = None


def next_action(intent: Intent, probes_asked: int, depth: int, missing: list[Target], weak: list[Target],
                already_probed: set[str], deeper: list[Target] | None = None, dont_knows: int = 0,
                strong: bool = False, last_probe: Target | None = None) -> Action:
    """Probe the most important requirement the answer clearly missed; when nothing is, go deeper into what the
    candidate said, then a weak dimension — until `depth` probes, never the same thing twice. After a strong answer
    little of importance is missing, and what the grade still calls missing is as likely said in words it did not
    credit: the interviewer only goes deeper into what was said. Requests get their own reply; "I don't know" gets a
    hint the first time and moves on after that (a hint about the last probe, when "I don't know" answers one)."""
    order = [*(deeper or [])] if strong else [*missing, *(deeper or [])]
    fresh = [t for t in [*order, *weak] if t.key not in already_probed]
    if intent == "clarify":
        return Action(kind="clarify")
    if intent in ("repeat", "rephrase"):
        return Action(kind=intent)
    if intent == "chatter":
        return Action(kind="redirect")
    if intent == "dont_know" and dont_knows <= 1 and last_probe is not None:
        return Action(kind="hint", target=last_probe)
    if intent == "hint" or (intent == "dont_know" and dont_knows <= 1):
        return Action(kind="hint", target=next((t for t in missing if t.key not in already_probed), None))
    if intent in ("skip", "dont_know") or probes_asked >= depth or not fresh:
        return Action(kind="move_on")
    return Action(kind="probe", target=fresh[0])
