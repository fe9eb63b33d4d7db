"""Which natural language a text is written in (py3langid), and whether an answer's differs from its reference's."""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

    from bot.grading.reference import Reference

MIN_LETTERS = 24  # fewer letters than this (a name, a number, "SHAP?") tell no language apart
MIN_CONFIDENCE = 0.9  # a language is taken as known only with this (normalised) probability
ENGLISH_SHARE = 0.12  # plain-ASCII text with this share of English function words is English (no model needed)

NAMES = {
    "ar": "Arabic", "bg": "Bulgarian", "cs": "Czech", "da": "Danish", "de": "German", "el": "Greek", "en": "English",
    "es": "Spanish", "fa": "Persian", "fi": "Finnish", "fr": "French", "he": "Hebrew", "hi": "Hindi",
    "hu": "Hungarian", "id": "Indonesian", "it": "Italian", "ja": "Japanese", "ko": "Korean", "nl": "Dutch",
    "no": "Norwegian", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sv": "Swedish",
    "th": "Thai", "tr": "Turkish", "uk": "Ukrainian", "vi": "Vietnamese", "zh": "Chinese",
}
_ENGLISH = frozenset(
    "a an and are as at be but by for from had has have he her his i if in into is it its i'd i'm i've me my "
    "not of on or our she so than that the their them then there these they this those to was we were what when "
    "which while who will with would you your".split())
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# The language a script mostly writes, for text the model is unsure of (Han alone cannot tell Chinese from Japanese
# kanji, but kana can: see `_by_script`).
_SCRIPTS = {"CJK": "zh", "HIRAGANA": "ja", "KATAKANA": "ja", "HANGUL": "ko", "CYRILLIC": "ru", "ARABIC": "ar",
            "GREEK": "el", "HEBREW": "he", "THAI": "th", "DEVANAGARI": "hi"}
DOMINANT = 0.6  # a script writing this share of the letters is the text's script
_lock = threading.Lock()


@dataclass(frozen=True)
class Language:
    """A detected language: its ISO 639-1 code, its English name and the detector's confidence."""

    code: str
    confidence: float

    @property
    def name(self) -> str:
        return NAMES.get(self.code, self.code)


def detect(text: str) -> Language | None:
    """The language `text` is written in, or None when it is too short or too mixed to tell."""
    letters = [ch for ch in text if ch.isalpha()]
    scripts = [_script(ch) for ch in letters]
    ideographic = sum(s in ("CJK", "HIRAGANA", "KATAKANA", "HANGUL") for s in scripts)
    if len(letters) < MIN_LETTERS and ideographic < MIN_LETTERS // 3:  # a Han character says about a word
        return None
    if _plainly_english(text, letters):
        return Language("en", 1.0)
    code, confidence = _identifier().classify(text)
    if confidence >= MIN_CONFIDENCE:
        return Language(str(code), float(confidence))
    return _by_script(scripts)


def _script(letter: str) -> str:
    return unicodedata.name(letter, "UNKNOWN").split(" ")[0]


def _by_script(scripts: list[str]) -> Language | None:
    """The language a non-Latin script dominating the letters mostly writes (kana anywhere makes Han Japanese)."""
    top = max(set(scripts), key=scripts.count)
    share = scripts.count(top) / len(scripts)
    if top not in _SCRIPTS or share < DOMINANT:
        return None
    kana = sum(s in ("HIRAGANA", "KATAKANA") for s in scripts)
    return Language("ja" if top == "CJK" and kana else _SCRIPTS[top], share)


def mismatch(answer: str, reference: Reference) -> tuple[Language, Language] | None:
    """(the answer's language, the reference's) when both are known and differ, else None."""
    said = detect(answer)
    if said is None:
        return None
    expected = reference_language(f"{reference.question}\n{reference.text}")
    return (said, expected) if expected is not None and expected.code != said.code else None


@lru_cache(maxsize=512)
def reference_language(text: str) -> Language | None:
    """The language of a question's reference (its first few thousand characters are plenty)."""
    return detect(text[:4000])


def _plainly_english(text: str, letters: list[str]) -> bool:
    """Mostly plain ASCII letters, with the function words English prose cannot do without."""
    if sum(ch.isascii() for ch in letters) < 0.97 * len(letters):
        return False
    words = [w.lower() for w in _WORD.findall(text)]
    return bool(words) and sum(w in _ENGLISH for w in words) >= ENGLISH_SHARE * len(words)


def preload() -> None:
    """Load the language identifier now (about 0.7 s), so the first answer that is not plain English does not wait."""
    _identifier()


def _identifier() -> LanguageIdentifier:
    with _lock:
        return _load()


@lru_cache(maxsize=1)
def _load() -> LanguageIdentifier:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # about 0.7 s, only for text that is not English

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
