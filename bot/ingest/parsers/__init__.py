"""Shared pieces of the bank parsers: parse results, metadata keys and normalisation, question assembly."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.domain.categories import classify_category, normalize_category
from bot.domain.models import AnswerSection, Question
from bot.ingest.sections import key_points_from_sections, split_sections


class ParseError(ValueError):
    """A bank file's content cannot be parsed; the message says why (the loader adds the file name)."""


@dataclass
class ParseResult:
    """The questions parsed from one file and the per-item problems that were skipped."""

    questions: list[Question] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


META_KEYS = {
    "company": "company",
    "role": "role",
    "category": "category",
    "topic": "topic",
    "difficulty": "difficulty",
    "difficulty level": "difficulty",
    "level": "level",
    "data science level": "level",
    "seniority": "level",
    "interview round": "interview_round",
    "round": "interview_round",
    "team": "team",
    "source": "source",
}
META_LINE = re.compile(r"^\s*(?:\*\*|__)?([A-Za-z][A-Za-z ]{1,30}?)(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(.*)$")

COMPANIES: dict[str, tuple[str, ...]] = {
    "Amazon": ("Amazon", "AWS", "Alexa", "Prime Video"),
    "Walmart": ("Walmart", "Sam's Club"),
    "Google": ("Google", "YouTube", "Alphabet"),
    "Meta": ("Meta", "Facebook", "Instagram", "WhatsApp"),
    "Microsoft": ("Microsoft", "LinkedIn"),
    "Apple": ("Apple",),
    "Netflix": ("Netflix",),
    "Uber": ("Uber",),
    "Airbnb": ("Airbnb",),
    "Spotify": ("Spotify",),
    "Lyft": ("Lyft",),
    "DoorDash": ("DoorDash",),
    "Stripe": ("Stripe",),
    "Salesforce": ("Salesforce",),
}
ROLES: tuple[tuple[str, str], ...] = (
    ("Applied Scientist", r"(?i:applied scientist)"),
    ("Research Scientist", r"(?i:research scientist)"),
    ("Data Scientist", r"(?i:data scientist)"),
    ("Data Analyst", r"(?i:data analyst)"),
    ("Product Analyst", r"(?i:product analyst)"),
    ("Business Analyst", r"(?i:business (?:intelligence )?analyst)|\bBIE\b"),
    ("Data Engineer", r"(?i:data engineer)"),
    ("Machine Learning Engineer", r"(?i:machine learning engineer|\bml engineer)|\bMLE\b"),
    ("Software Engineer", r"(?i:software (?:development )?engineer)|\bSDE\b|\bSWE\b"),
    ("Product Manager", r"(?i:product manager)|\bPM\b|\bPM-T\b"),
)


def meta_pair(line: str) -> tuple[str, str] | None:
    """(field, value) when the line is a known `Key: value` metadata line (value may be empty)."""
    m = META_LINE.match(line)
    if not m:
        return None
    key = META_KEYS.get(" ".join(m.group(1).lower().split()))
    return (key, m.group(2).strip()) if key else None


def company_from_text(text: str, prefer: str = "") -> str:
    """The company a text names: `prefer` when it is named, else the first known company mentioned."""
    best: tuple[int, str] | None = None
    for company, aliases in COMPANIES.items():
        for alias in aliases:
            m = re.search(rf"(?<![\w]){re.escape(alias)}(?![\w])", text)
            if m and company == prefer:
                return company
            if m and (best is None or m.start() < best[0]):
                best = (m.start(), company)
    return best[1] if best else ""


def normalize_company(value: str) -> str:
    """Canonical company name for a known company or alias, else the value as given."""
    return company_from_text(value) or value.strip()


def role_from_text(text: str) -> str:
    """The canonical role named first in a text ("L5 Applied Scientist/Senior Data Scientist" → Applied Scientist)."""
    best: tuple[int, str] | None = None
    for role, pattern in ROLES:
        m = re.search(pattern, text)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), role)
    return best[1] if best else ""


def normalize_role(value: str) -> str:
    """Canonical role for a role string, else the value as given."""
    return role_from_text(value) or value.strip()


def infer_difficulty(level: str) -> str:
    """Difficulty from a level such as "L5-L6": L4 or below → medium, L5 → hard, L6 and above → very hard."""
    m = re.search(r"\bL(\d{1,2})\b", level)
    if not m:
        return ""
    n = int(m.group(1))
    return "medium" if n <= 4 else "hard" if n == 5 else "very hard"


def strip_quotes(text: str) -> str:
    """Drop the quotation marks wrapping a whole text ("“…”" or '"…"')."""
    s = text.strip()
    while len(s) >= 2 and s[0] in "“\"'‘" and s[-1] in "”\"'’":
        s = s[1:-1].strip()
    return s


def title_from_question(question: str) -> str:
    """A short title from a prompt: "How would you calculate X?" → "Calculate X"."""
    first = re.split(r"(?<=[.?!])\s", " ".join(question.split()), maxsplit=1)[0].rstrip("?.! ")
    first = re.sub(r"^(?:how (?:would|do|can|should) you|can you|could you|please)\s+", "", first, flags=re.I)
    first = first[:1].upper() + first[1:]
    return first if len(first) <= 100 else first[:99].rsplit(" ", 1)[0] + "…"


def build_question(
    *,
    source_file: str,
    title: str,
    question: str,
    meta: dict[str, str],
    reference_answer: str = "",
    sections: list[AnswerSection] | None = None,
    key_points: list[str] | None = None,
    follow_ups: list[str] | None = None,
    bank_company: str = "",
    bank_role: str = "",
    markdown: bool = False,
) -> Question:
    """Fill in derived metadata (company, role, difficulty, category, sections, key points) and build a Question."""
    question = strip_quotes(question)
    title = " ".join((title or title_from_question(question)).split())
    level = meta.get("level", "").strip()
    topic = meta.get("topic", "").strip()
    given_category = meta.get("category", "").strip()
    category = normalize_category(given_category)
    if given_category and not category and not topic:
        topic = given_category
    company = normalize_company(meta["company"]) if meta.get("company") else ""
    company = company or company_from_text(f"{title}\n{question}", prefer=bank_company) or bank_company
    role = normalize_role(meta["role"]) if meta.get("role") else ""
    role = role or role_from_text(level) or bank_role
    difficulty = " ".join(meta.get("difficulty", "").lower().split()) or infer_difficulty(level)
    reference_answer = reference_answer.strip()
    if sections is None:
        sections = split_sections(reference_answer, markdown=markdown) if reference_answer else []
    if not key_points:
        key_points = key_points_from_sections(sections)
    return Question.build(
        source_file=source_file,
        question=question,
        title=title,
        company=company,
        role=role,
        category=category or classify_category(topic, title, question),
        difficulty=difficulty,
        level=level,
        interview_round=meta.get("interview_round", "").strip(),
        team=meta.get("team", "").strip(),
        source=meta.get("source", "").strip(),
        topic=topic,
        reference_answer=reference_answer,
        key_points=key_points,
        sections=sections,
        follow_ups=follow_ups or [],
    )
