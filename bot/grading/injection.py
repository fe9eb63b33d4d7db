"""Finds text in an answer that addresses the grader instead of the interviewer, and removes it before scoring."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_HIDDEN = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u00ad]")
_GRADER = r"(?:evaluator|grader|assessor|reviewer|examiner|judge|marker|scorer|AI|model|LLM|assistant|system|bot)"
_SCORE_WORDS = r"(?:full|maximum|max|perfect|top|highest|100|5/5|10/10|an? (?:A|10|5))"
_PATTERNS = [
    # naive instruction / context ignore
    r"\b(?:ignore|disregard|forget|override|bypass|skip)\b[^.\n]{0,40}\b(?:previous|prior|above|earlier|all|any|"
    r"the|your|these|those)\b[^.\n]{0,30}\b(?:instructions?|inputs?|rules?|rubrics?|prompts?|guidelines?|criteria|"
    r"directions?|context|messages?)",
    r"\b(?:give|award|assign|grant)\b[^.\n]{0,40}\b" + _SCORE_WORDS
    + r"\b[^.\n]{0,20}(?:marks?|scores?|points?|ratings?|grades?|stars?)?",
    r"\b(?:mark|rate|score|grade)\s+(?:me|this|it|my|the (?:answer|response|candidate|submission))\b[^.\n]{0,30}\b"
    + _SCORE_WORDS,
    r"\b(?:full|maximum|max|perfect|top|highest)\s+(?:marks?|score|points|rating|grade)\b",
    r"\b(?:respond|reply|answer|output|return|print)\s+(?:only\s+)?(?:with|as)?\s*[\"'`]?(?:rating|score|grade|"
    r"overall|verdict|json)",
    r"\b(?:the rubric|these rules|scoring rules) (?:no longer|does not|doesn't) apply",
    r"\byou (?:must|should|will|are required to|have to)\s+(?:now\s+)?(?:score|grade|rate|mark|award|give|output)",
    r"\bnew (?:instructions?|task|rules?)\s*:",
    # fake completion and verdicts
    r"</\s*(?:answer|response|candidate|input|data|text|user)\s*>",
    r"\b(?:END OF (?:ANSWER|RESPONSE|INPUT|CANDIDATE(?:'S)? (?:ANSWER|RESPONSE))|BEGIN (?:EVALUATION|GRADE|VERDICT))\b",
    r"[{,]\s*[\"']?(?:overall|score|grade|rating|verdict|dimensions)[\"']?\s*:\s*[\[{\"'0-9]",
    r"\b(?:rating|score|grade|verdict|overall(?: score)?|final (?:score|grade))\s*[:=]\s*(?:\d+(?:\.\d+)?\s*"
    r"(?:/\s*\d+)?|[A-F][+-]?\b|pass|excellent|perfect)",
    r"(?:^|\n)\s*(?:#{2,}|\[|<|```)\s*(?:system|assistant|instruction|evaluation|grader|admin)\b",
    r"(?:^|\n)\s*(?:system|assistant|evaluator|grader)\s*:",
    # fake reasoning and authority claims
    r"\b(?:as (?:the|an?|any) " + _GRADER + r" (?:can|will|would) (?:see|notice|agree|confirm))",
    r"\b(?:correct|right|appropriate|only valid|expected|fair)\s+(?:score|grade|rating|mark)\s+(?:is|would be|=)",
    r"\b(?:deserves?|merits?|warrants?|earns?|should (?:receive|get|be given|be awarded|score))\b[^.\n]{0,30}\b"
    r"(?:full|maximum|max|perfect|top|highest|100|5/5|10/10|5 out of 5|a 5|a 10)",
    r"\b(?:every|all)\s+(?:key points?|rubric (?:items?|dimensions?)|criteria)\s+(?:is|are|was|were|has been|"
    r"have been)\s+(?:covered|met|satisfied|addressed)",
    r"\bnote\s+(?:to|for)\s+(?:the\s+)?" + _GRADER,
    r"\b(?:dear|attention|hey|hi)\s+(?:the\s+)?" + _GRADER + r"\b",
    r"\b(?:answer|response|submission|candidate|score|grade|rating|it)\s+(?:was|is|has been|were)\s+(?:already\s+)?"
    r"pre-?\s?(?:approved|graded|scored|validated|verified)\b|\bpre-?\s?(?:approved|graded|scored|validated|verified)"
    r"\s+(?:as\s+)?(?:\d|a\s+\d|full|maximum|max|perfect|top|highest|by\s+the)",
    r"\b(?:approved|authori[sz]ed|certified|verified|signed off)\s+by\s+(?:the\s+)?(?:hiring manager|recruiter|"
    r"interviewer|admin\w*|developers?|system|committee|bar raiser|HR)",
    r"\b(?:rate|grade|score|mark|evaluate|judge|assess)\s+(?:this|the|my)\s+(?:answer|response|submission|"
    r"candidate)\b",
    r"\b(?:highest|best|top|maximum) (?:possible )?(?:score|rating|grade|marks?)\b",
    r"\b(?:grading|scoring|evaluation) (?:task|instructions?|guidelines?|mode)\b",
    r"\b(?:treat|count|consider|mark)\w*\s+(?:every|all|each|any)\s+(?:key points?|rubric|criteri)",
    r"\b(?:interviewer|recruiter|hiring manager|panel|committee)'?s?\s+(?:note|comment|decision|verdict)\b",
    r"\bautomated (?:score|grade|grader|rating|evaluation)\b",
    r"\b\d+\s*/\s*\d+\s+(?:on|for|across)\s+(?:all|every|each)\b",
    r"\bI am (?:the|an?|your) (?:administrator|admin|developer|system|evaluator|grader|interviewer|hiring manager)\b",
    r"\b(?:this|the) (?:answer|response|candidate) (?:has been|was|is) (?:already )?(?:approved|graded|verified|"
    r"rated|scored)",
]
_SUSPICIOUS = [re.compile(p, re.I) for p in _PATTERNS]
# Once an attack is found, segments that talk about grading at all, or are not prose, go with it.
_META = re.compile(
    r"\b(?:scor(?:e|es|ed|ing)|grad(?:e|es|ed|er|ers|ing)|marks?|rating|rated|rubric|evaluat\w*|assess\w*|"
    r"judg(?:e|es|ed|ing)|criteri\w*|key points?|coverage|covered|dimensions?|instructions?|task|calibrat\w*|"
    r"verdict|strong hire|panel|bar raiser|excellent|complete|comprehensive|maximum|full marks|this answer|"
    r"the answer above|the text below|above this line|system|override|ignore|previous|candidate|response|"
    r"evaluator)\b|\d+\s*/\s*\d+", re.I)
_PROSE = re.compile(r"[A-Za-z]{3,}(?:\s+[A-Za-z]{2,}){3,}")
_CUTOFF = re.compile(r"</\s*(?:answer|response|candidate|input|data|text|user)\s*>|\bEND OF (?:ANSWER|RESPONSE|"
                     r"INPUT)\b|(?:^|\n)\s*(?:#{2,}|```)\s*(?:system|assistant|instruction|evaluation)", re.I)
_SEGMENT = re.compile(r"[^\n.!?]*(?:[.!?]+|\n|$)")


@dataclass
class InjectionScan:
    """The answer with grader-directed text removed, and the removed pieces (verbatim)."""

    clean: str
    removed: list[str]
    narrow: str = ""  # only the segments that address the grader removed (no neighbours): closer to the original

    @property
    def suspected(self) -> bool:
        return bool(self.removed)


def scan(answer: str) -> InjectionScan:
    """Split off every segment that talks to the grader; everything after a fake end-of-answer marker goes too."""
    text = answer
    removed: list[str] = []
    if _HIDDEN.search(text):
        removed.append("(hidden control characters)")
        text = _HIDDEN.sub("", text)
    cutoff = _CUTOFF.search(text)
    if cutoff:
        removed.append(text[cutoff.start():].strip())
        text = text[: cutoff.start()]
    segments = _SEGMENT.findall(text)
    repeats: dict[str, int] = {}
    for segment in segments:
        repeats[segment.strip().lower()] = repeats.get(segment.strip().lower(), 0) + 1
    flagged = [bool(s.strip()) and (_suspicious(s) or repeats[s.strip().lower()] >= 3) for s in segments]
    narrow = "".join(s for s, flag in zip(segments, flagged, strict=True) if not flag).strip()
    _spread(segments, flagged)
    kept: list[str] = []
    for segment, flag in zip(segments, flagged, strict=True):
        (removed if flag else kept).append(segment.strip() if flag else segment)
    return InjectionScan(clean="".join(kept).strip(), removed=removed, narrow=narrow)


def _spread(segments: list[str], flagged: list[bool]) -> None:
    """Grow each flagged run over neighbouring segments that talk about grading or are not prose at all."""
    def residue(segment: str) -> bool:
        return not segment.strip() or bool(_META.search(segment)) or not _PROSE.search(segment)

    for direction in (1, -1):
        order = range(len(segments)) if direction == 1 else range(len(segments) - 1, -1, -1)
        active = False
        for i in order:
            if flagged[i]:
                active = True
            elif active and residue(segments[i]):
                flagged[i] = bool(segments[i].strip())
            else:
                active = False


def _suspicious(segment: str) -> bool:
    """A segment that addresses the grader (also when written in full-width letters or backwards)."""
    variants = (segment, unicodedata.normalize("NFKC", segment), segment[::-1])
    return any(p.search(v) for v in variants for p in _SUSPICIOUS)
