"""Text rewriting for grounded variants: brand and entity swaps, core asks, constraint stripping, tidying."""

from __future__ import annotations

import re

from bot.grading.text import prose_sentences, protect, restore
from bot.variants.lexicon import SLOTS, Lexicon, Setting

_ENUMERATION = re.compile(r"^\s*(?:\d{1,2}[.)]|[-•*])\s*")
_NOT_A_NOUN = frozenset("""
is are was were has have had will would can could should must may might and or but to in for with that which who at on
of from by as plans wants needs uses runs sells operates faces launched launches""".split())
_APOSTROPHE = "’'"
_ASK_VERBS = frozenset("""design build describe explain tell walk provide calculate estimate propose create develop
outline give how what why which define measure optimize optimise analyze analyse evaluate compare""".split())


def split_sentences(text: str) -> list[str]:
    """The sentences of a question (line breaks and end punctuation, never inside parentheses, quotes or "e.g.";
    list markers dropped)."""
    return [s for s in (_ENUMERATION.sub("", p).strip() for p in prose_sentences(text)) if s]


def drop_clauses(text: str, pattern: str) -> str:
    """`text` without the clauses `pattern` starts (", considering …"), each up to the end of its sentence; a clause
    runs over parentheses, quotes and abbreviations ("(e.g., …)") rather than ending inside them."""
    protected, saved = protect(text)
    return restore(re.sub(pattern + r"[^.?!]*", "", protected), saved)


def is_ask(sentence: str) -> bool:
    """A sentence that asks something: a question, or an instruction ("Design …", "Tell me …", "You need to …")."""
    sentence = _LABEL.sub("", sentence)
    first = re.sub(r"^[^A-Za-z]+", "", sentence).split(" ", 1)[0].lower().strip(",:")
    return sentence.rstrip().endswith("?") or first in _ASK_VERBS or _YOU_MUST.search(sentence) is not None


_LABEL = re.compile(r"^[A-Z][\w -]{0,40}:\s+(?=[A-Z])")  # "Invent and Simplify: Describe a time …"
_YOU_MUST = re.compile(r"^\s*you(?:’re|'re| are)? (?:need to|have to|must|are asked to|tasked with)\b", re.I)
_TASKS = (
    re.compile(r"^(?:tell me about|describe) (?:a|an|one) (?:time|situation|occasion|case)\s+"
               r"(?:when |where |in which )?you (?:had to|were asked to|needed to) (?P<task>.+)$", re.I),
    re.compile(r"^(?:walk me through how you would|(?:as (?:a )?pm, )?how (?:would|do|should|can) you) (?P<task>.+)$",
               re.I),
    re.compile(r"^you(?:’re|'re| are)? (?:need to|have to|must|are asked to) (?P<task>.+)$", re.I),
    re.compile(r"^you(?:’re|'re| are)? tasked with (?P<gerund>.+)$", re.I),
    re.compile(r"^(?P<task>(?:design|build|create|develop|calculate|estimate|propose|optimi[sz]e|measure|evaluate)"
               r" .+)$", re.I),
)
_BASE_FORMS = {"deploying": "deploy", "building": "build", "designing": "design", "creating": "create",
               "developing": "develop", "launching": "launch", "scaling": "scale", "improving": "improve",
               "running": "run", "leading": "lead", "making": "make", "managing": "manage"}


def task_of(question: str, max_words: int = 30) -> str | None:
    """What the question asks the candidate to do, as a phrase after "to" ("design a fraud detection system for
    …"); None when no sentence has a shape this recognises."""
    for sentence in split_sentences(question):
        sentence = _LABEL.sub("", sentence).rstrip(" .?!")
        for pattern in _TASKS:
            m = pattern.match(sentence)
            if not m:
                continue
            if m.groupdict().get("gerund"):
                verb, _, rest = m.group("gerund").partition(" ")
                if verb.lower() not in _BASE_FORMS:
                    return None
                task = f"{_BASE_FORMS[verb.lower()]} {rest}"
            else:
                task = m.group("task")
            return _shorten(task[:1].lower() + task[1:], max_words)
    return None


def _shorten(text: str, max_words: int) -> str:
    words = text.split()
    if len(words) <= max_words:
        return text
    head = " ".join(words[:max_words])
    floor = len(" ".join(words[:8]))
    cuts = [i for i in (head.find(", ", floor), head.find(" while ", floor), head.find(" but ", floor)) if i > 0]
    head = head[:min(cuts)] if cuts else head
    if head.count("(") > head.count(")"):
        head = head[:head.rfind("(")]
    return head.rstrip(" ,;:-—")


def core_ask(question: str, min_words: int = 12) -> str:
    """The opening ask of a question: its first sentences until one asks something and `min_words` are reached
    (a bare lead-in such as "Provide two STAR stories:" is skipped)."""
    picked: list[str] = []
    for sentence in split_sentences(question):
        if not picked and sentence.endswith(":") and len(sentence.split()) < 8:
            continue
        picked.append(sentence)
        if sum(len(s.split()) for s in picked) >= min_words and any(is_ask(s) for s in picked):
            break
    return " ".join(picked) or question.strip()


def later_asks(question: str, core: str) -> list[str]:
    """The sentences after the core ask."""
    return [s for s in split_sentences(question) if s not in core]


def _case_like(word: str, replacement: str) -> str:
    if word[:1].isupper() and not word.isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def _mask(text: str, phrases: list[str]) -> tuple[str, list[str]]:
    kept: list[str] = []

    def hide(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return f"\x00{len(kept) - 1}\x00"

    for phrase in sorted(phrases, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", hide, text, flags=re.IGNORECASE)
    return text, kept


def _unmask(text: str, kept: list[str]) -> str:
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], text)


def swap_brands(text: str, brands: list[str], setting: Setting) -> str:
    """Replace each brand name with the new organisation, as a possessive where the brand qualified a noun."""
    for alias in sorted(brands, key=len, reverse=True):
        pattern = re.compile(rf"(?:\b(?:the|The)\s+)?(?<![\w.]){re.escape(alias)}(?![\w])(?:([{_APOSTROPHE}])s\b)?"
                             rf"(?=(-|\s+([\w’']+)|))")

        def replace(m: re.Match[str]) -> str:
            apostrophe, hyphen, following = m.group(1), m.group(2), m.group(3)
            if apostrophe:
                return f"{setting.org}{apostrophe}s"
            if hyphen == "-":
                return setting.short
            if following and following.lower() not in _NOT_A_NOUN and not following[:1].isdigit():
                return f"{setting.org}’s"
            return setting.org

        text = pattern.sub(replace, text)
    return text


def swap_products(text: str, products: dict[str, str]) -> str:
    """Replace a brand's own product names ("SageMaker") with a generic description."""
    for name in sorted(products, key=len, reverse=True):
        text = re.sub(rf"(?<![\w]){re.escape(name)}(?![\w])", products[name], text)
    return text


def swap_entities(text: str, lexicon: Lexicon, setting: Setting) -> str:
    """Replace the entity words of the old domain (buyers, sellers, stores …) with the new setting's words.

    One pass over the text, so a replacement is never replaced again ("marketplace" → "game store" stays).
    """
    slot_of = {word.lower(): slot for slot in SLOTS for word in lexicon.entities.get(slot, [])}
    if not slot_of:
        return text
    masked, kept = _mask(text, lexicon.protected)
    words = "|".join(re.escape(w) for w in sorted(slot_of, key=len, reverse=True))

    def replace(m: re.Match[str]) -> str:
        found = m.group(0)
        return _case_like(found, setting.word(slot_of[found.lower()], plural=found.lower().endswith("s")))

    masked = re.sub(rf"(?<![\w\x00-])(?:{words})(?![\w\x00-])", replace, masked, flags=re.IGNORECASE)
    return _unmask(masked, kept)


def drop_parentheticals(text: str, pattern: str) -> str:
    """Remove "(…)" asides whose content matches `pattern`."""
    return re.sub(r"\s*\(([^()]*)\)", lambda m: "" if re.search(pattern, m.group(1), re.IGNORECASE) else m.group(0),
                  text)


def strip_constraints(text: str, lexicon: Lexicon, kinds: list[str] | None = None) -> str:
    """The text without intensifiers ("comprehensive", "in real-time") and asides stating constraints."""
    for phrase in lexicon.intensifiers:
        text = re.sub(re.escape(phrase), "", text, flags=re.IGNORECASE)
    detects = [lexicon.constraints[k].detect for k in (kinds or list(lexicon.constraints))]
    if detects:
        text = drop_parentheticals(text, "|".join(f"(?:{d})" for d in detects))
    return tidy(text)


def tidy(text: str) -> str:
    """One space between words, none before punctuation, a/an agreeing, sentences capitalised."""
    text = " ".join(text.split())
    text = re.sub(r"\s+([,.;:?!)])", r"\1", text)
    text = re.sub(r"\(\s+", "(", text)
    text = re.sub(r"\b([Aa])n? (?=([A-Za-z]+))",
                  lambda m: f"{m.group(1)}{'n' if _vowel_sound(m.group(2)) else ''} ", text)
    text = re.sub(r"(^|[.?!]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)
    return text.strip()


def _vowel_sound(word: str) -> bool:
    lower = word.lower()
    if lower.startswith(("uni", "use", "usu", "eu", "one", "once")):
        return False
    if word.isupper() and len(word) > 1:  # an acronym read letter by letter: an SQL, an ML, a GPU
        return word[0] in "AEFHILMNORSX"
    return lower[:1] in "aeiou" or lower.startswith(("hour", "honest"))


def lower_title(title: str) -> str:
    """A section title as words inside a sentence ("Imbalanced Dataset Handling — SMOTE" → "imbalanced dataset
    handling")."""
    head = re.split(r"\s+[—–-]\s+|\s*\(", title, maxsplit=1)[0].strip(" :")
    words = [w if (w.isupper() and len(w) > 1) else w.lower() for w in head.split()]
    return " ".join(words)


def join_words(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
