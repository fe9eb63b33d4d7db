"""Batch grading of JSONL lines: each line graded on its own, a bad line becomes an error record."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from bot.grading.service import GradingService, QuestionNotFound
from bot.llm import usage


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


def grade_lines(service: GradingService, lines: list[str],
                progress_console: Console | None = None) -> list[dict[str, Any]]:
    """One result per non-blank line, in order; errors are {"line": n, "error": reason}."""
    numbered = [(n, line) for n, line in enumerate(lines, start=1) if line.strip()]
    results: list[dict[str, Any]] = []
    with Progress(TextColumn("Grading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=progress_console, transient=True, disable=progress_console is None) as bar:
        task = bar.add_task("grade", total=len(numbered))
        for number, line in numbered:
            try:
                results.append({"line": number, **grade_record(service, json.loads(line))})
            except json.JSONDecodeError as exc:
                results.append({"line": number, "error": f"invalid JSON: {exc.msg} (column {exc.colno})"})
            except (ValueError, QuestionNotFound) as exc:
                results.append({"line": number, "error": str(exc)})
            bar.advance(task)
    return results
