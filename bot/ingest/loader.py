"""Find bank files, check them (size, encoding, format) and parse them into questions, one bad file at a time."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, Field

from bot.domain.models import Question
from bot.ingest.parsers import ParseError
from bot.ingest.parsers.sniff import SUPPORTED_EXTENSIONS, parse_text
from bot.untrusted import failure_reason

DEFAULT_MAX_BYTES = 5 * 1024 * 1024


class BankError(Exception):
    """A bank file that cannot be loaded: `path` and a specific, human-readable `reason`."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class BankIssue(BaseModel):
    """A problem found while loading banks (an error that skipped a file, or a warning that skipped an item)."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class LoadResult(BaseModel):
    """Everything loaded from a set of bank files, with the files that failed and the items that were skipped."""

    questions: list[Question] = Field(default_factory=list)
    errors: list[BankIssue] = Field(default_factory=list)
    warnings: list[BankIssue] = Field(default_factory=list)
    files_ok: list[str] = Field(default_factory=list)


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def discover(paths: Iterable[Path]) -> list[Path]:
    """Bank files under the given paths: directories are searched recursively for supported extensions (hidden
    files and folders skipped); files named explicitly are kept whatever their extension, so that loading them
    reports a clear error. Sorted, without duplicates."""
    found: set[Path] = set()
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found.update(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUPPORTED_EXTENSIONS and not _hidden(p, path)
            )
        else:
            found.add(path)
    return sorted(found)


def _format_size(n: float) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.1f} KB" if n >= 1024 else f"{n:.0f} B"


def read_bank_text(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The file's text after the checks every bank must pass; raises BankError."""
    if not path.exists():
        raise BankError(path, "file not found")
    if not path.is_file():
        raise BankError(path, "not a regular file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise BankError(
            path, f"unsupported extension {suffix or '(none)'!r} (supported: {', '.join(SUPPORTED_EXTENSIONS)})"
        )
    size = path.stat().st_size
    if size > max_bytes:
        raise BankError(path, f"file is too large ({_format_size(size)}; the limit is {_format_size(max_bytes)})")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BankError(path, f"cannot be read ({exc.strerror or exc})") from exc
    if not data.strip():
        raise BankError(path, "empty file")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise BankError(path, f"binary file (contains NUL bytes, first at byte {nul})")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        raise BankError(path, f"not UTF-8 text (invalid byte 0x{bad} at offset {exc.start}); save it as UTF-8") from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def load_bank_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES, warnings: list[str] | None = None) -> list[Question]:
    """Parse one bank file into questions; raises BankError. Skipped items are appended to `warnings` if given."""
    path = Path(path)
    text = read_bank_text(path, max_bytes)
    try:
        result = parse_text(path.suffix.lower(), text, path.name)
    except ParseError as exc:
        raise BankError(path, str(exc)) from exc
    except Exception as exc:  # no parser failure may escape this file's boundary (re-raised as its error)
        raise BankError(path, failure_reason(exc)) from exc
    questions: list[Question] = []
    seen: set[str] = set()
    notes = list(result.warnings)
    for question in result.questions:
        if question.id in seen:
            notes.append(f"duplicate question {question.title!r} — skipped")
            continue
        seen.add(question.id)
        questions.append(question)
    if warnings is not None:
        warnings.extend(notes)
    return questions


def load_banks(paths: Iterable[Path], max_bytes: int = DEFAULT_MAX_BYTES) -> LoadResult:
    """Load every bank under the given paths; a bad file is recorded in `errors` and the others still load."""
    result = LoadResult()
    seen: set[str] = set()
    for path in discover(paths):
        notes: list[str] = []
        try:
            questions = load_bank_file(path, max_bytes, notes)
        except BankError as exc:
            result.errors.append(BankIssue(path=str(exc.path), reason=exc.reason))
            continue
        finally:
            result.warnings.extend(BankIssue(path=str(path), reason=note) for note in notes)
        for question in questions:
            if question.id not in seen:
                seen.add(question.id)
                result.questions.append(question)
        result.files_ok.append(str(path))
    return result
