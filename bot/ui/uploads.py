"""Uploaded bank files: checked, saved under a generated name in a server-side directory, ingested, cleaned up."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from bot.domain.limits import DEFAULT_LIMITS, LimitExceeded, Limits
from bot.ingest.pipeline import ProgressHook, ingest
from bot.retrieval.embedder import Embedder
from bot.retrieval.store import VectorStore
from bot.ui.state import UploadOutcome

ALLOWED_EXTENSIONS = (".md", ".json", ".yaml", ".yml", ".csv", ".txt")
EMBED_BATCH = 16  # chunks embedded between progress reports (where the job lets interactive turns go first)


@dataclass(frozen=True)
class Upload:
    """One uploaded file as received: the user's file name (never used as a path) and its bytes."""

    name: str
    data: bytes


def allowed_suffix(name: str) -> str | None:
    """The file name's extension, lower-cased, if it is an allowed bank extension; else None."""
    base = PureWindowsPath(PurePosixPath(name).name).name  # the last component, whichever separator was used
    suffix = PurePosixPath(base).suffix.lower()
    return suffix if suffix in ALLOWED_EXTENSIONS else None


def stored_name(upload: Upload, suffix: str) -> str:
    """A generated, safe file name: the content hash plus the (already allowed) extension."""
    return f"upload-{hashlib.sha256(upload.data).hexdigest()[:20]}{suffix}"


def ingest_uploads(uploads: list[Upload], store: VectorStore, embedder: Embedder, *,
                   limits: Limits = DEFAULT_LIMITS, chunk_tokens: int = 300, overlap: int = 40,
                   progress: ProgressHook | None = None) -> list[UploadOutcome]:
    """Check and ingest each uploaded file with the ingest pipeline; one outcome per upload, in upload order.

    Files with an extension outside ALLOWED_EXTENSIONS or over the upload limit are rejected before anything is
    written; the others are saved as `upload-<content hash>.<ext>` in a fresh private temporary directory, ingested
    together (under the bank limits), and removed with the directory afterwards (their questions and chunks live in
    the index). `progress(done, total)` is called as the chunks are embedded.
    """
    with tempfile.TemporaryDirectory(prefix="mockinterview-upload-") as tmp:
        return _ingest(uploads, store, embedder, Path(tmp), limits, chunk_tokens, overlap, progress)


def _ingest(uploads: list[Upload], store: VectorStore, embedder: Embedder, directory: Path, limits: Limits,
            chunk_tokens: int, overlap: int, progress: ProgressHook | None) -> list[UploadOutcome]:
    outcomes: dict[int, UploadOutcome] = {}
    saved: dict[str, list[int]] = {}
    for index, upload in enumerate(uploads):
        suffix = allowed_suffix(upload.name)
        if suffix is None:
            given = PurePosixPath(PureWindowsPath(upload.name).name).suffix.lower() or "(none)"
            outcomes[index] = UploadOutcome(upload.name, "error", reason=f"unsupported extension {given!r} "
                                            f"(allowed: {', '.join(ALLOWED_EXTENSIONS)})")
            continue
        try:
            limits.check_upload(len(upload.data), "file")
        except LimitExceeded as exc:
            outcomes[index] = UploadOutcome(upload.name, "error", reason=str(exc))
            continue
        name = stored_name(upload, suffix)
        (directory / name).write_bytes(upload.data)
        saved.setdefault(name, []).append(index)
    if saved:
        report = ingest([directory / name for name in saved], store, embedder, chunk_tokens=chunk_tokens,
                        overlap=overlap, limits=limits, progress=progress, batch_size=EMBED_BATCH)
        for row in report.files:
            for index in saved.get(Path(row.path).name, []):
                outcomes[index] = UploadOutcome(uploads[index].name, row.status, row.questions, row.chunks,
                                                row.reason)
    return [outcomes.get(i, UploadOutcome(u.name, "error", reason="not processed")) for i, u in enumerate(uploads)]
