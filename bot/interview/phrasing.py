"""The interviewer's words from templates: an acknowledgement picked from the candidate's own answer, follow-ups
built from whole questions, replies to requests, hints and the debrief after a question."""

from __future__ import annotations

import hashlib
import itertools
import re

from bot.domain.grade import Grade
from bot.domain.models import Question
from bot.domain.policy import Target
from bot.grading.reference import GENERIC_STEMS, SCAFFOLD_STEMS
from bot.grading.signals import buzzword_stems
from bot.grading.text import COMMON_VERBS, STOP_WORDS, content_tokens, stem, tokens

LEAK_RUN = 8  # a follow-up may not share a run of this many words with the reference answer
REASONS = (
    "One thing I haven't heard yet:",
    "Something your answer doesn't cover yet:",
    "I'd like to hear about one more part:",
    "Let's fill in one gap:",
)
ACKNOWLEDGEMENTS = ("You mentioned {term}.", "Thanks, the detail on {term} helps.", "Noted: {term}.",
                    "I follow the part about {term}.")
NEUTRAL_ACKNOWLEDGEMENTS = ("You mentioned {term}.", "Noted: {term}.")
DIMENSION_PROBES = {
    "result": "What was the measurable result, in numbers before and after?",
    "impact": "What was the measurable result, in numbers before and after?",
    "action": "What did you personally do there, as opposed to the team?",
    "situation_task": "What was at stake, and what exactly were you responsible for?",
    "tradeoffs": "What alternatives did you consider, and what did you give up by choosing this one?",
    "metrics": "How would you measure success here, and which guardrail metrics would you track?",
    "customer": "Who exactly is the customer here, and which of their problems matters most?",
    "structure": "What assumptions are you making, and what would you clarify before designing anything?",
    "depth": "Could you go one level deeper and explain how that would work in practice?",
    "rigor": "How would you make sure the result is real and not noise or bias?",
    "relevance": "How does that story tie back to what I asked?",
    "correctness": "Could you be more precise about how that works?",
}
CLARIFY_YES = re.compile(r"^\s*(?:can|could|may|should|shall) (?:i|we) (?:assume|take|treat|say)|"
                         r"\b(?:assum\w*|reasonable|valid|fair to|ok(?:ay)? (?:to|if))\b", re.I)
_NO_TERM = STOP_WORDS | {"i", "we", "you", "they", "it", "my", "our", "me", "us", "so", "then", "also", "just", "since",
                         "although", "unless", "instead", "still", "already", "really", "basically", "actually",
                         "maybe", "probably", "around", "roughly", "about", "almost", "nearly", "well", "plus", "ones",
                         "lot", "lots", "bit", "kind", "sort", "stuff", "way", "few", "many", "several", "say",
                         "e.g", "eg", "like"} | COMMON_VERBS
_SUBJECT = re.compile(r"^(?:i|we|you|they|i'd|we'd|i'll|we'll|to|would|will|could|can|should)$")  # a verb follows
_SEGMENT = re.compile(r"[,:;()\[\]—–\"“”!?]|\s-\s|\.(?:\s|$)")
_WORD = re.compile(r"[A-Za-z0-9][\w%$.'’/+-]*[A-Za-z0-9%+]|[A-Za-z0-9]")
_MARKED = re.compile(r"\d|[A-Z]{2,}|[a-z][A-Z]|\w-\w|/")  # a number, an acronym, CamelCase, a compound: a term
_OBJECT = re.compile(r"^(?:it|them|us|me|him|her|the|a|an|this|these|those|our|my|their|its|his)$")  # a verb precedes
_MODIFIER = re.compile(r"(?:al|ive|ous|ful|able|ible|ary|ic)$")  # a word like this before another one modifies it
# a phrase ends in its noun, never in a participle, an adverb or one of these
_NOT_NOUN = re.compile(r"(?:[^e]ed|ly)$|^(?:late|early|ago|later|soon|again|away|back|fast|slow|faster|slower|high|"
                       r"low|higher|lower|more|less|enough|too|very|only|even|ever|yet|here|there|now|today)$")


def _pick(options: tuple[str, ...], seed: str, used: set[str] | None = None) -> str:
    """A deterministic choice that skips options already used in this session when it can."""
    start = int(hashlib.sha256(seed.encode()).hexdigest(), 16) % len(options)
    ordered = options[start:] + options[:start]
    return next((o for o in ordered if not used or o.split("{")[0] not in used), ordered[0])


def concrete_term(sentence: str, avoid: frozenset[str] = frozenset()) -> str:
    """The most concrete short phrase of `sentence` (2–4 words of content within one clause: "shadow mode", "BG/NBD
    baseline"), ending in its noun, not made of the question's words (`avoid`, stems) or filler; "" when none."""
    return _best_term(sentence, avoid)[0]


def _best_term(sentence: str, avoid: frozenset[str]) -> tuple[str, float]:
    filler = buzzword_stems() | GENERIC_STEMS | SCAFFOLD_STEMS
    best, best_score = "", 0.0
    for segment in _SEGMENT.split(sentence):
        run: list[str] = []
        before = ""
        for word in [*_WORD.findall(segment), ""]:
            bare = word.lower().replace("’", "'")
            if word and bare not in _NO_TERM and "'" not in bare:
                run.append(word)
                continue
            if _OBJECT.match(bare):  # "the baseline beat it": the run's last word is a verb
                run = run[:-1]
            for size in (4, 3, 2):
                for start in range(0, max(0, len(run) - size) + 1):
                    chunk = run[start:start + size]
                    after = run[start + size] if start + size < len(run) else ""
                    verb_first = start == 0 and bool(_SUBJECT.match(before))
                    score = _term_score(chunk, after, avoid, filler) - 2.0 * verb_first
                    if score > best_score:
                        best, best_score = " ".join(chunk), score
            run, before = [], bare
    return best.strip(".,;:"), best_score


def _term_score(chunk: list[str], after: str, avoid: frozenset[str], filler: frozenset[str] | set[str]) -> float:
    """How good a term `chunk` (followed by `after` in its clause) makes, 0 for none: words of its own, a technical
    mark, and a noun at the end (not a modifier of the next word, not an adverb or participle)."""
    if len(chunk) < 2:
        return 0.0
    stems = [stem(w.lower()) for w in chunk]
    last = chunk[-1]
    cut_compound = bool(after) and (stem(after.lower()) in filler or bool(_MODIFIER.search(last.lower())))
    if (any(s in filler for s in stems) or all(s in avoid for s in stems) or cut_compound
            or not any(len(w) >= 5 or _MARKED.search(w) for w in chunk)
            or (_NOT_NOUN.search(last.lower()) and not _MARKED.search(last))):
        return 0.0
    return 1.0 + 0.4 * sum(s not in avoid for s in stems) + 1.5 * any(_MARKED.search(w) for w in chunk) \
        + 0.5 * (not after)


def acknowledgement(answer_sentences: list[str], avoid: frozenset[str], seed: str, warm: bool,
                    used: tuple[str, ...] = ()) -> str:
    """One short line that picks up the most concrete term of the candidate's own words (the first sentences win
    ties; a term already said in `used` lines is skipped; "" when none stands out); a weak answer gets a neutral
    line, never praise."""
    best, best_score = "", 0.0
    for sentence in answer_sentences:
        term, score = _best_term(sentence, avoid)
        if score > best_score and not any(term.lower() in u.lower() for u in used):
            best, best_score = term, score
    if not best:
        return ""
    return _pick(ACKNOWLEDGEMENTS if warm else NEUTRAL_ACKNOWLEDGEMENTS, seed).format(term=best)


def _lower_question(probe: str) -> str:
    first = probe.split(" ", 1)[0]
    return probe if first.isupper() and len(first) > 1 else probe[:1].lower() + probe[1:]


def follow_up(target: Target, seed: str, earlier: list[str], acknowledgement_line: str = "") -> str:
    """A follow-up aimed at `target`: the acknowledgement, why it is asked, and the question itself (a probe for
    depth quotes the candidate's words itself)."""
    if target.kind == "dimension":
        probe = target.probe or DIMENSION_PROBES.get(target.key, DIMENSION_PROBES["depth"])
        return f"{acknowledgement_line} {probe}".strip()
    if target.kind == "depth":  # it quotes the candidate already
        return target.probe
    used = {r for r in REASONS if any(r in e for e in earlier)}
    reason = _pick(REASONS, seed, used)
    return f"{acknowledgement_line} {reason} {_lower_question(target.probe)}".strip()


def clarification(asked: str, question: Question, context: list[str]) -> str:
    """An in-character answer to a clarifying question, from what the question itself says: the sentence of the
    prompt (or of the reference's assumptions) nearest to what was asked; assumptions the candidate proposes are
    welcome."""
    if CLARIFY_YES.search(asked):
        return "Yes, that's a reasonable assumption. State it explicitly and carry on."
    wanted = {stem(t) for t in content_tokens(asked)} - GENERIC_STEMS
    scored = [(len(wanted & {stem(t) for t in content_tokens(c)}), -n, c) for n, c in enumerate(context)]
    best = max(scored, default=(0, 0, ""))
    if best[0] == 0:
        return ("The question doesn't pin that down, so choose a reasonable value, say it out loud, and tell me how "
                "your approach would change if it were different.")
    return f"Good question. Take this as given: {shorten(best[2], 40)} Anything beyond that is yours to assume."


def shorten(text: str, words: int) -> str:
    """`text` cut to `words` words at most, ending with a full stop or an ellipsis."""
    parts = text.split()
    cut = " ".join(parts[:words]).rstrip(" ,;:")
    return cut + ("…" if len(parts) > words else "" if cut.endswith((".", "?", "!", "…")) else ".")


def hint(target: Target | None, cue: str = "") -> str:
    """A nudge towards `target` (with a few words of what a strong answer covers there, `cue`), never the answer."""
    if target is None:
        return "You're on the right track. Structure what you have and tie it to a measurable outcome."
    line = f"Here's a nudge: think about {target.label}."
    return f"{line} A strong answer touches on {cue}" if cue else f"{line} What would you look at first?"


def repeat(question_text: str) -> str:
    return f"Of course. Here is the question again:\n\n{question_text}"


def rephrase(main: str, topics: list[str]) -> str:
    """A shorter wording: the main ask, then the things to cover."""
    listed = ", ".join(topics[:-1]) + (f" and {topics[-1]}" if len(topics) > 1 else topics[0]) if topics else ""
    tail = f" I'd like to hear about {listed}." if listed else ""
    return f"Let me put it more simply. {shorten(main, 30)}{tail}"


def redirect() -> str:
    return "Sure. Whenever you're ready, let's get back to the question."


def ask_in_language(languages: str) -> str:
    """Asked once per question when an answer is in another language than the reference (see `Grade.language`)."""
    said, expected = _languages(languages)
    return (f"Thanks. I can only follow answers in {expected} here, so I can't judge one in {said} fairly. Could you "
            f"give me the same answer in {expected}?")


def _languages(languages: str) -> tuple[str, str]:
    said, _, expected = languages.partition("/")
    return said or "another language", expected or "the question's language"


def debrief(grade: Grade, strength: str, quote: str, gap: str, model_line: str, improvement: str) -> str:
    """What the candidate hears after a question: the score, a strength quoting them, the most important gap with a
    line of the reference as a model, and one concrete improvement."""
    lines = [f"That answer scores {grade.overall}/100."]
    if "language" in grade.flags:
        said, expected = _languages(grade.language)
        lines.append(f"It was written in {said}, and this grader reads {expected}: the score counts only the terms "
                     "and numbers it could match.")
    if strength and quote:
        lines.append(f"Strength — {strength}: “{quote}”")
    if gap:
        lines.append(f"Most important gap: {gap}." + (f" A strong answer would say something like: “{model_line}”"
                                                       if model_line else ""))
    if improvement:
        lines.append(f"Next time: {improvement}")
    return "\n".join(lines)


def grammar_defects(text: str) -> list[str]:
    """What is wrong with an interviewer line by the rules the templates keep: no doubled word or punctuation, no
    pasted prompt fragment ("about tell me", "plan for in"), a question mark only at the end, sentence case."""
    defects = []
    words = re.findall(r"[a-z0-9][a-z0-9'’/+-]*", text.lower())
    if any(a == b for a, b in itertools.pairwise(words)):
        defects.append("doubled word")
    if re.search(r"([?.,!:;])\1|\?\s*[.!?]", text):
        defects.append("doubled punctuation")
    if re.search(r"\babout (?:tell|describe|walk|give|provide)\b|\bplan for in\b", text, re.I):
        defects.append("pasted fragment")
    if "?" in text.rstrip().rstrip("?”\"").rstrip():
        defects.append("question mark before the end")
    if not text[:1].isupper():
        defects.append("not sentence case")
    return defects


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
