"""Batch grading of JSONL lines: each line graded on its own, a bad line becomes an error record."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from bot.grading.service import GradingService, QuestionNotFound
from bot.llm import usage
from bot.retrieval.store import StoreError
from bot.untrusted import InputError, failure_reason, load_json


def grade_record(service: GradingService, record: Any) -> dict[str, Any]:
    """Grade one parsed record {question, answer, reference?, candidate?}; raises ValueError on a bad record."""
    if not isinstance(record, dict):
        raise ValueError("each line must be a JSON object")
    question, answer = record.get("question"), record.get("answer")
    if not isinstance(question, str) or not question.strip():
        raise ValueError("missing 'question' (an id or the question text)")
    if not isinstance(answer, str):
        raise ValueError("missing 'answer' (a string)")
    reference = record.get("reference")
    if reference is not None and not isinstance(reference, str):
        raise ValueError("'reference' must be a string")
    target = service.resolve(question, allow_adhoc=bool(reference))
    with usage.capture() as spent:
        grade = service.grade(target, answer, reference_text=reference)
    result: dict[str, Any] = grade.model_dump()
    if spent.calls:
        result["usage"] = {"prompt_tokens": spent.prompt_tokens, "completion_tokens": spent.completion_tokens,
                           "cost": round(spent.cost, 6), "prompt_budget": spent.budget}
    if "candidate" in record:
        result["candidate"] = record["candidate"]
    return result


def try_grade(service: GradingService, record: Any) -> dict[str, Any]:
    """`grade_record`'s result, or {"error": reason} when the record cannot be graded; only StoreError escapes."""
    try:
        return grade_record(service, record)
    except (ValueError, QuestionNotFound) as exc:
        return {"error": str(exc)}
    except StoreError:
        raise
    except Exception as exc:  # noqa: BLE001 - one record's failure is that record's error, never the batch's
        return {"error": failure_reason(exc)}


def grade_line(service: GradingService, number: int, line: str) -> dict[str, Any]:
    """One JSONL line's result: {"line": n, **grade}, or {"line": n, "error": reason}."""
    try:
        record = load_json(line, lines=False)
    except InputError as exc:
        return {"line": number, "error": str(exc)}
    return {"line": number, **try_grade(service, record)}


def grade_lines(service: GradingService, lines: list[str],
                progress_console: Console | None = None) -> Iterator[dict[str, Any]]:
    """One result per non-blank line, in order, yielded as soon as it is graded (so a caller can write it out)."""
    numbered = [(n, line) for n, line in enumerate(lines, start=1) if line.strip()]
    with Progress(TextColumn("Grading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=progress_console, transient=True, disable=progress_console is None) as bar:
        task = bar.add_task("grade", total=len(numbered))
        for number, line in numbered:
            yield grade_line(service, number, line)
            bar.advance(task)
