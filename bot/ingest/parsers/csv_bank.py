"""Parse CSV banks: a header row naming Question fields, then one row per question."""

from __future__ import annotations

import csv
import io

from bot.ingest.parsers import ParseError, ParseResult
from bot.ingest.parsers.structured import field_name, question_from_record


def parse_csv(text: str, source_file: str) -> ParseResult:
    """Parse a CSV bank.

    Format::

        title,question,reference_answer,key_points,company,role,category,difficulty,level
        Fraud design,"Design a fraud detection system …","Architecture:
        - Streaming: Kafka …",SMOTE; cost-sensitive learning,Amazon,Data Scientist,ml_system_design,hard,L5

    Columns are matched case-insensitively ("Interview Round" = interview_round; "answer" = reference_answer);
    `question` is required. key_points is one string separated by "; " or newlines, follow_ups by newlines.
    Multi-line cells must be quoted. A row without a question is skipped with a warning naming its line.
    """
    first_line = text.lstrip().split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    result = ParseResult()
    rows = 0
    try:
        header = next(reader, None)
        if not header or not any(cell.strip() for cell in header):
            raise ParseError("no header row")
        names = [field_name(cell) for cell in header]
        if "question" not in names:
            raise ParseError(f"CSV header has no 'question' column (columns: {', '.join(c.strip() for c in header)})")
        unknown = [cell.strip() for cell, name in zip(header, names, strict=True) if name is None]
        if unknown:
            result.warnings.append(f"unknown column(s) ignored: {', '.join(unknown)}")
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            rows += 1
            if len(row) > len(header):
                result.warnings.append(f"line {line}: {len(row)} fields but {len(header)} columns — extras ignored")
            record = {h: v for h, v, n in zip(header, row, names, strict=False) if n}
            try:
                question, _ = question_from_record(record, source_file)
            except ValueError as exc:
                result.warnings.append(f"line {line}: {exc} — row skipped")
                continue
            result.questions.append(question)
    except csv.Error as exc:
        raise ParseError(f"not valid CSV (line {reader.line_num}: {exc})") from exc
    if not result.questions:
        detail = f": {result.warnings[-1]}" if result.warnings else ""
        raise ParseError(
            f"no valid question among {rows} row(s){detail}" if rows else "no question rows after the header"
        )
    return result
