"""Parse untrusted text without crashing: JSON and YAML with bounded nesting, CSV with bounded cells."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

MAX_DEPTH = 64  # a bank needs about 4 levels, a batch line 2
MAX_CELL = 128 * 1024  # characters in one CSV cell (the csv module's own default limit)
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_SURROGATE_ESCAPE = re.compile(r"\\[uU]0*[dD][89a-fA-F]")  # \ud800-\udfff: may leave half a surrogate pair


class InputError(ValueError):
    """Untrusted text that cannot be parsed; the message says why and where, and never carries a traceback."""


def failure_reason(exc: BaseException) -> str:
    """A short, specific reason for a parser or grader failure that was not expected (the last line of defence)."""
    if isinstance(exc, RecursionError):
        return "nested too deeply to process"
    if isinstance(exc, MemoryError):
        return "too large to process in memory"
    detail = " ".join(str(exc).split())[:200]
    return f"could not be processed ({type(exc).__name__}{': ' + detail if detail else ''})"


def _detail(exc: BaseException) -> str:
    """What a parser's own ValueError says (its first clause), or the failure reason for crashes."""
    if isinstance(exc, RecursionError | MemoryError) or not str(exc).strip():
        return failure_reason(exc)
    return " ".join(str(exc).split(";")[0].split())[:200]


def _where(text: str, offset: int, lines: bool) -> str:
    """"line L, column C" of an offset in the text ("column C" alone for a JSONL line)."""
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {text.count(chr(10), 0, offset) + 1}, column {column}" if lines else f"column {column}"


def check_json_depth(text: str, max_depth: int = MAX_DEPTH, lines: bool = True) -> None:
    """Raise InputError when brackets outside strings nest deeper than `max_depth` (checked without recursion)."""
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        bracket = token.group()
        if bracket in "[{":
            depth += 1
            if depth > max_depth:
                raise InputError(f"nested deeper than {max_depth} levels ({_where(text, token.start(), lines)})")
        elif bracket in "]}":
            depth = max(0, depth - 1)


def _strings(data: Any) -> Iterator[str]:
    """Every string in loaded data, keys included, each container visited once (YAML aliases may share or loop)."""
    seen: set[int] = set()
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict | list) and id(item) not in seen:
            seen.add(id(item))
            stack.extend([*item.keys(), *item.values()] if isinstance(item, dict) else item)


def _check_text(data: Any, text: str, kind: str) -> Any:
    """The data, unless an escape in the text decoded to half a surrogate pair (text that cannot be saved)."""
    if _SURROGATE_ESCAPE.search(text):
        for value in _strings(data):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise InputError(f"not valid {kind} (an escape such as \\u{ord(value[exc.start]):x} is half of a "
                                 "surrogate pair, not a character)") from exc
    return data


def load_json(text: str, max_depth: int = MAX_DEPTH, lines: bool = True) -> Any:
    """Parse JSON after a nesting check; every failure (syntax, depth, a 5,000-digit number…) is an InputError whose
    position names the line and column (the column only, with `lines` False, for one JSONL line)."""
    check_json_depth(text, max_depth, lines)
    try:
        return _check_text(json.loads(text), text, "JSON")
    except InputError:
        raise
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({_where(text, exc.pos, lines)}: {exc.msg})") from exc
    except (ValueError, RecursionError, MemoryError) as exc:
        raise InputError(f"not valid JSON ({_detail(exc)})") from exc


class _BoundedLoader(yaml.SafeLoader):
    """The safe YAML loader with a cap on how deeply nodes nest (PyYAML composes nodes recursively)."""

    max_depth = MAX_DEPTH
    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > self.max_depth:
                mark = self.peek_event().start_mark
                raise InputError(f"nested deeper than {self.max_depth} levels (line {mark.line + 1}, column "
                                 f"{mark.column + 1})")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_yaml(text: str, max_depth: int = MAX_DEPTH) -> Any:
    """Parse YAML safely with bounded nesting; every failure (syntax, depth, an impossible date…) is an InputError."""
    loader = _BoundedLoader(text)
    loader.max_depth = max_depth
    try:
        return _check_text(loader.get_single_data(), text, "YAML")
    except InputError:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise InputError(f"not valid YAML ({where}{problem})") from exc
    except (ValueError, TypeError, OverflowError, RecursionError, MemoryError) as exc:
        raise InputError(f"not valid YAML ({_detail(exc)})") from exc
    finally:
        loader.dispose()


@dataclass
class CsvRow:
    """One CSV record: the line it starts on and its cells, or why it cannot be used (`final`: the file's rest is
    unreadable from here)."""

    line: int
    cells: list[str]
    error: str = ""
    final: bool = False


def csv_rows(text: str, delimiter: str = ",", strict: bool = False, max_cell: int = MAX_CELL) -> Iterator[CsvRow]:
    """The records of a CSV text, header included. A cell over `max_cell` characters makes that row an error and
    the next rows still come; a malformed record ends the rows with a `final` error row."""
    # The module-wide csv limit would end the whole file at the first long cell; the text is already size-checked,
    # so let the reader take any cell the text can hold and judge each row here. The limit is only ever raised.
    if csv.field_size_limit() < len(text) + 1:
        csv.field_size_limit(len(text) + 1)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=strict)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield CsvRow(start, [], f"not valid CSV (line {start}: {exc})", final=True)
            return
        longest = max((len(cell) for cell in cells), default=0)
        if longest > max_cell:
            yield CsvRow(start, [], f"a cell is {longest / 1024:.0f} KB long (the limit is {max_cell // 1024} KB)")
        else:
            yield CsvRow(start, cells)
        start = reader.line_num + 1
