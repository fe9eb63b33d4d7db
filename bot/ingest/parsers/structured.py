"""Parse JSON and YAML banks: a list of question objects, or an object with a "questions" list."""

from __future__ import annotations

import re
from typing import Any

from bot.domain.models import AnswerSection, Question
from bot.ingest.parsers import ParseError, ParseResult, build_question
from bot.untrusted import InputError, load_json, load_yaml

ALIASES = {
    "title": "title",
    "name": "title",
    "question": "question",
    "prompt": "question",
    "question_text": "question",
    "reference_answer": "reference_answer",
    "answer": "reference_answer",
    "solution": "reference_answer",
    "model_answer": "reference_answer",
    "key_points": "key_points",
    "keypoints": "key_points",
    "follow_ups": "follow_ups",
    "followups": "follow_ups",
    "follow_up_questions": "follow_ups",
    "sections": "sections",
    "company": "company",
    "role": "role",
    "category": "category",
    "difficulty": "difficulty",
    "difficulty_level": "difficulty",
    "level": "level",
    "data_science_level": "level",
    "interview_round": "interview_round",
    "round": "interview_round",
    "team": "team",
    "source": "source",
    "topic": "topic",
    "id": "",
    "source_file": "",
}
META_FIELDS = ("company", "role", "category", "difficulty", "level", "interview_round", "team", "source", "topic")


def field_name(key: object) -> str | None:
    """The Question field a column or key stands for; "" for ignored keys (id), None for unknown keys."""
    return ALIASES.get(re.sub(r"[^a-z0-9]+", "_", str(key).strip().lower()).strip("_"))


def _text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str | int | float | bool):
        return str(value).strip()
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return "\n".join(str(v) for v in value).strip()
    raise ValueError(f"'{name}' must be text, not {type(value).__name__}")


def split_list(value: Any, name: str, separators: str = r"\n|;\s") -> list[str]:
    """A list field given as a list or as a separated string."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [_text(v, name) for v in value if _text(v, name)]
    return [part.strip() for part in re.split(separators, _text(value, name)) if part.strip()]


def _sections(value: Any) -> list[AnswerSection] | None:
    if value in (None, "", []):
        return None
    items: list[tuple[Any, Any]] | None = list(value.items()) if isinstance(value, dict) else None
    if items is None and isinstance(value, list) and all(isinstance(v, dict) for v in value):
        items = [(v.get("title") or v.get("name") or "", v.get("text") or v.get("content") or "") for v in value]
    if items is None:
        raise ValueError("'sections' must be a list of {title, text} objects or a {title: text} mapping")
    return [AnswerSection(title=_text(t, "sections") or "Answer", text=_text(x, "sections")) for t, x in items]


def question_from_record(
    record: dict[Any, Any], source_file: str, defaults: dict[str, str] | None = None
) -> tuple[Question, list[str]]:
    """Build a Question from one mapping of field names to values; raises ValueError when it is unusable."""
    fields: dict[str, Any] = {}
    unknown: list[str] = []
    for key, value in record.items():
        name = field_name(key)
        if name is None:
            unknown.append(str(key))
        elif name:
            fields.setdefault(name, value)
    question = _text(fields.get("question"), "question")
    if not question:
        raise ValueError("no 'question' value")
    meta = dict(defaults or {})
    meta.update({k: _text(fields[k], k) for k in META_FIELDS if _text(fields.get(k), k)})
    built = build_question(
        source_file=source_file,
        title=_text(fields.get("title"), "title"),
        question=question,
        meta=meta,
        reference_answer=_text(fields.get("reference_answer"), "reference_answer"),
        sections=_sections(fields.get("sections")),
        key_points=split_list(fields.get("key_points"), "key_points"),
        follow_ups=split_list(fields.get("follow_ups"), "follow_ups", r"\n"),
        markdown=True,
    )
    notes = [f"unknown field(s) ignored: {', '.join(unknown)}"] if unknown else []
    return built, notes


def parse_records(data: Any, source_file: str, item_word: str = "item") -> ParseResult:
    """Questions from already-loaded JSON/YAML data.

    Shape (JSON shown; YAML is the same structure)::

        {"company": "Amazon",                      <- optional bank-level defaults for every question
         "questions": [                            <- or the list itself at the top level
           {"title": "Fraud detection design",     <- optional; derived from the question when missing
            "question": "Design a fraud …",        <- required (alias: prompt)
            "reference_answer": "System:\\n- …",    <- alias: answer / solution; split into sections at its headings
            "key_points": ["…", "…"],              <- optional list (or a "; " / newline separated string)
            "sections": [{"title": "…", "text": "…"}],   <- optional explicit sections
            "follow_ups": ["…"],                   <- optional list (or newline separated string)
            "company": "Amazon", "role": "Data Scientist", "category": "ml_system_design",
            "difficulty": "hard", "level": "L5", "interview_round": "Onsite", "team": "…", "source": "…",
            "topic": "…"}]}

    Any "id" is ignored: ids are always the stable hash of the file name and question text. An item without a
    question is skipped with a warning; a file where no item is valid is an error.
    """
    defaults: dict[str, str] = {}
    if isinstance(data, dict) and "questions" in data:
        items = data["questions"]
        for key, value in data.items():
            name = field_name(key)
            if name in META_FIELDS and isinstance(value, str | int | float):
                defaults[name] = str(value)
    elif isinstance(data, dict) and any(field_name(k) == "question" for k in data):
        items = [data]
    else:
        items = data
    if not isinstance(items, list):
        raise ParseError(
            f"expected a list of questions or an object with a 'questions' list, got {type(items).__name__}"
        )
    if not items:
        raise ParseError("no questions (the list is empty)")
    result = ParseResult()
    for n, item in enumerate(items, start=1):
        where = f"{item_word} {n}"
        if not isinstance(item, dict):
            result.warnings.append(f"{where}: not an object ({type(item).__name__}) — skipped")
            continue
        try:
            question, notes = question_from_record(item, source_file, defaults)
        except ValueError as exc:
            result.warnings.append(f"{where}: {exc} — skipped")
            continue
        result.questions.append(question)
        result.warnings.extend(f"{where}: {note}" for note in notes)
    if not result.questions:
        raise ParseError(f"no valid question among {len(items)} {item_word}(s): {result.warnings[0]}")
    return result


def parse_json(text: str, source_file: str) -> ParseResult:
    """Parse a JSON bank (nested at most 64 levels)."""
    try:
        data = load_json(text)
    except InputError as exc:
        raise ParseError(str(exc)) from exc
    return parse_records(data, source_file)


def parse_yaml(text: str, source_file: str) -> ParseResult:
    """Parse a YAML bank (safe tags only, nested at most 64 levels)."""
    try:
        data = load_yaml(text)
    except InputError as exc:
        raise ParseError(str(exc)) from exc
    if data is None:
        raise ParseError("no questions (the YAML document is empty)")
    return parse_records(data, source_file)
