"""`mockinterview practice`: an interview in the terminal, or a scripted one that prints a JSON transcript."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel, Field, ValidationError
from rich.markup import escape

from bot.cli_input import abandon, keep_unsaved, read_answer
from bot.cli_output import console, errors, fail, settings_for
from bot.cli_users import acting_user
from bot.domain.access import LOCAL_USER, AccessDenied, Actor
from bot.domain.filters import QuestionFilter
from bot.domain.interview import Session, Turn
from bot.grading.service import QuestionNotFound
from bot.interview import listening
from bot.interview.interviewer import AnswerTooLong, InterviewError
from bot.interview.sessions import SessionService
from bot.retrieval.store import StoreError
from bot.storage.errors import StorageError
from bot.wiring import interviewer_for


class Script(BaseModel):
    """A scripted candidate: the question, then one message per interviewer turn."""

    question: str
    answers: list[str] = Field(min_length=1)
    depth: int = Field(default=2, ge=0, le=3)
    user: str = "scripted-candidate"


def transcript(session: Session, question_id: str, usage: tuple[int, float] = (0, 0.0),
               names: dict[str, str] | None = None) -> dict[str, Any]:
    """The session as JSON; a follow-up's target is named by `names` (target key → name) when given."""
    grade = session.grades.get(question_id)
    names = names or {}

    def turn(t: Turn) -> dict[str, Any]:
        item: dict[str, Any] = {"role": t.role, "kind": t.kind, "text": t.text}
        if t.target_key_point:
            item.update(target_id=t.target_key_point, target_key_point=names.get(t.target_key_point,
                                                                                 t.target_key_point))
        if t.role == "interviewer":
            item.update(engine=t.engine, prompt_tokens=t.prompt_tokens, completion_tokens=t.completion_tokens,
                        cost=round(t.cost, 6))
        return item

    return {"session_id": session.id, "question_id": question_id, "turns": [turn(t) for t in session.turns],
            "grade": grade.model_dump(mode="json") if grade else None,
            "usage": {"tokens": usage[0], "cost": round(usage[1], 6),
                      "prompt_tokens": sum(t.prompt_tokens for t in session.turns),
                      "completion_tokens": sum(t.completion_tokens for t in session.turns)}}


def run_script(sessions: SessionService, actor: Actor, script: Script) -> dict[str, Any]:
    """Play every scripted message as `actor`, finish, and return the JSON transcript. The local profile keeps it
    under the script's `user`; an account keeps it under its own name (a script naming another user is refused)."""
    owner = script.user if actor.local or "user" in script.model_fields_set else None
    session, _ = sessions.start_with(actor, [script.question], depth=script.depth, user=owner)
    for message in script.answers:
        if session.status == "finished":
            break
        sessions.answer(actor, session, message)
    finished = sessions.finish(actor, session.id)
    question_id = session.config.question_ids[0]
    grading = sessions.interviewer.grading
    names = listening.requirement_names(grading.reference_for(grading.resolve(question_id)))
    return transcript(finished, question_id, sessions.usage(actor, finished), names)


def show(turns: list[Turn]) -> None:
    for t in turns:
        colour = {"question": "bold cyan", "feedback": "green"}.get(t.kind, "cyan")
        console.print(f"[{colour}]Interviewer[/{colour}]: {escape(t.text)}\n")


def practice(
    company: Annotated[str | None, typer.Option(help="Only questions from this company.")] = None,
    role: Annotated[str | None, typer.Option(help="Only questions for this role.")] = None,
    category: Annotated[str | None, typer.Option(help="Only this category (or bank topic).")] = None,
    difficulty: Annotated[str | None, typer.Option(help="Only this difficulty.")] = None,
    topic: Annotated[str | None, typer.Option(help="Free-text topic, e.g. 'a fraud detection question'.")] = None,
    questions: Annotated[int, typer.Option("--questions", min=1, max=20, help="Questions in the session.")] = 3,
    depth: Annotated[int, typer.Option("--depth", min=0, max=3, help="Follow-ups per question (0–3).")] = 2,
    user: Annotated[str | None, typer.Option(
        help="Who you practise as: a name of the local profile (history is kept per name; default "
             f"{LOCAL_USER!r}), or your account when the deployment signs people in (its password comes from "
             "MOCKINTERVIEW_PASSWORD or is asked for).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue your latest unfinished session.")] = False,
    script: Annotated[Path | None, typer.Option("--script", help="Run a scripted candidate from a JSON file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="With --script: print the transcript as JSON.")] = False,
    store: Annotated[Path | None, typer.Option("--store", envvar="MOCKINTERVIEW_STORE",
                                               help="Chroma index directory.")] = None,
) -> None:
    """Practise an interview: questions from the bank, follow-ups on what you missed, a grade per question.

    Type each answer and press Enter; an empty line asks again, /finish ends the session, Ctrl-D leaves it for
    --resume. Answers of any length, and multi-line pastes, are read whole (the terminal is read through readline,
    not the kernel's 4,095-character line buffer). If an answer cannot be saved, it is written to a private file
    whose path is printed, and the command exits with code 1.
    """
    settings = settings_for(store)
    try:
        interviewer = interviewer_for(settings)
        sessions = SessionService.of(interviewer)
        actor = acting_user(settings, interviewer.repo, user)
        if script is not None:
            try:
                plan = Script.model_validate_json(script.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValidationError) as exc:
                raise fail(f"invalid script {script}: {exc}", 2) from exc
            result = run_script(sessions, actor, plan)
            if as_json:
                sys.stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
            else:
                show([Turn.model_validate({**t, "question_id": result["question_id"]}) for t in result["turns"]])
            return
        interactive(sessions, actor, QuestionFilter(company=company, role=role, category=category,
                                                    difficulty=difficulty), topic, questions, depth, resume)
    except (InterviewError, QuestionNotFound, StoreError, AccessDenied) as exc:
        raise fail(str(exc)) from exc
    except StorageError as exc:
        fail(str(exc))
        abandon(1)


def interactive(sessions: SessionService, actor: Actor, wanted: QuestionFilter, topic: str | None, count: int,
                depth: int, resume: bool) -> None:
    """The terminal interview; a storage failure keeps the answer being saved and exits at once (see `abandon`)."""
    session_id, pending = "", ""
    try:
        session = sessions.latest_active(actor) if resume else None
        if session:
            console.print(f"Resuming session {session.id}.\n")
            show([t for t in session.turns if t.role == "interviewer"][-1:])
            show(sessions.catch_up(actor, session.id))  # a reply lost to a failure mid-turn is given now
        else:
            session, opening = sessions.start(actor, wanted, count, topic, depth=depth)
            console.print(f"Session {session.id} · engine: {sessions.interviewer.phraser.engine} · type /finish to "
                          "stop.\n")
            show(opening)
        session_id = session.id
        while (session := sessions.open(actor, session_id)).status == "active":
            sessions.prepare(actor, session)  # the reference is embedded while the candidate reads the question
            text = read_answer(console)
            if text is None:
                console.print(f"Session {session_id} is kept; continue it with `mockinterview practice --resume "
                              f"--user {actor.user}`.", highlight=False)
                return
            if text.strip() == "/finish":
                break
            pending = text
            try:
                show(sessions.answer(actor, session_id, text))
            except AnswerTooLong as exc:  # the session goes on: nothing of it was stored
                errors.print(f"[red]Error:[/red] {escape(str(exc))}", highlight=False)
            pending = ""
        final = sessions.finish(actor, session_id)
    except StorageError as exc:
        errors.print(f"[red]Error:[/red] {escape(str(exc))}", highlight=False)
        if pending:
            kept = keep_unsaved(pending, session_id)
            if kept:
                errors.print(f"Your last answer was not saved; it is kept in {escape(str(kept))}", highlight=False)
            else:
                errors.print("Your last answer was not saved (nor could it be written to a file); here it is:\n"
                             + escape(pending), highlight=False)
        abandon(1)
    for question_id, grade in final.grades.items():
        console.print(f"{question_id}: {grade.overall}/100 ({grade.engine})")
    tokens, cost = sessions.usage(actor, final)
    if tokens:
        console.print(f"LLM usage: {tokens} tokens, estimated ${cost:.4f}")
    console.print(f"Report: mockinterview report {final.id}")
