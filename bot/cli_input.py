"""Terminal answers for `practice`: read whole (no 4,095-character line cut), never empty, kept when a save fails."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import NoReturn

from rich.console import Console

EMPTY_HINT = "(Type your answer and press Enter, or /finish to stop.)"
NOT_TEXT_HINT = "(That line was not UTF-8 text, so it was not taken; please type it again.)"


def _line_editor() -> None:
    """Read terminal lines through GNU readline (or libedit): it runs the terminal in non-canonical mode, so a line
    is not cut at the kernel's 4,095-character limit, a multi-line paste arrives whole (bracketed paste), and the
    line can be edited. Without readline, `input()` reads the terminal in canonical mode and long lines are cut."""
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401 - importing it is what makes input() use it


def _prompt(console: Console, label: str) -> str:
    if not console.is_terminal:
        return f"{label}: "
    return f"\001\033[1m\002{label}\001\033[0m\002: "  # bold, marked invisible so readline measures the line right


def read_answer(console: Console, label: str = "You") -> str | None:
    """The candidate's next message, asking again on an empty or blank line (or one that is not text); None at the
    end of input (Ctrl-D)."""
    if sys.stdin.isatty():
        _line_editor()
    while True:
        try:
            text = input(_prompt(console, label))
            text.encode("utf-8")  # undecodable bytes (under a C locale, surrogate escapes) are never saved
        except EOFError:
            console.print()
            return None
        except UnicodeError:
            console.print(NOT_TEXT_HINT, style="dim", highlight=False)
            continue
        if text.strip():
            return text
        console.print(EMPTY_HINT, style="dim", highlight=False)


def keep_unsaved(text: str, session_id: str, directory: Path | None = None) -> Path | None:
    """Write an answer that could not be saved to a private file (0600) and return its path; None if that fails too.
    The default directory is `mockinterview-unsaved` in the system's temporary directory, never the database's."""
    folder = directory or Path(tempfile.gettempdir()) / "mockinterview-unsaved"
    path = folder / f"{session_id or 'answer'}-{time.strftime('%Y%m%d-%H%M%S')}.txt"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    except OSError:
        return None
    return path


def abandon(code: int) -> NoReturn:
    """Exit at once after a storage failure, without closing the database: SQLite's close would checkpoint through
    its memory-mapped WAL index, and on a file that turned read-only or immutable that access kills the process
    with SIGBUS. Skipping the close is safe: SQLite recovers an unclosed WAL database on its next open."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
