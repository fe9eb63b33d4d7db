"""Unicode normalisation of answers: the text the grader reads, and the readings the injection scan checks.

Two levels. `graded_text` undoes what only disguises Latin text (letters written with look-alikes from another script
inside a Latin word, full-width or mathematical letters and digits, invisible characters inside or beside Latin words,
invisible tag characters) and leaves honest text in any script as typed: emoji sequences, right-to-left marks, Persian
zero-width non-joiners, accents and CJK text keep their characters. `fold` and `readings` are for the scan only and
fold much harder: every look-alike, every invisible character, accents, leetspeak and obvious encodings.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import unicodedata
from urllib.parse import unquote

# Look-alikes of Latin letters in other scripts (Cyrillic, Greek, Armenian, Cherokee), after Unicode's confusables.
_SCRIPT_LOOKALIKES = dict(zip(
    "аеёіїјкмнопрсстуухһԁԛԝӏүѕьвАВЕЁІЇЈКМНОРСТУХҮЅԚԜҺӀ"
    "αβγεηικμνορτυχωϲϳΑΒΕΖΗΙΚΜΝΟΡΤΥΧϹϜ"
    "օսցհոՏՕ"
    "ᎪᏴᏟᎬᎻᎫᏦᏞᎷᏢᏚᎢᏙᏔᏃ",
    "aeeiijkmhonpcctyyxhdqwlysbbABEEIIJKMHOPCTYXYSQWHI"
    "abyenikuvoptuxwcjABEZHIKMNOPTYXCF"
    "ouqhnSO"
    "ABCEHJKLMPSTVWZ", strict=True))
# Latin letters that pass for others (dotless i, IPA and small capitals): folded for the scan only, since they are
# ordinary letters in Turkish or phonetics.
_LATIN_LOOKALIKES = dict(zip("ıȷɑɡɩᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘʀꜱᴛᴜᴠᴡʏᴢ", "ijagiabcdefghijklmnoprstuvwyz", strict=True))
_TO_LATIN = str.maketrans(_SCRIPT_LOOKALIKES)
_ALL_TO_LATIN = str.maketrans({**_SCRIPT_LOOKALIKES, **_LATIN_LOOKALIKES})
# Characters that show nothing: format characters (zero-width, joiners, direction marks and overrides, soft hyphen,
# word joiner, BOM, tags), variation selectors, the combining grapheme joiner and the Hangul fillers.
_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
                        "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e0fff]")
# Graded text keeps variation selectors (they pick an emoji's look) and drops every other invisible character there.
_HIDING = re.compile("(?![\ufe00-\ufe0f\U000e0100-\U000e01ef])" + _INVISIBLE.pattern)
_TAGS = re.compile("[\U000e0020-\U000e007e]+")
_FLAG = re.compile("\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f")  # emoji subdivision flags are tag sequences
_TAG_OR_FLAG = re.compile(f"({_FLAG.pattern})|[\U000e0000-\U000e007f]")
_WORD = re.compile(r"[^\W_]+")
_ASCII_LETTER = re.compile("[A-Za-z]")
_LEET = str.maketrans("0134578@$!|+€", "oieastbasiite")
_LEET_L = str.maketrans("1|", "ll")
_LEET_TOKEN = re.compile(r"(?=(?:[\w@$!|+€]*[A-Za-z]){2})(?=[\w@$!|+€]*[0134578@$!|+€])[\w@$!|+€]+")
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
_HEX = re.compile(r"(?:(?:\\x|0x)[0-9A-Fa-f]{2}[ ,]?){8,}|\b(?:[0-9A-Fa-f]{2}[ :,]?){7,}[0-9A-Fa-f]{2}\b")
_PERCENT = re.compile(r"(?:%[0-9A-Fa-f]{2}){4,}")
_ENTITY = re.compile(r"&#x?[0-9A-Fa-f]+;")


def graded_text(text: str) -> str:
    """`text` with Latin disguises undone and everything honest kept (see the module docstring)."""
    if text.isascii():
        return text
    text = _TAG_OR_FLAG.sub(lambda m: m.group(1) or "", text)
    text = "".join(_plain_letter(c) for c in text)
    text = _without_invisibles_near_latin(text)
    return _WORD.sub(lambda m: m.group(0).translate(_TO_LATIN) if _mixed(m.group(0)) else m.group(0), text)


def fold(text: str) -> str:
    """The scan's reading of `text`: hidden tag text shown, NFKC, every invisible character removed, accents dropped
    and every look-alike made Latin."""
    if text.isascii():
        return text
    text = _TAGS.sub(lambda m: "".join(chr(ord(c) - 0xE0000) for c in m.group(0)), text)
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text.translate(_ALL_TO_LATIN)


def readings(text: str) -> list[str]:
    """The readings of one sentence the scan checks: folded, with leetspeak undone, and each run of base64, hex,
    percent or numeric-entity encoding in it that decodes to text (reversed and rot13 text are read by the scan
    over the whole answer)."""
    folded = fold(text)
    return [folded, *unleet(folded), *(fold(decoded) for decoded in decodings(folded))]


def unleet(text: str) -> list[str]:
    """`text` with leetspeak words spelled out (`1gn0r3` → ignore), first reading 1 as i (11 as ll), then 1 as l;
    none when no word mixes letters with digits or symbols. Lengths are kept, so positions still hold."""
    if not _LEET_TOKEN.search(text):
        return []
    as_i = _LEET_TOKEN.sub(lambda m: m.group(0).replace("11", "ll").replace("|", "l").translate(_LEET), text)
    as_l = _LEET_TOKEN.sub(lambda m: m.group(0).translate(_LEET_L).translate(_LEET), text)
    return [as_i, as_l]


def hidden_text(text: str) -> str:
    """Text spelled in invisible tag characters (other than emoji flags), decoded."""
    return " ".join("".join(chr(ord(c) - 0xE0000) for c in run) for run in _TAGS.findall(_FLAG.sub("", text)))


def decodings(text: str) -> list[str]:
    """The text that obvious encodings in `text` decode to (binary results are not text and are skipped)."""
    found = []
    for run in _BASE64.findall(text):
        padded = run.rstrip("=") + "=" * (-len(run.rstrip("=")) % 4)
        try:
            found.append(base64.b64decode(padded, altchars=b"-_" if "-" in run or "_" in run else None,
                                          validate=True))
        except (binascii.Error, ValueError):
            continue
    for run in _HEX.findall(text):
        digits = re.sub(r"0x|\\x|[ :,]", "", run)
        if len(digits) % 2 == 0:
            found.append(bytes.fromhex(digits))
    words = [_as_text(b) for b in found]
    words += [unquote(run) for run in _PERCENT.findall(text)]
    if _ENTITY.search(text):
        words.append(html.unescape(text))
    return [w for w in words if w]


def _as_text(data: bytes) -> str:
    """`data` as UTF-8 text when it reads as text (printable, with words), else ''."""
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    printable = sum(c.isprintable() or c in "\n\t" for c in decoded)
    return decoded if decoded and printable >= 0.95 * len(decoded) and re.search(r"[^\W\d_]{3,}", decoded) else ""


def _plain_letter(char: str) -> str:
    """A full-width, mathematical or ligature letter or digit as plain ASCII; any other character unchanged."""
    if char.isascii() or unicodedata.category(char) not in ("Lu", "Ll", "Lt", "Lm", "Lo", "Nd"):
        return char
    plain = unicodedata.normalize("NFKC", char)
    return plain if plain != char and plain.isascii() and plain.isalnum() else char


def _without_invisibles_near_latin(text: str) -> str:
    """Invisible characters removed where the visible character before or after them is a Latin letter or digit."""
    def latin(i: int, step: int) -> bool:
        while 0 <= i < len(text) and _INVISIBLE.fullmatch(text[i]):
            i += step
        return 0 <= i < len(text) and ((text[i].isascii() and text[i].isalnum()) or text[i] in _SCRIPT_LOOKALIKES)

    if not _HIDING.search(text):
        return text
    return "".join(c for i, c in enumerate(text)
                   if not (_HIDING.fullmatch(c) and (latin(i - 1, -1) or latin(i + 1, 1))))


def _mixed(word: str) -> bool:
    """A word mixing Latin letters with look-alikes from another script (no honest word does)."""
    return bool(_ASCII_LETTER.search(word)) and any(c in _SCRIPT_LOOKALIKES for c in word)
