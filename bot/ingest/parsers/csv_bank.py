"""Parse CSV banks: a header row naming Question fields, then one row per question."""

from __future__ import annotations

from bot.ingest.parsers import ParseError, ParseResult
from bot.ingest.parsers.structured import field_name, question_from_record
from bot.untrusted import csv_rows


def parse_csv(text: str, source_file: str) -> ParseResult:
    """Parse a CSV bank.

    Format::

        title,question,reference_answer,key_points,company,role,category,difficulty,level
        Fraud design,"Design a fraud detection system …","Architecture:
        - Streaming: Kafka …",SMOTE; cost-sensitive learning,Amazon,Data Scientist,ml_system_design,hard,L5

    Columns are matched case-insensitively ("Interview Round" = interview_round; "answer" = reference_answer);
    `question` is required. key_points is one string separated by "; " or newlines, follow_ups by newlines.
    Multi-line cells must be quoted. A row without a question, or with a cell over 128 KB, is skipped with a warning
    naming its line; a malformed record (an unclosed quote) makes the file an error.
    """
    first_line = text.lstrip().split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    records = csv_rows(text, delimiter=delimiter, strict=True)
    result = ParseResult()
    rows = 0
    header_row = next(records, None)
    if header_row is not None and header_row.error:
        raise ParseError(header_row.error if header_row.final else f"header row: {header_row.error}")
    header = header_row.cells if header_row else []
    if not header or not any(cell.strip() for cell in header):
        raise ParseError("no header row")
    names = [field_name(cell) for cell in header]
    if "question" not in names:
        raise ParseError(f"CSV header has no 'question' column (columns: {', '.join(c.strip() for c in header)})")
    unknown = [cell.strip() for cell, name in zip(header, names, strict=True) if name is None]
    if unknown:
        result.warnings.append(f"unknown column(s) ignored: {', '.join(unknown)}")
    for row in records:
        if row.final:
            raise ParseError(row.error)
        if row.error:
            rows += 1
            result.warnings.append(f"line {row.line}: {row.error} — row skipped")
            continue
        if not any(cell.strip() for cell in row.cells):
            continue
        rows += 1
        if len(row.cells) > len(header):
            result.warnings.append(f"line {row.line}: {len(row.cells)} fields but {len(header)} columns — "
                                   "extras ignored")
        record = {h: v for h, v, n in zip(header, row.cells, names, strict=False) if n}
        try:
            question, _ = question_from_record(record, source_file)
        except ValueError as exc:
            result.warnings.append(f"line {row.line}: {exc} — row skipped")
            continue
        result.questions.append(question)
    if not result.questions:
        detail = f": {result.warnings[-1]}" if result.warnings else ""
        raise ParseError(
            f"no valid question among {rows} row(s){detail}" if rows else "no question rows after the header"
        )
    return result
