"""Interviewer wording from templates: follow-ups per key point and rubric dimension, clarifications, hints."""

from __future__ import annotations

import hashlib
import re

from bot.domain.policy import Target
from bot.grading.text import tokens

LEAK_RUN = 8  # a follow-up may not share a run of this many words with the reference answer

KEY_POINT_TEMPLATES = (
    "You haven't said much about {topic} yet. How would you approach it?",
    "Let's go deeper on {topic}. What would you do there?",
    "How does {topic} fit into your approach?",
    "One thing I'd like to hear more about is {topic}. Walk me through it.",
    "What's your plan for {topic}?",
    "Before we move on: how would you handle {topic}?",
)
ASK_TEMPLATES = (
    "Let me push on one part of the question: {ask}?",
    "I'd like to come back to something I asked: {ask}?",
    "You haven't covered this part yet: {ask}?",
)
DIMENSION_PROBES = {
    "result": "What was the measurable result? Give me numbers, before and after.",
    "impact": "What was the measurable result? Give me numbers, before and after.",
    "action": "What did you personally do there, as opposed to the team?",
    "situation_task": "Set the scene a bit more: what was at stake, and what exactly were you responsible for?",
    "tradeoffs": "What alternatives did you consider, and what did you trade off in choosing this one?",
    "metrics": "How would you measure success here? Which primary and guardrail metrics would you track?",
    "customer": "Who exactly is the customer here, and which problem of theirs matters most?",
    "structure": "What assumptions are you making, and what would you clarify before designing anything?",
    "depth": "Can you go one level deeper: how would that actually work in practice?",
    "rigor": "How would you make sure the result is statistically sound, and not noise or bias?",
    "coverage": "What's the most important part of this problem you haven't addressed yet?",
    "relevance": "How does that story answer what I asked? Tie it back to the question.",
    "correctness": "Can you be more precise about how that works?",
}
CLARIFY_YES = re.compile(r"^\s*(?:can|could|may|should|shall) (?:i|we) (?:assume|take|treat|say)|"
                         r"\b(?:assumptions?|reasonable|valid|fair to|ok(?:ay)? (?:to|if))\b", re.I)


def _pick(options: tuple[str, ...], seed: str, used: set[str]) -> str:
    """A deterministic choice that skips templates already used in this session when it can."""
    start = int(hashlib.sha256(seed.encode()).hexdigest(), 16) % len(options)
    ordered = options[start:] + options[:start]
    return next((o for o in ordered if o.split("{")[0] not in used), ordered[0])


def topic_of(target: Target) -> str:
    """The short name of a key point ("Imbalanced Dataset Handling: SMOTE; …" → "imbalanced dataset handling")."""
    label = target.label.split(":")[0].split(" — ")[-1].strip()
    return " ".join(w if w.isupper() or any(c.isupper() for c in w[1:]) else w.lower() for w in label.split())


def follow_up(target: Target, seed: str, earlier: list[str]) -> str:
    """A short, specific follow-up aimed at `target`, worded differently from the earlier ones."""
    used = {t.split("{")[0] for t in KEY_POINT_TEMPLATES + ASK_TEMPLATES
            if any(e.startswith(t.split("{")[0]) for e in earlier)}
    if target.kind == "dimension":
        return DIMENSION_PROBES.get(target.key, DIMENSION_PROBES["depth"])
    label = target.label.strip().rstrip("?.")
    if re.match(r"^(?:how|what|why|which|when|where|who|did|do|can|describe|explain|include)\b", label, re.I):
        ask = label[:1].lower() + label[1:]
        return _pick(ASK_TEMPLATES, seed, used).format(ask=ask)
    return _pick(KEY_POINT_TEMPLATES, seed, used).format(topic=topic_of(target))


def clarification(question: str, focus: str | None) -> str:
    """An in-character answer to a clarifying question: accept reasonable assumptions, steer to what matters."""
    if CLARIFY_YES.search(question):
        opening = "Yes, that's a reasonable assumption. State it explicitly and carry on."
    else:
        opening = ("Good question. There's no single right value: pick a reasonable one, say it out loud, and tell "
                   "me how your approach would change if it were different.")
    return f"{opening} The part I care most about is {focus}." if focus else opening


def hint(target: Target | None) -> str:
    if target is None:
        return "You're on the right track. Structure what you have and tie it to a measurable outcome."
    return f"Here's a nudge: think about {topic_of(target)}, and how it changes your approach."


def _grams(words: list[str], length: int) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + length]) for i in range(len(words) - length + 1)}


def shared_run(text: str, reference: str, length: int = LEAK_RUN, question: str = "") -> str | None:
    """The first run of `length` words `text` shares with `reference` but not with `question` (a leak)."""
    grams = _grams(tokens(text), length) - _grams(tokens(question), length)
    ref = tokens(reference)
    for i in range(len(ref) - length + 1):
        if tuple(ref[i:i + length]) in grams:
            return " ".join(ref[i:i + length])
    return None
