"""Split reference answers into named sections and summarise each section as a short key point."""

from __future__ import annotations

import re

from bot.domain.models import AnswerSection

BOX_CHARS = "│┌└▼▲┐┘─┼├┤┬┴═║╔╗╚╝"
BOX = re.compile(f"[{BOX_CHARS}]")
BULLET = re.compile(r"^\s*(?:[-•*–▪◦]|\d{1,2}[.)])\s+")
# fmt: off
CONNECTORS = frozenset({
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "per", "the", "to", "vs",
    "vs.", "via", "with", "without", "&", "+", "-", "—", "–", "/", "x",
})
KEEP_CASE = frozenset({
    "Amazon", "AWS", "Alexa", "Prime", "Walmart", "Google", "Microsoft", "Azure", "Netflix", "Apple", "Facebook",
    "Meta", "Kafka", "Kinesis", "SageMaker", "Python", "Spark", "Bayesian", "Echo", "Kindle", "Disney", "Siri",
    "Lambda", "Thompson", "Monte", "Carlo", "Gaussian", "Markov", "Poisson", "Lasso", "Jira", "Slack", "Airflow",
    "Excel", "Kubernetes", "Redis", "Chow", "Bai-Perron", "Kolmogorov-Smirnov", "Emmy", "Oscar",
})
# fmt: on
CODE_START = re.compile(
    r"^\s*(?:import |from \S+ import|def |class |return\b|if |elif |else\s*:|for |while |try\s*:|except\b|with |@\w|"
    r"async |await |raise |lambda\b|print\(|self\.|#|//|\}|\]|\)|SELECT\b|WITH\b|[\w.]+\(.*\)\s*$)"
)
ASSIGNMENT = re.compile(r"^\s*[\w.\[\]'\"]+(?:\s*,\s*[\w.\[\]'\"]+)*\s*(?:[-+*/]?=(?!=)|=(?!=))")
LABEL_VALUE = re.compile(r"^([^:]{1,60}):\s+(\S.*)$")
FENCE = re.compile(r"^\s*(```|~~~)")
_WORD = re.compile(r"\w*")
KEY_POINT_MAX = 200
ITEM_MAX = 80


def is_code_line(line: str) -> bool:
    """Whether a line looks like source code, a comment or part of an ASCII diagram."""
    s = line.strip()
    if not s:
        return False
    if BOX.search(s):
        return True
    if CODE_START.match(s) or ASSIGNMENT.match(s):
        return True
    if re.match(r"^\w+=\S", s) or re.match(r"^['\"][\w ]+['\"]\s*:", s) or re.match(r"^\d+\s*:\s*['\"]", s):
        return True
    return s.endswith(("(", "[", "{"))


def md_heading(line: str, max_level: int = 6) -> tuple[int, str] | None:
    """(level, title) of a `#`-heading line ("## Title ##" → (2, "Title")), in time linear in the line's length."""
    level = len(line) - len(line.lstrip("#"))
    rest = line[level:]
    if not 1 <= level <= max_level or len(rest) < 2 or not rest[0].isspace():
        return None
    title = rest.strip()
    return level, title.rstrip("#").rstrip() or title[:1]


def drop_parentheticals(text: str, replacement: str = " ", spaces_before: bool = False) -> str:
    """Replace each "(…)" (up to the first ")") with `replacement`, and the spaces before it when asked; linear
    where the equivalent regular expression is quadratic on many unclosed "("."""
    out: list[str] = []
    done = 0
    while (start := text.find("(", done)) >= 0 and (end := text.find(")", start)) >= 0:
        before = text[done:start]
        out.extend((before.rstrip() if spaces_before else before, replacement))
        done = end + 1
    out.append(text[done:])
    return "".join(out)


def _strip_md(text: str) -> str:
    return re.sub(r"(\*\*|__)(.+?)\1", r"\2", text).strip()


def looks_like_heading(text: str, max_words: int = 12) -> bool:
    """Whether text reads like a title: short, capitalised words, no code punctuation."""
    s = text.strip()
    if not s or len(s) > 100 or BULLET.match(s) or re.search(r"[=`{}\[\]<>#_]|\w\(|https?:", s):
        return False
    bare = drop_parentheticals(s)
    words = bare.split()
    if not words or len(words) > max_words:
        return False
    first = words[0].strip("“”\"'")
    if not (first[:1].isupper() or first[:1].isdigit() or first.lower() in ("vs", "vs.")):
        return False
    for word in words[1:]:
        core = word.strip("“”\"'‘’,:;.!?")
        if core and core.lower() not in CONNECTORS and not (core[0].isupper() or core[0].isdigit()):
            return False
    return True


def _sentence_case_heading(text: str) -> bool:
    """A short "Candidate generation" style heading: capitalised first word, no sentence punctuation."""
    bare = drop_parentheticals(text).strip()
    return (
        0 < len(bare.split()) <= 6
        and bare[:1].isupper()
        and not re.search(r"[.,;!?=`{}\[\]<>#_]|\w\(", bare)
        and not BULLET.match(bare)
    )


def _glued_split(line: str) -> tuple[str, str] | None:
    """Find a heading glued to the end of a code line by PDF extraction ("return lossProduction Deployment:")."""
    first = max(1, len(line) - 101)  # a heading is at most 100 characters
    tail = _WORD.match(line[first - 1 :: -1])  # the word run ending at `first`, reversed
    word = first - (len(tail.group()) if tail else 0)  # where the word run ending at position i starts
    for i in range(first, len(line)):
        prev, ch = line[i - 1], line[i]
        if i > first and not _WORD.fullmatch(prev):
            word = i
        if not ch.isupper():
            continue
        boxed = prev in BOX_CHARS
        if not (boxed or prev.islower() or prev.isdigit() or prev in ")]}'\"_"):
            continue
        if word < i and line[word].isupper():
            continue  # inside a CamelCase identifier ("class DemandFeatureEngineer:")
        head, suffix = line[:i], line[i:].strip()
        if not head.strip() or BULLET.match(line):
            return None
        if not (boxed or is_code_line(head) or head.rstrip()[-1:] in ")]}'\""):
            continue
        if suffix.endswith(":") and looks_like_heading(suffix[:-1]):
            return head.rstrip(), suffix
        if boxed and looks_like_heading(suffix, max_words=5) and not suffix.endswith((".", ",")):
            return head.rstrip(), suffix
    return None


def unglue_headings(text: str) -> str:
    """Put headings that PDF extraction glued to the end of code or diagram lines back on their own lines."""
    out: list[str] = []
    for line in text.splitlines():
        split = _glued_split(line) if is_code_line(line) else None
        out.extend(split if split else (line,))
    return "\n".join(out)


def heading_of(line: str, markdown: bool = False) -> tuple[str, str] | None:
    """Return (title, inline text) when the line is a section heading, else None."""
    s = line.strip()
    if markdown:
        heading = md_heading(s)
        if heading:
            return _strip_md(heading[1]).rstrip(":").strip(), ""
        s = _strip_md(s)
    numbered = re.match(r"^\d{1,2}[.)]\s+(\S.*:)$", s)
    s = numbered.group(1) if numbered else s
    if not s or BULLET.match(s) or is_code_line(s):
        return None
    if s.endswith(":") and (looks_like_heading(s[:-1]) or _sentence_case_heading(s[:-1])):
        return s[:-1].strip(), ""
    m = LABEL_VALUE.match(s)
    if m and looks_like_heading(m.group(1), max_words=5):
        label, value = m.group(1).strip(), m.group(2).strip()
        if looks_like_heading(value, max_words=8) and not value.endswith("."):
            return f"{label}: {value}", ""
        if len(value.split()) >= 5:
            return label, value
    if looks_like_heading(s, max_words=6) and not s.endswith((".", ",", ";", "?", "!")) and len(s.split()) <= 6:
        return s, ""
    return None


def split_sections(text: str, markdown: bool = False) -> list[AnswerSection]:
    """Split an answer into sections at its headings; a heading with no text of its own prefixes the next one."""
    text = text if markdown else unglue_headings(text)
    sections: list[AnswerSection] = []
    title, last = "", ""
    body: list[str] = []
    in_fence = False

    def flush() -> None:
        content = "\n".join(body).strip()
        if content:
            sections.append(AnswerSection(title=title or "Answer", text=content))

    for raw in text.splitlines():
        if markdown and FENCE.match(raw):
            in_fence = not in_fence
            body.append(raw)
            continue
        head = None if in_fence else heading_of(raw, markdown)
        if head is None:
            if raw.strip() or body:
                body.append(raw.rstrip())
            continue
        parent = "" if any(line.strip() for line in body) else last
        if not parent:
            flush()
        title, last = (f"{parent} — {head[0]}" if parent else head[0]), head[0]
        body = [head[1]] if head[1] else []
    flush()
    return sections


def _case(label: str) -> str:
    words = []
    for word in label.split():
        core = word.strip("()“”\"',")
        if core in KEEP_CASE or not core[:1].isupper():
            words.append(word)
        else:
            parts = re.split(r"([-/])", word)
            words.append("".join(p.lower() if p[1:].isalpha() and p[1:].islower() else p for p in parts))
    return " ".join(words)


def shorten(text: str, limit: int) -> str:
    """Cut text at a word boundary so it fits in limit characters, marking the cut with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:—-")
    return cut + "…"


def _item_label(item: str) -> str:
    item = _strip_md(BULLET.sub("", item, count=1)).strip()
    m = LABEL_VALUE.match(item)
    if m and len(m.group(1).split()) <= 8:
        label = _case(drop_parentheticals(m.group(1), "", spaces_before=True))
    elif item.endswith(":"):
        label = _case(drop_parentheticals(item[:-1], "", spaces_before=True))
    else:
        item = drop_parentheticals(item, "", spaces_before=True)
        label = re.split(r"(?<=[a-z0-9%)])[.;](?:\s|$)|(?<!\s)\s+[—–]\s+", item, maxsplit=1)[0]
    return shorten(label.strip(" ."), ITEM_MAX)


def summarise_section(section: AnswerSection) -> str:
    """One short line for a section: its title and its bullet labels (or its first sentence); "" when trivial."""
    lines = [ln for ln in section.text.splitlines() if ln.strip()]
    bullets = [ln for ln in lines if BULLET.match(ln) and not is_code_line(BULLET.sub("", ln, count=1))]
    dashed = [ln for ln in bullets if not re.match(r"^\s*\d", ln)]
    bullets = dashed or bullets
    prose = [ln for ln in lines if not is_code_line(ln)]
    if not bullets and (not prose or len(prose) < len(lines) / 2):
        return ""
    head = f"{section.title}: "
    if bullets:
        items = [label for label in (_item_label(b) for b in bullets) if label]
        out = head
        for n, item in enumerate(dict.fromkeys(items)):
            piece = item if n == 0 else f"; {item}"
            if len(out) + len(piece) > KEY_POINT_MAX:
                if n == 0:
                    out += shorten(item, KEY_POINT_MAX - len(out))
                break
            out += piece
        return out if out != head else ""
    sentence = re.split(r"(?<=[.!?])\s", " ".join(prose), maxsplit=1)[0]
    if len(sentence) < 15:
        return ""
    return head + shorten(sentence, max(KEY_POINT_MAX - len(head), 40))


def key_points_from_sections(sections: list[AnswerSection]) -> list[str]:
    """One key point per non-trivial section ("Title: label; label; …", at most 200 characters)."""
    points = []
    for section in sections:
        point = summarise_section(section)
        if point and point not in points:
            points.append(shorten(point, KEY_POINT_MAX))
    return points
