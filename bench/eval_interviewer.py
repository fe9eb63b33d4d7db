"""Interviewer benchmark on the answer ladders: follow-ups aimed at what the writer annotated as covered, follow-ups
that pick up the candidate's words, grammar, leaks, repeats, turn latency and storage round trips; writes two full
transcripts to docs/transcripts.md.

Run: .venv/bin/python -m bench.eval_interviewer [--store DIR]
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.eval_grader import seeded_grading_service
from bench.ladders import LadderAnswer, load_ladders
from bench.report import ROOT, percentiles_ms, save
from bot.domain.interview import Session
from bot.grading.text import content_tokens, stem
from bot.interview.interviewer import Interviewer
from bot.interview.phrasing import REASONS, grammar_defects, shared_run
from bot.storage.repository import SessionRepository

SECOND_REPLY = "I would keep the rest of the approach as I described it."
TRANSCRIPTS = ROOT / "docs" / "transcripts.md"
COUNTED = ("load", "append_turn", "record", "save_grade", "set_status", "add_usage")


class CallCounter:
    """Counts the repository's storage calls (each is one round trip to the database)."""

    def __init__(self, repo: SessionRepository) -> None:
        self.calls: Counter[str] = Counter()
        for name in COUNTED:
            original = getattr(repo, name)
            setattr(repo, name, self._counted(name, original))

    def _counted(self, name: str, original: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return original(*args, **kwargs)
        return call


def acknowledges(text: str, answer: str, question: str) -> bool:
    """The follow-up's opening picks up a content word the candidate used that the question did not."""
    opening = text
    for reason in REASONS:
        opening = opening.split(reason)[0]
    opening = opening.split("?")[0] if opening == text else opening
    said = {stem(t) for t in content_tokens(answer)} - {stem(t) for t in content_tokens(question)}
    return bool({stem(t) for t in content_tokens(opening)} & said)


def run(interviewer: Interviewer, answers: list[LadderAnswer]) -> dict[str, Any]:
    bank = {q.id: q for q in interviewer.grading.store.questions()}
    counter = CallCounter(interviewer.repo)
    stats: Counter[str] = Counter()
    wrong: list[str] = []
    defects: list[str] = []
    silent: list[str] = []
    latencies: list[float] = []
    per_turn: list[int] = []
    transcripts: dict[str, Session] = {}
    for answer in answers:
        question = bank[answer.question_id]
        covered = set(answer.covers) | set(answer.sections or ())
        session, _ = interviewer.start("bench", [question], depth=2)
        interviewer.prepare(session.id)  # as the app does while the candidate reads the question (not timed)
        texts: list[str] = []
        for reply in (answer.text, SECOND_REPLY):
            before = sum(counter.calls.values())
            started = time.perf_counter()
            turns = interviewer.respond(session.id, reply)
            latencies.append(time.perf_counter() - started)
            per_turn.append(sum(counter.calls.values()) - before)
            for turn in (t for t in turns if t.kind == "follow_up"):
                stats["follow_ups"] += 1
                leak = shared_run(turn.text, question.reference_answer, question=question.question)
                stats["leaks"] += leak is not None
                stats["repeats"] += turn.text in texts
                texts.append(turn.text)
                problems = grammar_defects(turn.text)
                stats["grammar_defects"] += bool(problems)
                if problems:
                    defects.append(f"{problems}: {turn.text}")
                if acknowledges(turn.text, answer.text, question.question):
                    stats["acknowledged"] += 1
                else:
                    silent.append(turn.text)
                target = turn.target_key_point or ""
                if target.startswith(("e", "s", "k")) and target[1:].isdigit():
                    stats["aimed_at_requirement"] += 1
                    if target in covered:
                        stats["aimed_at_covered"] += 1
                        wrong.append(f"{answer.split}/{answer.question_id}/{answer.kind}: {target} — {turn.text}")
            if interviewer.repo.load(session.id).status == "finished":
                break
        if answer.kind == "excellent" and answer.split == "dev":
            kind = "behavioral" if question.category == "behavioral" else "design"
            transcripts.setdefault(kind, interviewer.finish(session.id))
    return {"answers": len(answers), **dict(stats), "aimed_at_covered_examples": wrong[:12],
            "grammar_examples": defects[:6], "unacknowledged_examples": silent[:8],
            "latency": percentiles_ms(latencies),
            "round_trips_per_turn": {"max": max(per_turn), "mean": round(sum(per_turn) / len(per_turn), 2)},
            "transcripts": {k: v.model_dump(mode="json") for k, v in transcripts.items()}}


def write_transcripts(results: dict[str, Any], bank_titles: dict[str, str]) -> None:
    parts = ["# Two scripted interviews, as the candidate sees them", "",
             "Written by `bench/eval_interviewer.py` (grounded engine, depth 2): the development ladder's excellent "
             "answer as the first message, then a neutral second reply.", ""]
    for kind, data in sorted(results["transcripts"].items()):
        session = Session.model_validate(data)
        parts += [f"## A {kind} question: {bank_titles.get(session.config.question_ids[0], '')}", ""]
        for turn in session.turns:
            who = "Interviewer" if turn.role == "interviewer" else "Candidate"
            parts += [f"**{who}** ({turn.kind}):", "", *[f"> {line}" if line else ">" for line in
                                                         turn.text.splitlines()], ""]
    TRANSCRIPTS.write_text("\n".join(parts) + "\n", encoding="utf-8")


def main() -> None:
    grading = seeded_grading_service(__doc__)
    with tempfile.TemporaryDirectory() as tmp:
        interviewer = Interviewer(repo=SessionRepository(f"sqlite:///{Path(tmp) / 'bench.db'}"), grading=grading)
        answers = [a for a in load_ladders() if a.kind in ("excellent", "partial")]
        results = run(interviewer, answers)
        interviewer.repo.close()
    write_transcripts(results, {q.id: q.title for q in grading.store.questions()})
    results.pop("transcripts")
    save("40_interviewer", results, markdown(results))
    print(markdown(results))


def markdown(results: dict[str, Any]) -> str:
    n = results.get("follow_ups", 0)
    aimed = results.get("aimed_at_requirement", 0)
    return f"""## Interviewer follow-ups

Command: `.venv/bin/python -m bench.eval_interviewer`

Every excellent and good-but-partial answer of the ladders (development and held-out, {results['answers']}
sessions, grounded engine, depth 2): the answer, then "{SECOND_REPLY}". Targets are checked against what the
writers annotated each answer as covering (elements of the prompt, sections of the reference).

- Follow-ups: {n}; aimed at a requirement {aimed}, of which aimed at one the answer **covered:
  {results.get('aimed_at_covered', 0)}** ({', '.join(results['aimed_at_covered_examples'][:4]) or 'none'}); the
  rest go deeper into what the candidate said.
- Follow-ups that pick up a word of the candidate's answer: **{results.get('acknowledged', 0)}/{n}**.
- Grammar defects (doubled words or punctuation, pasted fragments, a "?" before the end, no capital):
  **{results.get('grammar_defects', 0)}**; leaks (8-word run shared with the reference): **{results.get('leaks', 0)}**;
  repeats: **{results.get('repeats', 0)}**.
- Turn latency (grade + decision + storage, reference prepared): p50 **{results['latency']['p50_ms']} ms**,
  p95 **{results['latency']['p95_ms']} ms**. Storage round trips per turn: at most
  {results['round_trips_per_turn']['max']} (mean {results['round_trips_per_turn']['mean']}).
- Two full transcripts: [docs/transcripts.md](transcripts.md).
"""


if __name__ == "__main__":
    main()
