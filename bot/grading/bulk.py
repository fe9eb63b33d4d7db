"""Bulk grading of an uploaded CSV or JSONL file of (candidate, question, answer[, reference]) rows, in memory."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from bot.domain.limits import DEFAULT_LIMITS, LimitExceeded, Limits
from bot.grading.batch import try_grade
from bot.grading.service import GradingService
from bot.untrusted import InputError, csv_rows, load_json

BULK_EXTENSIONS = (".csv", ".jsonl")
REQUIRED = ("question", "answer")
COLUMNS = {"candidate": "candidate", "name": "candidate", "candidate_name": "candidate", "question": "question",
           "question_id": "question", "answer": "answer", "response": "answer", "reference": "reference",
           "reference_answer": "reference"}


class BulkFileError(ValueError):
    """The whole file is unusable (type, size, encoding, header); row problems are reported per row instead."""


@dataclass
class BulkRow:
    """One data row: its line number, the record to grade, or the reason it cannot be graded."""

    line: int
    record: dict[str, Any]
    error: str = ""


def bulk_suffix(name: str) -> str:
    """The lower-cased extension of an uploaded file's name (never used as a path)."""
    base = PureWindowsPath(PurePosixPath(name).name).name
    return PurePosixPath(base).suffix.lower()


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise BulkFileError("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BulkFileError(f"not UTF-8 text (invalid byte at offset {exc.start})") from exc


def _check_row(line: int, record: dict[str, Any]) -> BulkRow:
    for key in REQUIRED:
        value = record.get(key)
        if not isinstance(value, str) or not value.strip():
            return BulkRow(line, record, f"missing '{key}'")
    if record.get("reference") is not None and not isinstance(record["reference"], str):
        return BulkRow(line, record, "'reference' must be text")
    if record.get("reference") == "":
        record = {k: v for k, v in record.items() if k != "reference"}
    return BulkRow(line, record)


def _csv_rows(text: str) -> list[BulkRow]:
    records = csv_rows(text)
    header_row = next(records, None)
    if header_row is None or not header_row.cells:
        raise BulkFileError(f"the CSV header is unusable: {header_row.error}" if header_row and header_row.error
                            else "the CSV file is empty")
    header = header_row.cells
    names = [COLUMNS.get(h.strip().lower().replace(" ", "_"), "") for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise BulkFileError(f"the CSV header needs the columns {', '.join(REQUIRED)} (missing: {', '.join(missing)})")
    rows = []
    for row in records:
        if row.error:
            rows.append(BulkRow(row.line, {}, row.error))
            continue
        if not any(v.strip() for v in row.cells):
            continue
        if len(row.cells) > len(names):
            rows.append(BulkRow(row.line, {}, f"{len(row.cells)} values but the header has {len(names)} columns"))
            continue
        record = {name: value for name, value in zip(names, row.cells, strict=False) if name}
        rows.append(_check_row(row.line, record))
    return rows


def _jsonl_rows(text: str) -> list[BulkRow]:
    rows = []
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            value = load_json(raw, lines=False)
        except InputError as exc:
            rows.append(BulkRow(line, {}, str(exc)))
            continue
        if not isinstance(value, dict):
            rows.append(BulkRow(line, {}, "each line must be a JSON object"))
            continue
        record = {COLUMNS.get(str(k).lower(), str(k)): v for k, v in value.items()}
        rows.append(_check_row(line, record))
    return rows


def parse_bulk(name: str, data: bytes, max_bytes: int,
               max_rows: int = DEFAULT_LIMITS.batch_lines) -> list[BulkRow]:
    """The rows of an uploaded bulk file; raises BulkFileError when the file as a whole is unusable (over
    `max_bytes` or with more than `max_rows` rows included: nothing is graded then)."""
    suffix = bulk_suffix(name)
    if suffix not in BULK_EXTENSIONS:
        raise BulkFileError(f"unsupported file type {suffix or '(none)'!r} (use {' or '.join(BULK_EXTENSIONS)})")
    limits = Limits(upload_bytes=max_bytes, batch_lines=max_rows)
    try:
        limits.check_upload(len(data), "the file")
        text = _decode(data)
        rows = _csv_rows(text) if suffix == ".csv" else _jsonl_rows(text)
        limits.check_lines(len(rows), "the file")
    except LimitExceeded as exc:
        raise BulkFileError(str(exc)) from exc
    if not rows:
        raise BulkFileError("the file has no answers to grade")
    return rows


def grade_bulk(service: GradingService, rows: list[BulkRow],
               progress: Callable[[int, int], None] | None = None) -> list[dict[str, Any]]:
    """One result per row, in order: a grade (as `grade_record` returns it) or {"error": reason}."""
    results: list[dict[str, Any]] = []
    for done, row in enumerate(rows, start=1):
        base = {"line": row.line, "candidate": str(row.record.get("candidate", "")),
                "question": str(row.record.get("question", ""))}
        if row.error:
            results.append({**base, "error": row.error})
        else:
            results.append({**base, **try_grade(service, row.record)})
        if progress:
            progress(done, len(rows))
    return results


def result_rows(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flat table rows: overall, one column per rubric dimension (1–5), flags, coverage and any error."""
    rows = []
    for result in results:
        row: dict[str, Any] = {"line": result["line"], "candidate": result.get("candidate", ""),
                               "question": " ".join(str(result.get("question", "")).split())[:120],
                               "overall": result.get("overall")}
        for dimension in result.get("dimensions", []):
            row[dimension["name"]] = dimension["score"]
        covered, missing = len(result.get("covered", [])), len(result.get("missing", []))
        row["key points"] = f"{covered}/{covered + missing}" if "error" not in result else ""
        row["flags"] = ", ".join(result.get("flags", []))
        row["error"] = result.get("error", "")
        rows.append(row)
    return rows


def rows_csv(rows: list[dict[str, Any]]) -> str:
    """The table as CSV (columns in first-seen order; cells that look like formulas are quoted inert)."""
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(inert_rows(rows))
    return out.getvalue()


def inert_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The table with every cell made inert (see `inert_cell`): for any export, the app's own table download too."""
    return [{k: inert_cell(v) for k, v in row.items()} for row in rows]


FORMULA_LEADS = frozenset("=+-@\u2212")  # compared after NFKC, so full-width ＝＋－＠ and small ﹦﹢﹣ count too
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cn", "Cs", "Mn", "Me", "Zs", "Zl", "Zp"})
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")  # fillers that print as nothing


def inert_cell(value: Any) -> Any:
    """A cell no spreadsheet runs as a formula: text that starts with a space, a control or an invisible character
    (tab, CR, LF, NBSP, zero-width space, BOM, a combining mark…), or whose first character is = + - @ in any width,
    gets a leading apostrophe. Other values pass through (None becomes "")."""
    if value is None:
        return ""
    if not isinstance(value, str) or not value:
        return value
    first = value[0]
    hidden = first.isspace() or first in BLANK_LETTERS or unicodedata.category(first) in INVISIBLE_CATEGORIES
    return "'" + value if hidden or unicodedata.normalize("NFKC", first)[:1] in FORMULA_LEADS else value
