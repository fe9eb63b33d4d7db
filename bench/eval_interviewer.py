"""Interviewer benchmark: follow-up targeting, leaks, repeats and turn latency over every seed question.

Run: .venv/bin/python -m bench.eval_interviewer [--store DIR]
"""

from __future__ import annotations

import tempfile
import time
from typing import Any

import yaml

from bench.eval_grader import find_question, seeded_grading_service
from bench.report import ROOT, percentiles_ms, save
from bot.grading.text import content_tokens
from bot.interview.interviewer import Interviewer
from bot.interview.phrasing import shared_run
from bot.storage.repository import SessionRepository

DATA = ROOT / "bench" / "data" / "partial_answers.yaml"
SECOND_REPLY = "I'm not sure about that part."


def _norm(text: str) -> str:
    return " ".join(content_tokens(text))


def target_was_missing(section: str, covers: list[str]) -> bool:
    """The follow-up's cited section ("Parent — Child") is none of the sections the answer was written to cover."""
    parts = {_norm(part) for part in [section, *section.split(" — ")]}
    return not any(_norm(c) in parts for c in covers)


def run(interviewer: Interviewer) -> dict[str, Any]:
    items = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    questions = interviewer.grading.store.questions()
    follow_ups = missing = leaks = repeats = dimension_probes = 0
    latencies: list[float] = []
    wrong: list[str] = []
    for item in items:
        question = find_question(questions, item["source_file"], item["title"])
        sections = {p.key_point: p.citation.section for p in interviewer.grading.reference_for(question).points}
        session, _ = interviewer.start("bench", [question], depth=2)
        texts: list[str] = []
        interviewer.prepare(session.id)  # as the app does while the candidate reads the question (not timed)
        for reply in (item["answer"].strip(), SECOND_REPLY):
            started = time.perf_counter()
            turns = interviewer.respond(session.id, reply)
            latencies.append(time.perf_counter() - started)
            for turn in (t for t in turns if t.kind == "follow_up"):
                leaks += shared_run(turn.text, question.reference_answer, question=question.question) is not None
                repeats += turn.text in texts
                texts.append(turn.text)
                if turn.target_key_point not in sections:  # aimed at a weak rubric dimension, not a key point
                    dimension_probes += 1
                    continue
                follow_ups += 1
                section = sections[turn.target_key_point]
                if target_was_missing(section, item["covers"]):
                    missing += 1
                else:
                    wrong.append(f"{question.title[:50]} → {section}")
    return {"questions": len(items), "follow_ups": follow_ups, "target_missing": missing,
            "target_share": missing / follow_ups if follow_ups else 0.0, "leaks": leaks, "repeats": repeats,
            "dimension_probes": dimension_probes,
            "turn_latency": percentiles_ms(latencies), "turns": len(latencies), "off_target": wrong[:10]}


def markdown(r: dict[str, Any]) -> str:
    return f"""## Interviewer follow-ups (grounded engine)

Command: `.venv/bin/python -m bench.eval_interviewer`

Every seed question ({r['questions']}) answered with a partial answer written to cover 2–3 named sections
(`bench/data/partial_answers.yaml`), then "{SECOND_REPLY}" to the first follow-up; depth 2.

- Follow-ups aimed at key points: {r['follow_ups']} (plus {r['dimension_probes']} aimed at a weak rubric
  dimension); aimed at a key point the answer really missed:
  **{r['target_missing']}/{r['follow_ups']} ({100 * r['target_share']:.1f}%)**
- Leaks (a run of 8+ words shared with the reference answer): **{r['leaks']}**; repeated follow-ups:
  **{r['repeats']}**
- Turn latency after warm-up ({r['turns']} turns, grading and storage included): p50
  **{r['turn_latency']['p50_ms']} ms**, p95 **{r['turn_latency']['p95_ms']} ms**
"""


def main() -> None:
    grading = seeded_grading_service(__doc__)
    with tempfile.TemporaryDirectory() as tmp:
        interviewer = Interviewer(repo=SessionRepository(f"sqlite:///{tmp}/bench.db"), grading=grading)
        warm = interviewer.start("warm-up", grading.store.questions()[:1], depth=0)[0]
        interviewer.respond(warm.id, "warm-up answer about metrics and models")
        results = run(interviewer)
    save("40_interviewer", results, markdown(results))
    print(markdown(results))
    for line in results["off_target"]:
        print("off target:", line)


if __name__ == "__main__":
    main()
