"""Text helpers for grading: tokenising, sentence splitting, stop words and a Porter stemmer (pure Python)."""

from __future__ import annotations

import re
from functools import lru_cache

_TOKEN_RE = re.compile(r"[a-z0-9]+(?:[.'+#-][a-z0-9]+)*\+*")
_SENTENCE_RE = re.compile(r"(?<=[.!?;:])\s+|\n+\s*|\s+(?:[-•●○*]|\d{1,2}[.)])\s+")
_ENUM_RE = re.compile(r"^(?:\d{1,2}[.)]|[a-z][)])\s*")

STOP_WORDS: frozenset[str] = frozenset(
    """
a about above after again against all also am an and any are aren't as at be because been before being below
between both but by can could did didn't do does doesn't doing don't down during each either else etc even
ever every few for from further had has hasn't have haven't having he her here hers herself him himself his
how however i i.e e.g if in into is isn't it it's its itself just let like ll may me might more most much must
my myself no nor not now of off on once one only or other others otherwise our ours ourselves out over own per
rather re s same shall she should so some such t than that that's the their theirs them themselves then there
there's these they thing things this those though through thus to too under until up upon us use used uses
using very via was wasn't we were weren't what when where whether which while who whom whose why will with
within without would yes yet you your yours yourself yourselves ve d m o y
""".split()
)


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (letters/digits, keeping inner . ' + # - as in `c++`, `o(n)`-free `e.g`, `t-test`)."""
    return _TOKEN_RE.findall(text.lower().replace("’", "'"))


def content_tokens(text: str) -> list[str]:
    """Tokens that are not stop words, with possessive `'s` removed."""
    out: list[str] = []
    for tok in tokens(text):
        tok = tok.removesuffix("'s")
        if tok and tok not in STOP_WORDS:
            out.append(tok)
    return out


def sentences(text: str, min_tokens: int = 2) -> list[str]:
    """Sentence-like pieces (split on end punctuation, line breaks and list bullets); tiny pieces merge forward."""
    pieces = [_ENUM_RE.sub("", p.strip(" \t-•●○*")) for p in _SENTENCE_RE.split(text.strip())]
    out: list[str] = []
    carry = ""
    for piece in pieces:
        if not piece:
            continue
        piece = f"{carry} {piece}".strip() if carry else piece
        if len(tokens(piece)) < min_tokens:
            carry = piece
            continue
        out.append(piece)
        carry = ""
    if carry:
        if out:
            out[-1] = f"{out[-1]} {carry}"
        else:
            out.append(carry)
    return out


_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:[.'’+#-][A-Za-z0-9]+)*")


def spans_of(text: str, stems: frozenset[str] | set[str]) -> list[tuple[int, int]]:
    """Character ranges of the words of `text` whose stem is in `stems`."""
    return [m.span() for m in _WORD_RE.finditer(text)
            if stem(m.group(0).lower().replace("’", "'").removesuffix("'s")) in stems]


COMMON_VERBS = frozenset("""
is are was were be been do does did have has had can could would will should may might must use uses used make makes
made run runs ran set get gets got keep keeps kept let lets put built trained chose picked added moved found cut went
took gave ship shipped launched tested measured saw rose fell dropped steals stole caught came goes go went takes
needed needs wanted wants showed shows became becomes turned helped helps meant means started stopped tried said
""".split())


_CODE_LINE = re.compile(r"^\s*(?:import |from [\w.]+ import |def |class |return\b|[\w.\[\]'\"]+\s*[+\-*/]?=\s|#|@\w|"
                        r"[}\])]|```|[\w.]+\(.*\)\s*$|SELECT\b|FROM\b|WHERE\b|GROUP BY|for \w+ in |if .*:$|elif |else:|"
                        r"try:|except)|"
                        r"[│┌└├─▼┐┘]|\)\s*:$|;\s*$")
CODE_SHARE = 0.5  # a text with this share of code or box-drawing lines is a listing or a diagram, not prose


def is_code(text: str) -> bool:
    """Whether `text` is mostly program code or a box diagram (nothing a spoken answer shows as such)."""
    lines = [line for line in text.splitlines() if line.strip()]
    return bool(lines) and sum(bool(_CODE_LINE.search(line)) for line in lines) >= CODE_SHARE * len(lines)


def statements(text: str) -> list[str]:
    """Sentences as `sentences` splits them, with clauses after a semicolon and a short label ("What made it
    hard:") joined to what follows: one statement per sentence, as a listener hears it. A run-on (an answer typed
    without full stops, a transcript) is read clause by clause, see `clauses`."""
    out: list[str] = []
    for line in re.split(r"\n+", text.strip()):
        for piece in sentences(line):
            if out and (out[-1].endswith(";") or (out[-1].endswith(":") and len(tokens(out[-1])) <= 8)):
                out[-1] = f"{out[-1]} {piece}"
            else:
                out.append(piece)
        if out and out[-1].endswith(";"):
            out[-1] = out[-1][:-1]
    return [_without_lead_in(clause) for statement in _labels_forward(out) for clause in clauses(statement)]


_NOISE = r"(?:u+m+|u+h+|e+r+m*|h+m+|a+h+)"  # hesitation sounds
_MARKER = r"(?:so|okay|ok|yeah|well|right|alright|like|i mean|you know|basically|honestly|anyway|actually|and)"
_LEAD_IN = re.compile(rf"^(?:(?:{_NOISE}\b[,.]?|{_MARKER}\s*,|{_MARKER}\s+(?=(?:{_MARKER}|{_NOISE})\b))\s*)+", re.I)


def _without_lead_in(statement: str) -> str:
    """The statement without the hesitations and discourse markers a speaker opens it with ("So, uh, what I took
    away: …" → "what I took away: …"); a statement that is nothing else stays as it is."""
    match = _LEAD_IN.match(statement)
    rest = statement[match.end():] if match else statement
    return rest if len(tokens(rest)) >= 2 else statement


LABEL_WORDS = 8  # a label ("Bias mitigation (pre-processing):") has at most this many words


def _labels_forward(statements: list[str]) -> list[str]:
    """A label that ends a statement after a comma and a clause of its own ("…before anything goes live, bias
    mitigation:", typed without a full stop) belongs to the next one; "For the business, each cluster gets:" stays."""
    out = list(statements)
    for i in range(len(out) - 1):
        head, comma, label = out[i].rpartition(", ")
        if out[i].endswith(":") and comma and len(tokens(head)) >= CLAUSE_WORDS and len(tokens(label)) <= LABEL_WORDS:
            out[i], out[i + 1] = head, f"{label} {out[i + 1]}"
    return out


RUN_ON_WORDS = 80  # a statement longer than this is a run-on, not one sentence (written ones stay under 75 words)
CLAUSE_WORDS = 12  # ... and is read in pieces of at least this many words, cut where a clause ends
WINDOW_WORDS = 25  # ... or, with no clause boundary at all, in windows of this many words
BARE_ITEM_WORDS = 4  # comma-separated items mostly shorter than this are a list of terms, not clauses
_CLAUSE_END = re.compile(r"(?<=[,;)\u2014\u2013])\s+|\s+(?=[\u2014\u2013-]\s)")
_CLAUSE_START = re.compile(r"\s+(?=(?:and|so|but|then|because|which|while|after|before|when|until|although|though|"
                           r"otherwise|plus|also)\s)", re.I)


def clauses(statement: str) -> list[str]:
    """`statement` itself, or for a run-on its pieces (verbatim substrings): cut after commas, semicolons and dashes,
    else before a clause's conjunction, else every `WINDOW_WORDS` words; no piece under `CLAUSE_WORDS` words. A list
    of bare terms ("A/B tests, CUPED, guardrails, …") is no run-on: it stays whole."""
    items = sorted(len(tokens(item)) for item in _CLAUSE_END.split(statement))
    if len(items) >= 3 and items[len(items) // 2] < BARE_ITEM_WORDS:
        return [statement]
    return _pieces(statement)


def _pieces(text: str) -> list[str]:
    """A run-on's clauses (see `clauses`); a text no longer than a sentence stays whole."""
    if len(tokens(text)) <= RUN_ON_WORDS:
        return [text]
    for boundary in (_CLAUSE_END, _CLAUSE_START, re.compile(r"\s+")):
        cuts = [m.start() for m in boundary.finditer(text)]
        if boundary.pattern == r"\s+":
            cuts = cuts[WINDOW_WORDS - 1::WINDOW_WORDS]
        pieces = _grouped(text, cuts)
        if len(pieces) > 1 and max(len(tokens(p)) for p in pieces) <= RUN_ON_WORDS:
            return pieces
    return [text]


def _grouped(statement: str, cuts: list[int]) -> list[str]:
    """`statement` cut at `cuts` into pieces of at least `CLAUSE_WORDS` words (a short tail joins the last piece)."""
    spans: list[list[int]] = []
    start = 0
    for cut in [*cuts, len(statement)]:
        if len(tokens(statement[start:cut])) >= CLAUSE_WORDS:
            spans.append([start, cut])
            start = cut
    if start < len(statement):
        if spans and len(tokens(statement[start:])) < CLAUSE_WORDS // 2:
            spans[-1][1] = len(statement)
        else:
            spans.append([start, len(statement)])
    return [statement[a:b].strip().rstrip(",;").strip() for a, b in spans]


# --- Porter stemmer (M. F. Porter, 1980), the original algorithm ------------------------------------------------

_VOWELS = frozenset("aeiou")


def _is_cons(word: str, i: int) -> bool:
    ch = word[i]
    if ch in _VOWELS:
        return False
    if ch == "y":
        return i == 0 or not _is_cons(word, i - 1)
    return True


def _measure(stem: str) -> int:
    """Porter's m: the number of vowel-consonant sequences in `stem`."""
    m, prev_vowel = 0, False
    for i in range(len(stem)):
        cons = _is_cons(stem, i)
        if cons and prev_vowel:
            m += 1
        prev_vowel = not cons
    return m


def _has_vowel(stem: str) -> bool:
    return any(not _is_cons(stem, i) for i in range(len(stem)))


def _double_cons(word: str) -> bool:
    return len(word) >= 2 and word[-1] == word[-2] and _is_cons(word, len(word) - 1)


def _cvc(word: str) -> bool:
    if len(word) < 3:
        return False
    n = len(word)
    return (
        _is_cons(word, n - 3) and not _is_cons(word, n - 2) and _is_cons(word, n - 1) and word[-1] not in "wxy"
    )


def _replace(word: str, rules: tuple[tuple[str, str], ...], min_m: int) -> str:
    for suffix, repl in rules:
        if word.endswith(suffix):
            stem = word[: len(word) - len(suffix)]
            return stem + repl if _measure(stem) > min_m else word
    return word


_STEP2 = (
    ("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"), ("abli", "able"),
    ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"), ("ization", "ize"), ("ation", "ate"),
    ("ator", "ate"), ("alism", "al"), ("iveness", "ive"), ("fulness", "ful"), ("ousness", "ous"), ("aliti", "al"),
    ("iviti", "ive"), ("biliti", "ble"),
)  # fmt: skip
_STEP3 = (
    ("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"), ("ful", ""), ("ness", ""),
)  # fmt: skip
_STEP4 = (
    "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou", "ism", "ate",
    "iti", "ous", "ive", "ize",
)  # fmt: skip


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Porter stem of a lower-case word; words of ≤2 letters and tokens with digits are returned unchanged."""
    if len(word) <= 2 or not word.isalpha():
        return word
    w = word
    # Step 1a
    if w.endswith("sses") or w.endswith("ies"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    # Step 1b
    if w.endswith("eed"):
        if _measure(w[:-3]) > 0:
            w = w[:-1]
    else:
        for suffix in ("ed", "ing"):
            if w.endswith(suffix) and _has_vowel(w[: -len(suffix)]):
                w = w[: -len(suffix)]
                if w.endswith(("at", "bl", "iz")):
                    w += "e"
                elif _double_cons(w) and w[-1] not in "lsz":
                    w = w[:-1]
                elif _measure(w) == 1 and _cvc(w):
                    w += "e"
                break
    # Step 1c
    if w.endswith("y") and _has_vowel(w[:-1]):
        w = w[:-1] + "i"
    w = _replace(w, _STEP2, 0)
    w = _replace(w, _STEP3, 0)
    # Step 4
    for suffix in sorted(_STEP4, key=len, reverse=True):
        if w.endswith(suffix):
            stem_ = w[: -len(suffix)]
            if _measure(stem_) > 1 and (suffix != "ion" or stem_.endswith(("s", "t"))):
                w = stem_
            break
    # Step 5
    if w.endswith("e"):
        stem_ = w[:-1]
        m = _measure(stem_)
        if m > 1 or (m == 1 and not _cvc(stem_)):
            w = stem_
    if _measure(w) > 1 and _double_cons(w) and w.endswith("l"):
        w = w[:-1]
    return w


_ABBREVIATIONS = re.compile(r"\b(?:e\.g|i\.e|etc|vs|approx|incl|U\.S|a\.k\.a|Inc|Ltd|Dr|Mr|Ms|No)\.", re.I)
_PROSE_END = re.compile(r"(?<=[.?!])[\"”’']?\s+(?=[A-Z0-9\"“'‘(])|\n+")


def protect(text: str) -> tuple[str, dict[str, str]]:
    """Hide parentheses, quotes, abbreviations' dots and decimal points, so that nothing splits or cuts inside them;
    `restore` puts them back."""
    saved: dict[str, str] = {}

    def keep(match: re.Match[str]) -> str:
        key = f"\x00{len(saved)}\x00"
        saved[key] = match.group(0)
        return key

    text = re.sub(r"\([^()]*\)", keep, text)
    text = re.sub(r"“[^”]*”|\"[^\"]*\"", lambda m: keep(m) if len(m.group(0)) < 200 else m.group(0), text)
    text = _ABBREVIATIONS.sub(keep, text)
    text = re.sub(r"\d\.\d", keep, text)
    return text, saved


def restore(text: str, saved: dict[str, str]) -> str:
    for _ in range(3):  # a protected span may hold another
        for key, value in saved.items():
            text = text.replace(key, value)
    return text


def prose_sentences(text: str) -> list[str]:
    """The sentences of a prompt or a question, never cut inside parentheses, quotes, "e.g." or a decimal."""
    protected, saved = protect(text.strip())
    pieces = [p.strip() for p in _PROSE_END.split(protected) if p and p.strip()]
    return [restore(p, saved).strip(" “”\"") for p in pieces]
