"""Interview signals read off an answer: STAR parts, ownership, numbers, trade-offs, risks, assumptions, structure."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bot.grading.text import content_tokens, sentences, stem

_NUMBER = re.compile(
    r"(?:[$€£]\s?\d[\d,.]*\s?(?:[kKmMbB]|million|billion|thousand)?|\b\d[\d,.]*\s?(?:%|x\b|×|percent|ms\b|"
    r"seconds?|minutes?|hours?|days?|weeks?|months?|years?|hrs?|k\b|M\b|B\b|points?|pp\b|bps\b|users?|customers?|"
    r"stores?|SKUs?|engineers?|teams?)|\b\d+(?:\.\d+)?\s?(?:→|->|to)\s?\d+(?:\.\d+)?|"
    r"\b(?:an?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|thirty|fifty|a hundred|hundreds of|"
    r"thousands of|millions of|half an?|a few)\s+(?:percent|x|times|ms|milliseconds|seconds?|minutes?|hours?|days?|"
    r"weeks?|months?|quarters?|years?|users|customers|stores|engineers|teams|points)\b|\b(?:doubled|tripled|halved|"
    r"twice as|(?:ten|two|three)fold)\b)",
)
_RESULT = re.compile(r"\b(result(?:ed|s)?|outcome|impact|improv\w+|reduc\w+|increas\w+|sav(?:ed|ing)|cut|grew|"
                     r"decreas\w+|achiev\w+|deliver\w+|lift|drop(?:ped)?)\b", re.I)
_SITUATION = re.compile(r"\b(situation|at the time|when I was|while I was|in my (?:last|previous|current) role|"
                        r"in (?:one|a previous|my last) (?:role|job|team|company)|at my (?:last|previous) (?:company|"
                        r"job)|last (?:year|quarter)|used to (?:take|be|run|require)|was taking|our team (?:was|had)|"
                        r"we were|context|background|the problem was|faced)\b", re.I)
_TASK = re.compile(r"\b(task|my (?:goal|job|responsibility|role) was|I was (?:asked|responsible|tasked)|"
                   r"needed to|had to|objective|goal was|deadline)\b", re.I)
_ACTION = re.compile(r"\bI (?:\w+ed|built|led|wrote|ran|set up|made|drove|took|chose|proposed|created|designed|"
                     r"met|spoke|brought|ran|sat|pushed|started|got|went|did|decided|broke|gave|held|kept|"
                     r"put|sent|found|asked|told|won|shipped)\b", re.I)
_I = re.compile(r"\b(I|my|me|I'm|I've|I'd)\b")
_WE = re.compile(r"\b(we|our|us|we're|we've|we'd|the team)\b", re.I)
_TRADEOFF = re.compile(r"\b(trade-?offs?|instead of|rather than|versus|vs\.?|at the (?:cost|expense) of|"
                       r"on the other hand|downside|alternative(?:ly|s)?|balanc\w+|chose \w+ over|over-? ?\w+ing|"
                       r"pros and cons|compromise|weigh(?:ed|ing)?|but this (?:means|costs))\b", re.I)
_RISK = re.compile(r"\b(risks?|mitigat\w+|fallback|roll ?back|guardrails?|safeguards?|failure modes?|monitor\w*|"
                   r"alert\w*|canary|shadow|circuit breaker|contingenc\w+|worst case|edge cases?|bias|drift)\b", re.I)
_ASSUMPTION = re.compile(r"\b(assum\w+|clarif\w+|I(?:'d| would) (?:first )?ask|requirements?|constraints?|"
                         r"scope|let me (?:first )?(?:frame|define|understand)|to (?:frame|define) the problem|"
                         r"out of scope|I'd want to know)\b", re.I)
_ORDER = re.compile(r"(?:^|\n)\s*(?:[-*•]|\d+[.)])\s+|\b(first(?:ly)?|second(?:ly)?|third(?:ly)?|then|next|finally|"
                    r"lastly|step \d|phase \d|to summari[sz]e|in summary)\b", re.I)
_CONCRETE = re.compile(
    r"\d|\b(?!(?:PMs?|ML|AI|KPIs?|OKRs?|I)\b)[A-Z]{2,}s?\b|\b[a-z]+[A-Z]\w*|\b[A-Z][a-z]+[A-Z]\w*|"
    r"(?<=[a-z,;] )[A-Z][a-z]{2,}|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundreds?|thousands?|millions?|billions?|dozens?|half|double[ds]?|tripled?|percent)\b", re.I * 0)


_COMPOUND = re.compile(r"\b[a-z]+-[a-z]+(?:-[a-z]+)*\b")
BUZZWORDS_FILE = Path(__file__).resolve().parents[2] / "prompts" / "grading" / "buzzwords.txt"


@lru_cache(maxsize=1)
def buzzword_stems() -> frozenset[str]:
    lines = BUZZWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(stem(w) for line in lines if not line.startswith("#") for w in line.split())


def specificity(sentences_: list[str]) -> float:
    """0..1: concrete sentences (numbers, names, acronyms) and few generic buzzwords make an answer specific."""
    words = [stem(t) for s in sentences_ for t in content_tokens(s)]
    if not words:
        return 0.0
    fluff = sum(w in buzzword_stems() for w in words) / len(words)
    concrete = sum(is_concrete(s) for s in sentences_)
    return 0.5 * min(1.0, concrete / 3) + 0.5 * (1 - min(1.0, fluff / 0.2))


def is_concrete(sentence: str, terms: set[str] | frozenset[str] = frozenset()) -> bool:
    """A sentence with a number, an acronym or a named thing, or with one of `terms` (stems) and few buzzwords."""
    if _CONCRETE.search(sentence) or _NUMBER.search(sentence):
        return True
    stems = [stem(t) for t in content_tokens(sentence)]
    fluff = sum(s in buzzword_stems() for s in stems) / max(1, len(stems))
    compounds = [w for w in _COMPOUND.findall(sentence) if stem(w.lower()) not in buzzword_stems()]
    return fluff <= 0.15 and (bool(terms & set(stems)) or bool(compounds))
_METRIC = re.compile(r"\b(north[- ]star|guardrail metrics?|conversion|retention|churn|engagement|CTR|"
                     r"click-?through|revenue|margin|profit|ROI|NPS|CSAT|precision|recall|F1|AUC|MAPE|RMSE|MAE|"
                     r"latency|p\d\d|throughput|uptime|accuracy|lift|uplift|AOV|GMV|LTV|CLV|DAU|MAU|cost per|"
                     r"false positive|false negative|stockouts?|sell-through|fill rate|success (?:rate|criteria)|"
                     r"statistical significance|p-value|confidence interval|power|effect size|MDE)\b", re.I)


@dataclass
class Signal:
    """A signal's strength in [0, 1] and the answer sentences that show it (verbatim)."""

    strength: float
    evidence: list[str] = field(default_factory=list)


def _hits(pattern: re.Pattern[str], sents: list[str]) -> list[str]:
    return [s for s in sents if pattern.search(s)]


def _saturate(count: int, full: int) -> float:
    return min(1.0, count / full) if full else 0.0


@dataclass
class InterviewSignals:
    """All interview signals of one answer."""

    situation: Signal
    task: Signal
    action: Signal
    result: Signal
    ownership: float  # share of first-person singular among I/we references, 0.5 when neither appears
    quantified: Signal
    tradeoffs: Signal
    risks: Signal
    assumptions: Signal
    structure: Signal
    metrics: Signal


def read_signals(answer: str, concrete_terms: set[str] | frozenset[str] = frozenset()) -> InterviewSignals:
    """Every interview signal of `answer`, counted on unique sentences so repetition earns nothing.

    Actions, trade-offs, risks and metrics count only in concrete sentences: ones with a number, an acronym or a named
    thing, or a term of the reference (`concrete_terms`, as stems). Fluent generalities earn nothing.
    """
    all_sents = list(dict.fromkeys(sentences(answer, min_tokens=1)))
    concrete = [s for s in all_sents if is_concrete(s, concrete_terms)]
    sents = all_sents
    numbers = [s for s in sents if _NUMBER.search(s)]
    results = [s for s in _hits(_RESULT, sents) if s in numbers] or _hits(_RESULT, sents)
    i_count = sum(len(_I.findall(s)) for s in sents)
    we_count = sum(len(_WE.findall(s)) for s in sents)
    ownership = 0.5 if i_count + we_count == 0 else i_count / (i_count + we_count)
    actions = _hits(_ACTION, concrete)
    order_marks = len(_ORDER.findall(answer))
    return InterviewSignals(
        situation=Signal(_saturate(len(_hits(_SITUATION, sents)), 1), _hits(_SITUATION, sents)[:2]),
        task=Signal(_saturate(len(_hits(_TASK, sents)), 1), _hits(_TASK, sents)[:2]),
        action=Signal(_saturate(len(actions), 3), actions[:3]),
        result=Signal(0.5 * _saturate(len(results), 1) + 0.5 * _saturate(len([r for r in results if r in numbers]), 2),
                      results[:2]),
        ownership=ownership,
        quantified=Signal(_saturate(len(numbers), 3), numbers[:3]),
        tradeoffs=Signal(_saturate(len(_hits(_TRADEOFF, concrete)), 2), _hits(_TRADEOFF, concrete)[:2]),
        risks=Signal(_saturate(len(_hits(_RISK, concrete)), 2), _hits(_RISK, concrete)[:2]),
        assumptions=Signal(_saturate(len(_hits(_ASSUMPTION, sents)), 2), _hits(_ASSUMPTION, sents)[:2]),
        structure=Signal(_saturate(order_marks, 4) * (1.0 if len(sents) >= 3 else 0.5), []),
        metrics=Signal(_saturate(len(_hits(_METRIC, concrete)), 3), _hits(_METRIC, concrete)[:2]),
    )
