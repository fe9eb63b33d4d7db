"""A follow-up question and a short topic for every requirement, grammatical by construction: a requirement's words
go into a sentence only as a noun phrase, a verb phrase after "How did you", or a whole question of their own."""

from __future__ import annotations

import re

from bot.grading.reference import ReferencePoint
from bot.ingest.sections import KEEP_CASE

_WH = re.compile(r"^(?:how|what|why|which|when|where|who|whether)\b", re.I)
_DIRECT = re.compile(r"^(?:how|what|why|which|when|where|who)\s+(?:\w+\s+){0,3}?(?:did|do|does|would|will|was|were|is|"
                     r"are|could|should|can|has|have)\s+(?:you|it|they|the|your|this|there)\b", re.I)
_DIRECT_PARTS = re.compile(r"^(?:what|which)\s+(.+?)\s+(?:did|do|does|would|will|could|should|can)\s+you\s+\w+"
                           r"((?:\s+\S+)*)$", re.I)
_EMBEDDED = re.compile(r"^(?:how|what|why|which|when|where|who|whether)\s+(?:you|your)\b", re.I)
_STORY = re.compile(r"^(?:a|an|one)\s+(?:time|situation|occasion|moment|decision|project|example|technology "
                    r"decision)\b|^walk me through your\b", re.I)
_VERB_START = re.compile(
    r"^(?:account|achieve|adapt|address|align|allow|attribute|avoid|balance|build|calculate|capture|catch|choose|"
    r"communicate|confirm|convince|deal|decide|defend|define|deliver|demonstrate|deploy|design|detect|determine|"
    r"develop|diagnose|distinguish|drive|ensure|establish|estimate|evaluate|explain|flag|generate|get|handle|"
    r"identify|implement|improve|include|increase|influence|justify|keep|maintain|make|manage|measure|minimi[sz]e|"
    r"mitigate|monitor|optimi[sz]e|persuade|plan|predict|prevent|prioriti[sz]e|process|protect|provide|quantify|"
    r"recommend|reduce|scale|segment|select|separate|set|share|simplify|socialize|structure|support|test|tie|track|"
    r"use|validate|win|work)\b", re.I)
_KIND_PROBES = {  # (behavioral, design) questions for a requirement of a known kind named by a noun phrase
    "before_after": ("What did the process look like before your change, and after it?",
                     "How would things work before your change, and after it?"),
    "alternatives": ("Which alternatives did you consider and reject, and why?",
                     "Which alternatives would you consider, and why would you reject them?"),
    "obstacle": ("What was the hardest constraint you had to work within?",
                 "What is the hardest constraint here, and how would you work within it?"),
    "risk_mitigation": ("What could have gone wrong, and how did you guard against it?",
                        "What could go wrong, and how would you guard against it?"),
    "outcome": ("What was the outcome?", "What outcome would you expect?"),
    "lessons": ("What would you do differently next time?", "What would you do differently with hindsight?"),
    "persuasion": ("How did you win over the people who were skeptical?",
                   "How would you win over the people who are skeptical?"),
    "disagreement": ("How did you handle the disagreement?", "How would you handle disagreement about it?"),
    "incomplete_data": ("Without enough data, what guided your decision?",
                        "Without enough data, what would guide your decision?"),
    "uncertainty": ("How did you put numbers on what you didn't know?",
                    "How would you put numbers on what you don't know?"),
    "communication": ("How did you keep the people involved informed and aligned?",
                      "How would you keep the people involved informed and aligned?"),
    "artefact": ("Could you share the email or recap you sent, roughly as you wrote it?",
                 "Could you draft the short email or recap you would send?"),
    "metrics": ("How did you measure success?", "How would you measure success, and which guardrails would you watch?"),
    "assumptions": ("What assumptions were you making?", "What assumptions are you making?"),
    "diagnosis": ("How did you find out what was causing the problem?",
                  "How would you find out what is causing the problem?"),
    "action": ("What did you do yourself, step by step?", "What would you do, step by step?"),
    "situation": ("Could you ground this in one specific situation from your own work?",
                  "Could you ground this in one specific situation from your own work?"),
}
_QUANTIFIED_OUTCOME = ("What changed as a result, in numbers?", "What result would you expect, in numbers?")
_KEEP_CASE = re.compile(r"^(?:[A-Z]{2,}s?|[A-Z][a-z]+[A-Z]\w*|[A-Z][\w-]*\d[\w-]*)$")


def _sentence(text: str) -> str:
    """Tidy spaces and punctuation, a capital first letter and exactly one final question mark."""
    text = re.sub(r"\s+", " ", text).strip(" ,;:.?!")
    text = re.sub(r"\s+([,;:])", r"\1", text)
    return text[:1].upper() + text[1:] + "?"


def _plain(text: str) -> str:
    """A phrase without parentheses, quotes and a trailing "and why"."""
    text = re.sub(r"\s*\([^)]*\)", "", text)
    text = re.sub(r"[“”\"]", "", text)
    return re.sub(r",?\s+and why$", "", text.strip(" ,;:.?!"), flags=re.I)


def _lower_first(text: str) -> str:
    first, _, rest = text.partition(" ")
    return (first if _KEEP_CASE.match(first) else first[:1].lower() + first[1:]) + (f" {rest}" if rest else "")


def _untitled(title: str) -> str:
    """A heading as running text: Title-Case words lower-cased ("Real-Time Detection" → "real-time detection"),
    acronyms and names kept."""
    def word(w: str) -> str:
        parts = re.split(r"([-/])", w)
        return "".join(p.lower() if p[:1].isupper() and p[1:].islower() and p not in KEEP_CASE else p for p in parts)
    return " ".join(word(w) for w in title.split())


def gerund(verb: str) -> str:
    """handle → handling, build → building, set → setting, quantify → quantifying."""
    word = verb.lower()
    if word.endswith("ie"):
        return word[:-2] + "ying"
    if word.endswith("e") and not word.endswith(("ee", "ye", "oe")):
        return word[:-1] + "ing"
    if re.fullmatch(r"[^aeiou]*[aeiou][bdgmnpt]", word):  # one short syllable ending in a consonant: set, plan
        return word + word[-1] + "ing"
    return word + "ing"


def probe_question(point: ReferencePoint, behavioral: bool) -> str:
    """The follow-up that asks for `point`, as a question (a section that answers an asked element asks for the
    element)."""
    exemplar = exemplar_probe(point.interviewer_turn)
    if exemplar:
        return exemplar
    mood = 0 if behavioral else 1
    asked = point.key_point if point.ask else point.asked_by
    if asked:
        text = _plain(asked)
        if point.main:
            lead = "Could you tell me about" if point.kind == "situation" else "How would you approach"
            return _sentence(f"{lead} {_lower_first(_without_lead(text))}")
        if _DIRECT.match(text):
            return _sentence(text)
        if _EMBEDDED.match(text):
            return _sentence(f"Could you tell me {_lower_first(text)}")
        if _VERB_START.match(text):
            return _sentence(f"{'How did you' if behavioral else 'How would you'} {_lower_first(text)}")
        if point.kind == "outcome" and point.quantified:
            return _QUANTIFIED_OUTCOME[mood]
        if point.kind in _KIND_PROBES:
            return _KIND_PROBES[point.kind][mood]
    return _sentence(f"{'Could you tell me about' if behavioral else 'How would you approach'} {topic(point)}")


def exemplar_probe(turn: str) -> str:
    """The question a real interviewer asked in `turn`, its last question sentence ("Great. Now, let's talk about
    productionization. How would you deploy your model?" → "How would you deploy your model?"); "" when it asks
    nothing."""
    said = [s.strip() for s in re.split(r"(?<=[.?!])\s+", " ".join(turn.split())) if s.strip()]
    asks = [i for i, sentence in enumerate(said) if sentence.endswith("?")]
    if not asks:
        return ""
    question = said[asks[-1]]
    return question[:1].upper() + question[1:]


def _without_lead(text: str) -> str:
    return re.sub(r"^(?:walk me through|describe|design|build|develop|create|you need to build|you[’']re tasked "
                  r"with)\s+", "", text, flags=re.I)


def topic(point: ReferencePoint) -> str:
    """A short noun phrase naming what `point` is about ("handling disagreement under time pressure")."""
    if not point.ask and not point.asked_by:  # a section: its title, the last part of a "Parent — Child" title
        title = re.sub(r"^(?:phase|year|step|week)\s*\d+\s*:\s*", "", point.label.split(" — ")[0], flags=re.I)
        title = re.sub(r"^vs\.?\s+", "the comparison with ", title.split(":")[0].strip(), flags=re.I)
        return _untitled(_plain(title))
    text = _without_lead(_plain(point.key_point if point.ask else point.asked_by))
    direct = _DIRECT_PARTS.match(text)
    if direct:  # "What lessons did you learn about X" → "lessons about X"
        return _lower_first(f"{direct.group(1)}{direct.group(2)}".strip())
    if re.match(r"^how\s+(?:did|do|would|will)\s+you\s+", text, re.I):
        return topic_of_verb_phrase(re.sub(r"^how\s+\w+\s+you\s+", "", text, flags=re.I))
    if _STORY.match(text) or _WH.match(text):
        return _lower_first(text)
    return topic_of_verb_phrase(text)


def topic_of_verb_phrase(text: str) -> str:
    """"handle disagreement" → "handling disagreement"; a phrase that starts with no known verb stays as it is."""
    match = _VERB_START.match(text) or re.match(r"^(?:make|face|learn|choose|decide)\b", text, re.I)
    if match:
        return _lower_first(gerund(match.group(0)) + text[match.end():])
    return _lower_first(text)


def cue(point: ReferencePoint) -> str:
    """A few words of what the reference covers under `point` (its first bullet's label), short enough never to
    give the answer away; "" when there is nothing short to say."""
    if point.ask or not point.text.strip():
        return ""
    first = re.split(r"[;\n]|\s[-–—]\s", re.sub(r"^\s*[-•*]\s*", "", point.text.strip()), maxsplit=1)[0]
    words = _plain(first.split(":")[0]).split()
    return f"{_untitled(' '.join(words))}." if 1 <= len(words) <= 6 else ""
