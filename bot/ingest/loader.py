"""Find bank files, check them (size, encoding, format) and parse them into questions, one bad file at a time."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, Field

from bot.domain.limits import DEFAULT_LIMITS, LimitExceeded, Limits
from bot.domain.models import Question
from bot.ingest.parsers import ParseError
from bot.ingest.parsers.sniff import SUPPORTED_EXTENSIONS, parse_text
from bot.untrusted import failure_reason

DEFAULT_MAX_BYTES = DEFAULT_LIMITS.file_bytes
DEFAULT_MAX_QUESTIONS = DEFAULT_LIMITS.questions_per_file


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


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _link_target(link: Path, root: Path) -> tuple[Path | None, str]:
    """Where a symbolic link under `root` leads, or None and why it is refused (it leaves the folder, or loops)."""
    try:
        target = link.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python 3.11)
        return None, "symbolic link loop — not followed"
    if not _inside(target, root):
        return None, f"symbolic link to {target}, outside the folder {root} — not followed"
    return target, ""


def scan(paths: Iterable[Path]) -> tuple[list[Path], list[BankIssue]]:
    """Bank files under the given paths, and the symbolic links refused on the way.

    Directories are searched recursively for supported extensions (hidden files and folders skipped); files named
    explicitly are kept whatever their extension, so that loading them reports a clear error. A symbolic link found
    inside a directory is followed only when it leads to a file inside that directory (a linked folder inside it is
    searched where it really is, so no loop); a link leading outside, or looping, is refused and named. Sorted,
    without duplicates (a link to a file found anyway is dropped)."""
    found: dict[Path, Path] = {}  # resolved file -> the path it is reported under
    refused: list[BankIssue] = []
    for path in map(Path, paths):
        if not path.is_dir():
            try:
                found.setdefault(path.resolve(), path)
            except (OSError, RuntimeError):  # a looping link named explicitly: loading it reports the error
                found.setdefault(path.absolute(), path)
            continue
        root = path.resolve()
        links: list[Path] = []
        for folder, dirs, names in os.walk(path):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in [d for d in dirs if (here / d).is_symlink()]:
                dirs.remove(name)
                target, reason = _link_target(here / name, root)
                if target is None:
                    refused.append(BankIssue(path=str(here / name), reason=reason))
            for name in sorted(names):
                candidate = here / name
                if name.startswith(".") or candidate.suffix.lower() not in SUPPORTED_EXTENSIONS:
                    continue
                if candidate.is_symlink():
                    links.append(candidate)
                elif candidate.is_file():
                    found.setdefault(candidate.resolve(), candidate)
        for link in links:
            target, reason = _link_target(link, root)
            if target is None:
                refused.append(BankIssue(path=str(link), reason=reason))
            elif target.is_file():
                found.setdefault(target, link)
    return sorted(set(found.values())), refused


def discover(paths: Iterable[Path]) -> list[Path]:
    """The bank files under the given paths (see `scan`; refused links are left out)."""
    return scan(paths)[0]


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
        raise BankError(path, f"file is too large ({_format_size(size)}; the limit is {_format_size(max_bytes)}, set "
                              "MOCKINTERVIEW_MAX_FILE_MB to change it)")
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


def load_bank_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES, warnings: list[str] | None = None, *,
                   max_questions: int = DEFAULT_MAX_QUESTIONS) -> list[Question]:
    """Parse one bank file into questions; raises BankError. Skipped items are appended to `warnings` if given."""
    path = Path(path)
    text = read_bank_text(path, max_bytes)
    try:
        result = parse_text(path.suffix.lower(), text, path.name)
        Limits(questions_per_file=max_questions).check_questions(len(result.questions))
    except (ParseError, LimitExceeded) as exc:
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
    files, result.errors = scan(paths)
    for path in files:
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
