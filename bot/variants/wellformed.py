"""Checks that a variant reads as written by a person: whole sentences, balanced brackets, no code in its outline."""

from __future__ import annotations

import itertools
import re

from bot.grading.text import is_code
from bot.variants.models import Variant

# Program text inside prose: a snake_case name assigned or called, a method call, a dunder, a dict key.
_CODE = re.compile(r"\b[A-Za-z]+_\w+\s*(?:=[^=]|\()|\b\w+\.\w+\(|\(\)\.|__\w+__|['\"]\w+['\"]\s*:\s*\S|[{}]|```")
_CUT_ABBREVIATION = re.compile(r"(?<=\w)\w\.[ge]\.,")  # "investments.g., Prime": an "e.g." (or "i.e.") cut short
_PAIRS = (("(", ")"), ("[", "]"), ("“", "”"))
_ENDS = (".", "?", "!", ")", "”", "\"")


def looks_like_code(text: str) -> bool:
    """Whether `text` is, or holds, program code (a listing, or a line of code inside prose)."""
    return is_code(text) or _CODE.search(text) is not None


def problems(variant: Variant) -> list[str]:
    """Why the variant does not read as written by a person (empty when it does)."""
    found = []
    text = variant.question.strip()
    if _CUT_ABBREVIATION.search(text):
        found.append("broken sentence: an “e.g.” or “i.e.” cut in two")
    for left, right in _PAIRS:
        if text.count(left) != text.count(right):
            found.append(f"broken sentence: unbalanced {left}{right}")
    if text.count('"') % 2:
        found.append('broken sentence: unbalanced "')
    if not text.endswith(_ENDS):
        found.append("broken sentence: the question does not end with a full stop or a question mark")
    words = re.findall(r"[a-z]+", text.lower())
    doubled = next((a for a, b in itertools.pairwise(words) if a == b and len(a) > 1), None)
    if doubled:
        found.append(f"broken sentence: doubled word “{doubled} {doubled}”")
    code = next((p for p in variant.outline if looks_like_code(f"{p.title}\n{p.text}")), None)
    if code is not None:
        found.append(f"code in the outline: “{code.title}”")
    return found
