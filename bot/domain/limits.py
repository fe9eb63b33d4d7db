"""Bounds on the work one request may cause, and the error that names the limit and the setting that changes it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

MB = 1024 * 1024


class LimitExceeded(ValueError):
    """An input over one of the limits: says what was too big, by how much, and which setting raises the limit."""

    def __init__(self, what: str, size: str, limit: str, setting: str) -> None:
        super().__init__(f"{what} is {size}; the limit is {limit} (set MOCKINTERVIEW_{setting} to change it)")
        self.setting = f"MOCKINTERVIEW_{setting}"


def megabytes(n: float) -> str:
    return f"{n / MB:.1f} MB" if n >= 0.1 * MB else f"{n / 1024:.1f} KB"


@dataclass(frozen=True)
class Limits:
    """The limits in force (the settings' `limits()`); the defaults are the settings' defaults."""

    answer_chars: int = 20_000
    answer_tokens: int = 4_000
    file_bytes: int = 5 * MB
    questions_per_file: int = 2_000
    chunks_per_question: int = 200
    batch_lines: int = 5_000
    upload_bytes: int = 5 * MB

    def check_text(self, text: str, count_tokens: Callable[[str], int], what: str = "the answer") -> None:
        """Raise LimitExceeded when `text` (an answer, or a reference given to grade against) is over the answer
        limits; characters are checked first, so an enormous text is refused without being tokenised."""
        if len(text) > self.answer_chars:
            raise LimitExceeded(what, f"{len(text):,} characters long", f"{self.answer_chars:,} characters",
                                "MAX_ANSWER_CHARS")
        tokens = count_tokens(text)
        if tokens > self.answer_tokens:
            raise LimitExceeded(what, f"{tokens:,} tokens long", f"{self.answer_tokens:,} tokens",
                                "MAX_ANSWER_TOKENS")

    def check_file(self, size: int, what: str = "the file") -> None:
        if size > self.file_bytes:
            raise LimitExceeded(what, f"too large ({megabytes(size)})", megabytes(self.file_bytes), "MAX_FILE_MB")

    def check_upload(self, size: int, what: str = "the upload") -> None:
        if size > self.upload_bytes:
            raise LimitExceeded(what, f"too large ({megabytes(size)})", megabytes(self.upload_bytes),
                                "MAX_UPLOAD_MB")

    def check_questions(self, count: int, what: str = "the file") -> None:
        if count > self.questions_per_file:
            raise LimitExceeded(f"the number of questions in {what}", f"{count:,}",
                                f"{self.questions_per_file:,} per file", "MAX_QUESTIONS_PER_FILE")

    def check_chunks(self, count: int, what: str) -> None:
        if count > self.chunks_per_question:
            raise LimitExceeded(f"the reference answer of {what}", f"{count:,} chunks long",
                                f"{self.chunks_per_question:,} per question", "MAX_CHUNKS_PER_QUESTION")

    def check_lines(self, count: int, what: str = "the batch") -> None:
        if count > self.batch_lines:
            raise LimitExceeded(f"the number of lines to grade in {what}", f"{count:,}",
                                f"{self.batch_lines:,}", "MAX_BATCH_LINES")


DEFAULT_LIMITS = Limits()
