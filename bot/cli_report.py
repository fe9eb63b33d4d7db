"""`mockinterview report`: a session's feedback report as Markdown, HTML or PDF."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from bot.cli_output import console, fail, settings_for
from bot.cli_users import acting_user
from bot.domain.access import AccessDenied
from bot.interview.sessions import SessionService
from bot.retrieval.store import StoreError
from bot.storage.errors import SessionNotFound, StorageError
from bot.storage.repository import SessionRepository
from bot.storage.schema import describe_url
from bot.wiring import open_store


class ReportFormat(StrEnum):
    md = "md"
    html = "html"
    pdf = "pdf"


def report(
    session_id: Annotated[str, typer.Argument(help="The session id (printed when a practice session starts).")],
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Report format.")] = ReportFormat.md,
    out: Annotated[str | None, typer.Option("--out", "-o", help="Output file (default: reports/<session>.<format>); "
                                            "'-' writes Markdown or HTML to stdout.")] = None,
    user: Annotated[str | None, typer.Option(help="Who reads the report: the local profile by default, or your account "
                                      "when the deployment signs people in (password from MOCKINTERVIEW_PASSWORD "
                                      "or asked for); a candidate reads only their own sessions.")] = None,
    store: Annotated[Path | None, typer.Option("--store", envvar="MOCKINTERVIEW_STORE",
                                               help="Chroma index directory.")] = None,
) -> None:
    """Write the feedback report of a session: scores, radar chart, quotes, citations and a practice plan."""
    if out == "-" and fmt is ReportFormat.pdf:
        raise fail("a PDF cannot be written to stdout; give --out FILE.", 2)
    settings = settings_for(store)
    repo = None
    try:
        repo = SessionRepository(settings.database_url)
        actor = acting_user(settings, repo, user)
        data = SessionService(repo).report(actor, session_id.strip(), open_store(settings), fmt.value)
    except SessionNotFound as exc:
        raise fail(f"no interview session with id {session_id!r} in {describe_url(settings.database_url)} "
                   "(the id is printed when a practice session starts).") from exc
    except (StoreError, StorageError, AccessDenied) as exc:
        raise fail(str(exc)) from exc
    finally:
        if repo is not None:
            repo.close()
    if out == "-":
        sys.stdout.write(data.decode("utf-8"))
        return
    target = Path(out) if out else Path("reports") / f"{session_id.strip()}.{fmt.value}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    except OSError as exc:
        raise fail(f"cannot write {target}: {exc}") from exc
    console.print(str(target), highlight=False, soft_wrap=True)
