"""The `mockinterview` command line: ingest, questions, search, grade, practice, report, variants, users."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bot.cli_output import console, errors, fail, settings_for
from bot.cli_practice import practice
from bot.cli_report import report
from bot.cli_users import users
from bot.cli_variants import variants
from bot.domain.filters import QuestionFilter
from bot.domain.grade import Grade
from bot.domain.limits import LimitExceeded, Limits
from bot.domain.models import Question
from bot.grading.batch import grade_lines
from bot.grading.service import GradingService, QuestionNotFound
from bot.ingest.pipeline import IngestReport, ingest
from bot.retrieval.store import StoreError
from bot.settings import Settings
from bot.wiring import grading_service, lazy_embedder, open_store

app = typer.Typer(help="Mock interviewer for data science, analytics and PM interviews.", no_args_is_help=True,
                  add_completion=False, rich_markup_mode=None)

StoreOption = Annotated[Path | None, typer.Option("--store", help="Chroma index directory (default: vectorstore/, "
                                                  "or MOCKINTERVIEW_STORE).", envvar="MOCKINTERVIEW_STORE")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.command("ingest")
def ingest_command(
    paths: Annotated[list[Path] | None, typer.Argument(help="Bank files or folders (default: seeds/).")] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Drop the index and embed everything again.")] = False,
    if_missing: Annotated[bool, typer.Option("--if-missing", help="Do nothing when the index already has "
                                             "questions.")] = False,
    prepare: Annotated[bool, typer.Option("--prepare/--no-prepare", help="Also embed what the grader compares "
                                          "with in each new question's reference and keep it in the index, so "
                                          "no first answer waits for it (about 1 s per question).")] = True,
    store: StoreOption = None,
) -> None:
    """Parse question banks and index their reference answers (idempotent: unchanged files are skipped)."""
    settings = settings_for(store)
    targets = paths or [settings.seeds_dir]
    try:
        if if_missing and not rebuild and open_store(settings).count_chunks() > 0:
            console.print(f"Index present in {escape(str(settings.chroma_url or settings.store))}; nothing to do.")
            return
        embedder = lazy_embedder(settings)
        target_store = open_store(settings, embedder, reset=rebuild)
        with Progress(TextColumn("Embedding chunks"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, transient=True) as bar:
            task = bar.add_task("embed", total=None)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            report = ingest(targets, target_store, embedder, chunk_tokens=settings.chunk_tokens,
                            overlap=settings.chunk_overlap, limits=settings.limits(), progress=advance)
    except (StoreError, ValueError) as exc:
        raise fail(str(exc)) from exc
    print_ingest_report(report)
    if prepare and report.new_questions:
        try:
            prepare_references(grading_service(settings, embedder), report.new_questions)
        except (StoreError, ValueError) as exc:  # the index is built; only the first answers will be slower
            errors.print(f"[yellow]References not prepared: {escape(str(exc))}[/yellow] The index is complete; the "
                         "first answer to each new question embeds its reference once.", highlight=False)
    if not report.ok:
        raise typer.Exit(1)


def prepare_references(grading: GradingService, questions: list[Question]) -> None:
    """Prepare each question's reference for grading (its vectors are kept in the index), with a progress bar."""
    with Progress(TextColumn("Preparing references"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        for question in bar.track(questions):
            grading.prepare(question)


def print_ingest_report(report: IngestReport) -> None:
    table = Table(title="Ingest summary")
    for column in ("file", "status", "questions", "chunks", "detail"):
        table.add_column(column)
    for row in report.files:
        style = {"error": "red", "removed": "yellow"}.get(row.status, "")
        table.add_row(escape(Path(row.path).name), row.status, str(row.questions), str(row.chunks), escape(row.reason),
                      style=style)
    console.print(table)
    console.print(f"files: {len(report.files)}  questions: {report.total('questions')}  "
                  f"chunks: {report.total('chunks')}  errors: {len(report.errors)}  seconds: {report.seconds:.1f}")
    for row in report.errors:
        errors.print(f"[red]{escape(row.path)}[/red]: {escape(row.reason)}", highlight=False)


@app.command("questions")
def questions_command(
    company: Annotated[str | None, typer.Option(help="Filter by company (substring, any case).")] = None,
    role: Annotated[str | None, typer.Option(help="Filter by role.")] = None,
    category: Annotated[str | None, typer.Option(help="Filter by category or the bank's topic.")] = None,
    difficulty: Annotated[str | None, typer.Option(help="Filter by difficulty.")] = None,
    as_json: JsonOption = False,
    store: StoreOption = None,
) -> None:
    """List the indexed questions, optionally filtered."""
    try:
        wanted = QuestionFilter(company=company, role=role, category=category, difficulty=difficulty)
        found = [q for q in open_store(settings_for(store)).questions() if wanted.matches(q)]
    except StoreError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        payload = [q.model_dump(exclude={"sections", "reference_answer"}) for q in found]
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"{len(found)} questions")
    for column in ("id", "title", "company", "role", "category", "difficulty"):
        table.add_column(column, overflow="fold")
    for q in found:
        table.add_row(*(escape(v) for v in (q.id, q.title, q.company, q.role, q.category, q.difficulty)))
    console.print(table)


@app.command("search")
def search_command(
    text: Annotated[str, typer.Argument(help="What to look for, in plain words.")],
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="How many chunks to return.")] = 5,
    as_json: JsonOption = False,
    store: StoreOption = None,
) -> None:
    """Semantic search over the reference-answer chunks."""
    if not text.strip():
        raise fail("the search text is empty.")
    settings = settings_for(store)
    try:
        embedder = lazy_embedder(settings)
        hits = open_store(settings, embedder).search_chunks(embedder.embed([text])[0], k=k)
    except StoreError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        sys.stdout.write(json.dumps([h.model_dump(exclude={"chunk_id"}) for h in hits], indent=2,
                                    ensure_ascii=False) + "\n")
        return
    table = Table(title=f"Top {len(hits)} for “{escape(text)}”")
    for column in ("score", "question", "section", "text"):
        table.add_column(column, overflow="fold")
    for hit in hits:
        table.add_row(f"{hit.score:.3f}", escape(hit.title), escape(hit.section), escape(hit.text[:160]))
    console.print(table)



def _grade_table(grade: Grade) -> None:
    console.print(f"[bold]Overall {grade.overall}/100[/bold]  engine: {grade.engine}  rubric: {grade.rubric}"
                  + (f"  flags: {', '.join(grade.flags)}" if grade.flags else ""), highlight=False)
    table = Table(title="Rubric")
    for column in ("dimension", "score", "justification", "evidence"):
        table.add_column(column, overflow="fold")
    for d in grade.dimensions:
        table.add_row(escape(d.name), f"{d.score}/5", escape(d.justification), escape(" | ".join(d.evidence[:2])))
    console.print(table)
    for label, items in (("Covered", grade.covered), ("Missing", grade.missing)):
        for item in items:
            console.print(f"{label}: {escape(item.key_point[:100])}  [dim]↳ {escape(item.citation.question_id)}"
                          f" § {escape(item.citation.section)}[/dim]", highlight=False)
    for tip in grade.improvements:
        console.print(f"Improve: {escape(tip)}", highlight=False)


@app.command("grade")
def grade_command(
    question: Annotated[str | None, typer.Option("--question", help="Bank question id, or question text "
                                                 "(resolved to the closest bank question).")] = None,
    answer: Annotated[str | None, typer.Option("--answer", help="The answer text.")] = None,
    answer_file: Annotated[Path | None, typer.Option("--answer-file", help="Read the answer from a file.")] = None,
    reference: Annotated[str | None, typer.Option("--reference", help="Grade against this reference answer "
                                                  "instead of the indexed one.")] = None,
    batch: Annotated[Path | None, typer.Option("--batch", help="JSONL file: one {question, answer, reference?} "
                                               "per line.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Where --batch writes its JSONL grades "
                                             "(default: stdout).")] = None,
    as_json: JsonOption = False,
    store: StoreOption = None,
) -> None:
    """Grade one answer (or a JSONL batch) with the rubric, key-point coverage and citations."""
    settings = settings_for(store)
    if batch is not None:
        run_batch(settings, batch, out)
        return
    if question is None:
        raise fail("--question is required (or use --batch).", 2)
    if (answer is None) == (answer_file is None):
        raise fail("give exactly one of --answer or --answer-file.", 2)
    if answer_file is not None:
        try:
            answer = answer_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise fail(f"cannot read {answer_file}: {exc}", 2) from exc
    service = grading_service(settings)
    try:
        target = service.resolve(question, allow_adhoc=reference is not None)
        grade = service.grade(target, answer or "", reference_text=reference)
    except LimitExceeded as exc:
        raise fail(str(exc), 2) from exc
    except (QuestionNotFound, StoreError) as exc:
        raise fail(str(exc)) from exc
    if as_json:
        sys.stdout.write(grade.model_dump_json(indent=2) + "\n")
    else:
        console.print(f"[bold]{escape(target.title)}[/bold]", highlight=False)
        _grade_table(grade)


def run_batch(settings: Settings, batch: Path, out: Path | None) -> None:
    """Grade every line of a JSONL file; a bad line yields an error object and the rest still runs. A file with
    more lines than the batch limit is refused before anything is graded; each result is written as soon as it is
    graded, so a run that stops keeps every line graded before it."""
    try:
        lines = read_batch(batch, settings.limits())
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot read {batch}: {exc}", 2) from exc
    except LimitExceeded as exc:
        raise fail(str(exc), 2) from exc
    try:
        sink = out.open("w", encoding="utf-8") if out else sys.stdout
    except OSError as exc:
        raise fail(f"cannot write {out}: {exc.strerror or exc}", 2) from exc
    written = failed = 0
    try:
        for result in grade_lines(grading_service(settings), lines, progress_console=errors):
            sink.write(json.dumps(result, ensure_ascii=False) + "\n")
            sink.flush()
            written, failed = written + 1, failed + ("error" in result)
    except (StoreError, OSError) as exc:
        kept = f"; the {written} result(s) before it are in {out}" if out else ""
        raise fail(f"grading stopped after {written} line(s): {exc}{kept}") from exc
    finally:
        if out:
            sink.close()
    if out:
        console.print(f"Wrote {written} results to {escape(str(out))} ({failed} errors).", highlight=False)


def read_batch(path: Path, limits: Limits) -> list[str]:
    """The file's lines, read one at a time (a file over the limit is only counted, never held in memory)."""
    lines: list[str] = []
    count = 0
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            count += bool(line.strip())
            if count <= limits.batch_lines:
                lines.append(line.rstrip("\r\n"))
    limits.check_lines(count, path.name)
    return lines


app.command("practice")(practice)
app.command("report")(report)
app.command("variants")(variants)
app.add_typer(users, name="users")
