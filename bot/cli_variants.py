"""`mockinterview variants`: question variants of one bank question, or of every question a filter selects."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bot.cli_output import console, errors, fail, settings_for
from bot.domain.filters import QuestionFilter
from bot.domain.models import Question
from bot.grading.service import QuestionNotFound
from bot.retrieval.store import StoreError
from bot.variants.bank import VariantSaveError
from bot.variants.models import AXIS_LABELS, UnknownAxis, parse_axes
from bot.variants.service import MAX_VARIANTS, GenerationResult, VariantService
from bot.wiring import variant_service


class Engine(StrEnum):
    auto = "auto"
    grounded = "grounded"
    llm = "llm"


def result_payload(result: GenerationResult) -> dict[str, Any]:
    """A generation result as JSON-ready data."""
    def item(gated: Any) -> dict[str, Any]:
        return {**gated.variant.model_dump(), "key_points": gated.variant.key_points,
                "gate": {**gated.gate.model_dump(), "passed": gated.gate.passed}}

    return {"parent_id": result.parent.id, "parent_title": result.parent.title, "engine": result.engine,
            "passed": len(result.kept), "dropped_count": len(result.dropped),
            "variants": [item(g) for g in result.kept], "dropped": [item(g) for g in result.dropped],
            "notes": result.notes, "seconds": round(result.seconds, 3)}


def print_result(result: GenerationResult) -> None:
    console.print(f"[bold]{escape(result.parent.title)}[/bold] [dim]({result.parent.id}, {result.engine} engine)"
                  "[/dim]", highlight=False)
    table = Table(show_lines=True, expand=True)
    for column in ("axis", "difficulty", "category", "cos parent"):
        table.add_column(column, overflow="fold", ratio=1)
    table.add_column("question", overflow="fold", ratio=5)
    for gated in result.kept:
        v = gated.variant
        table.add_row(AXIS_LABELS[v.provenance.axis], v.difficulty, v.category, f"{gated.gate.parent_cosine:.2f}",
                      escape(v.question))
    console.print(table)
    console.print(f"{len(result.kept)} passed the gates, {len(result.dropped)} dropped.")
    for gated in result.dropped:
        console.print(f"[yellow]Dropped[/yellow] ({AXIS_LABELS[gated.variant.provenance.axis]}): "
                      f"{escape('; '.join(gated.gate.reasons))}", highlight=False)
    for note in result.notes:
        console.print(f"[dim]Note: {escape(note)}[/dim]", highlight=False)


def _parents(service: VariantService, id_or_text: str | None, wanted: QuestionFilter,
             everything: bool) -> list[Question]:
    if id_or_text is not None:
        if wanted.as_dict() or everything:
            raise fail("give a question, or a filter/--all for batch mode, not both.", 2)
        return [service.resolve(id_or_text)]
    if not wanted.as_dict() and not everything:
        raise fail("give a question id or text, or select questions with --company/--role/--category/--difficulty "
                   "(or --all).", 2)
    found = [q for q in service.grading.store.questions() if wanted.matches(q)]
    if not found:
        raise fail(f"no indexed question matches {wanted.as_dict() or 'the index (is it empty?)'}.")
    return found


def variants(
    id_or_text: Annotated[str | None, typer.Argument(help="A bank question id, or text that matches one. Omit it "
                                                     "and use a filter or --all for batch mode.")] = None,
    count: Annotated[int, typer.Option("-n", "--count", min=1, max=MAX_VARIANTS, help="Variants per question.")] = 5,
    axis: Annotated[list[str] | None, typer.Option("--axis", help="Axis to vary; repeat it or separate with commas: "
                                                   "domain (alias company), harder, easier (both: difficulty), "
                                                   "constraint, format. Default: all five.")] = None,
    engine: Annotated[Engine, typer.Option(help="auto: the LLM when one is configured, else grounded.")] = Engine.auto,
    seed: Annotated[int, typer.Option(help="Seed of the grounded engine (same seed, same variants).")] = 0,
    company: Annotated[str | None, typer.Option(help="Batch: questions from this company.")] = None,
    role: Annotated[str | None, typer.Option(help="Batch: questions for this role.")] = None,
    category: Annotated[str | None, typer.Option(help="Batch: this category (or bank topic).")] = None,
    difficulty: Annotated[str | None, typer.Option(help="Batch: this difficulty.")] = None,
    everything: Annotated[bool, typer.Option("--all", help="Batch: every indexed question.")] = False,
    save: Annotated[bool, typer.Option("--save", help="Save the variants that pass the gates to the variants bank "
                                       "and ingest them.")] = False,
    out_dir: Annotated[Path | None, typer.Option("--dir", help="Variants bank folder (default: seeds/variants, or "
                                                 "MOCKINTERVIEW_VARIANTS_DIR).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    store: Annotated[Path | None, typer.Option("--store", envvar="MOCKINTERVIEW_STORE",
                                               help="Chroma index directory.")] = None,
) -> None:
    """Generate variants of bank questions along named axes, with quality gates; --save adds them to the bank."""
    try:
        axes = parse_axes(axis)
    except UnknownAxis as exc:
        raise fail(str(exc), 2) from exc
    settings = settings_for(store)
    if out_dir:
        settings = settings.model_copy(update={"variants_dir": out_dir})
    wanted = QuestionFilter(company=company, role=role, category=category, difficulty=difficulty)
    try:
        service = variant_service(settings)
        parents = _parents(service, id_or_text, wanted, everything)
        results = _generate(service, parents, count, axes, engine, seed, batch=id_or_text is None)
        saved = [_save(service, r, as_json) for r in results] if save else []
    except (QuestionNotFound, StoreError, ValueError) as exc:
        raise fail(str(exc)) from exc
    if as_json:
        payload = [result_payload(r) for r in results]
        for item, outcome in zip(payload, saved, strict=False):
            item["saved"] = outcome
        sys.stdout.write(json.dumps(payload if id_or_text is None else payload[0], indent=2, ensure_ascii=False)
                         + "\n")
        return
    for result in results:
        print_result(result)
    if len(results) > 1:
        console.print(f"[bold]{len(results)} questions: {sum(len(r.kept) for r in results)} variants passed the "
                      f"gates, {sum(len(r.dropped) for r in results)} dropped.[/bold]")


def _generate(service: VariantService, parents: list[Question], count: int, axes: list[Any], engine: Engine,
              seed: int, batch: bool) -> list[GenerationResult]:
    results = []
    with Progress(TextColumn("Generating variants"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=errors, transient=True, disable=not batch) as bar:
        task = bar.add_task("variants", total=len(parents))
        for parent in parents:
            results.append(service.generate(parent, count, axes, engine.value, seed))
            bar.advance(task)
    return results


def _save(service: VariantService, result: GenerationResult, quiet: bool) -> dict[str, Any] | None:
    if not result.kept:
        return None
    try:
        outcome = service.save([g.variant for g in result.kept])
    except VariantSaveError as exc:
        raise fail(str(exc)) from exc
    ids = [q.id for q in outcome.saved.questions]
    if not quiet:
        errors.print(f"Saved {outcome.saved.added} new variant(s) of {result.parent.id} to {outcome.saved.path} "
                     f"and ingested it ({len(outcome.report.errors)} errors).", highlight=False)
    return {"path": str(outcome.saved.path), "question_ids": ids, "added": outcome.saved.added,
            "ingest_errors": [e.reason for e in outcome.report.errors]}
