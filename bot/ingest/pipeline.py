"""Ingest: bank files → questions → chunks → embeddings → store, as an idempotent per-file sync."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from bot.domain.limits import DEFAULT_LIMITS, LimitExceeded, Limits
from bot.domain.models import Chunk, Question
from bot.ingest.loader import BankError, load_bank_file, scan
from bot.ingest.splitter import split_question
from bot.retrieval.embedder import Embedder
from bot.retrieval.store import VectorStore
from bot.untrusted import failure_reason

PARSER_VERSION = "2"
ProgressHook = Callable[[int, int], None]


@dataclass
class FileReport:
    """What happened to one file during an ingest."""

    path: str
    status: str  # "ingested" | "unchanged" | "removed" | "error"
    questions: int = 0
    chunks: int = 0
    reason: str = ""


@dataclass
class IngestReport:
    """Summary of an ingest run, one row per file."""

    files: list[FileReport] = field(default_factory=list)
    seconds: float = 0.0
    new_questions: list[Question] = field(default_factory=list)  # from the files (re)ingested by this run

    @property
    def errors(self) -> list[FileReport]:
        return [f for f in self.files if f.status == "error"]

    @property
    def ok(self) -> bool:
        """True unless nothing could be ingested (every file failed)."""
        return any(f.status != "error" for f in self.files)

    def total(self, attribute: str) -> int:
        return sum(getattr(f, attribute) for f in self.files if f.status in ("ingested", "unchanged"))


def question_embedding_text(question: Question) -> str:
    return f"{question.title}\n{question.question}"


def chunk_embedding_text(chunk: Chunk) -> str:
    return f"{chunk.title} — {chunk.section}\n{chunk.text}"


def fingerprint(data: bytes, chunk_tokens: int, overlap: int, max_chunks: int) -> str:
    """Hash of the file content and everything that shapes its chunks; a change means re-embedding."""
    digest = hashlib.sha256(data)
    digest.update(f"|parser={PARSER_VERSION}|tokens={chunk_tokens}|overlap={overlap}|max={max_chunks}".encode())
    return digest.hexdigest()


def _is_under(path: str, roots: list[Path]) -> bool:
    candidate = Path(path)
    return any(candidate == root or root in candidate.parents for root in roots)


@dataclass
class _Pending:
    path: Path
    resolved: str
    file_hash: str
    questions: list[Question]
    chunks: list[Chunk]
    replaces: bool
    notes: str = ""


def ingest(
    paths: list[Path],
    store: VectorStore,
    embedder: Embedder,
    *,
    chunk_tokens: int = 300,
    overlap: int = 40,
    limits: Limits = DEFAULT_LIMITS,
    progress: ProgressHook | None = None,
    batch_size: int = 64,
) -> IngestReport:
    """Sync the store with the bank files under `paths`: new/changed files re-embedded, removed ones deleted.

    `progress(done, total)` is called as chunks are embedded (for progress bars). A file over the size or
    question-count limit is that file's error; a question whose reference makes more chunks than the limit is
    skipped (named in its file's detail) and the rest of its file is ingested.
    """
    started = time.perf_counter()
    report = IngestReport()
    roots = [p.resolve() for p in paths]
    known = store.fingerprints()
    found: set[str] = set()
    pending: list[_Pending] = []
    files, refused = scan(paths)
    report.files.extend(FileReport(path=issue.path, status="error", reason=issue.reason) for issue in refused)
    for path in files:
        resolved = str(path.resolve())
        found.add(resolved)
        outcome = _read(path, resolved, known.get(resolved), chunk_tokens, overlap, limits)
        if isinstance(outcome, FileReport):
            report.files.append(outcome)
        else:
            pending.append(outcome)
    total = sum(len(p.chunks) + len(p.questions) for p in pending)
    done = 0
    for item in pending:
        chunk_vectors = _embed(embedder, [chunk_embedding_text(c) for c in item.chunks], batch_size,
                               partial(_report, progress, done, total))
        done += len(item.chunks)
        question_vectors = embedder.embed([question_embedding_text(q) for q in item.questions])
        done += len(item.questions)
        if progress:
            progress(done, total)
        if item.replaces:
            store.delete_source(item.resolved)
        store.upsert(item.questions, item.chunks, question_vectors, chunk_vectors, item.resolved, item.file_hash)
        report.new_questions.extend(item.questions)
        report.files.append(FileReport(path=str(item.path), status="ingested", questions=len(item.questions),
                                       chunks=len(item.chunks), reason=item.notes))
    for stale in sorted(set(known) - found):
        if _is_under(stale, roots) and not Path(stale).exists():
            store.delete_source(stale)
            report.files.append(FileReport(path=stale, status="removed"))
    if not report.files:
        report.files.append(FileReport(path=", ".join(map(str, paths)), status="error",
                                       reason="no bank files found (.txt, .md, .json, .yaml, .yml, .csv)"))
    report.seconds = time.perf_counter() - started
    return report


def _report(progress: ProgressHook | None, offset: int, total: int, done: int) -> None:
    if progress:
        progress(offset + done, total)


def _embed(embedder: Embedder, texts: list[str], batch_size: int, advanced: Callable[[int], None]) -> np.ndarray:
    parts = []
    for start in range(0, len(texts), batch_size):
        parts.append(embedder.embed(texts[start:start + batch_size]))
        advanced(min(start + batch_size, len(texts)))
    return np.concatenate(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)


def _read(path: Path, resolved: str, known_hash: str | None, chunk_tokens: int, overlap: int,
          limits: Limits) -> FileReport | _Pending:
    try:
        loaded = load_bank_file(path, limits.file_bytes, max_questions=limits.questions_per_file)
        file_hash = fingerprint(path.read_bytes(), chunk_tokens, overlap, limits.chunks_per_question)
        questions, chunks, skipped = _within_limit(loaded, chunk_tokens, overlap, limits)
    except BankError as exc:
        return FileReport(path=str(path), status="error", reason=exc.reason)
    except OSError as exc:
        return FileReport(path=str(path), status="error", reason=f"cannot read file: {exc.strerror or exc}")
    except Exception as exc:  # noqa: BLE001 - one file's failure is that file's error, never the run's
        return FileReport(path=str(path), status="error", reason=failure_reason(exc))
    notes = "; ".join(f"skipped: {reason}" for reason in skipped)
    if skipped and not questions:
        return FileReport(path=str(path), status="error", reason=notes)
    if known_hash == file_hash:
        return FileReport(path=str(path), status="unchanged", questions=len(questions), chunks=len(chunks),
                          reason=notes)
    return _Pending(path, resolved, file_hash, questions, chunks, replaces=known_hash is not None, notes=notes)


def _within_limit(questions: list[Question], chunk_tokens: int, overlap: int,
                  limits: Limits) -> tuple[list[Question], list[Chunk], list[str]]:
    """The questions whose reference fits the chunk limit, their chunks, and why each other one was skipped
    (grading a question costs in proportion to its reference: one of 3,843 chunks took minutes per grade)."""
    kept: list[Question] = []
    chunks: list[Chunk] = []
    skipped: list[str] = []
    for question in questions:
        own = split_question(question, chunk_tokens, overlap)
        try:
            limits.check_chunks(len(own), repr(question.title))
        except LimitExceeded as exc:
            skipped.append(f"{exc}; split it into smaller questions")
            continue
        kept.append(question)
        chunks.extend(own)
    return kept, chunks, skipped
