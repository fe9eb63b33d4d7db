"""Grader evaluation on interview data: answer ladders, injection suite, consistency and speed.

Run: .venv/bin/python -m bench.eval_grader [--store DIR]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench.report import ROOT, percentiles_ms, save
from bot.domain.models import Question
from bot.grading import alignment, coverage
from bot.grading.service import GradingService
from bot.ingest.pipeline import ingest
from bot.retrieval.embedder import CachedEmbedder
from bot.settings import Settings
from bot.wiring import grading_service

DATA = ROOT / "bench" / "data"
LEVELS = {"excellent": 4, "partial": 3, "vague": 2, "off_topic": 1, "non_answer": 1}


@dataclass
class LadderCase:
    question: Question
    kind: str
    answer: str


def find_question(questions: list[Question], source_file: str, title: str) -> Question:
    for q in questions:
        if q.source_file == source_file and title in (q.title, q.question):
            return q
    raise LookupError(f"ladder question not in the bank: {source_file} / {title}")


def ladder_cases(questions: list[Question]) -> list[LadderCase]:
    items = yaml.safe_load((DATA / "ladders.yaml").read_text(encoding="utf-8"))
    return [LadderCase(find_question(questions, item["source_file"], item["title"]), kind, answer.strip())
            for item in items for kind, answer in item["answers"].items()]


def evaluate_ladders(service: GradingService, cases: list[LadderCase]) -> dict[str, Any]:
    scores: dict[tuple[str, str], int] = {}
    flags: dict[tuple[str, str], list[str]] = {}
    for case in cases:
        grade = service.grade(case.question, case.answer)
        scores[(case.question.id, case.kind)] = grade.overall
        flags[(case.question.id, case.kind)] = grade.flags
    pairs = correct = 0
    failures = []
    for qid in {c.question.id for c in cases}:
        for a, b in itertools.combinations(LEVELS, 2):
            if LEVELS[a] == LEVELS[b]:
                continue
            hi, lo = (a, b) if LEVELS[a] > LEVELS[b] else (b, a)
            pairs += 1
            if scores[(qid, hi)] > scores[(qid, lo)]:
                correct += 1
            else:
                failures.append(f"{qid}: {hi} {scores[(qid, hi)]} ≤ {lo} {scores[(qid, lo)]}")
    by_kind = {k: [s for (_, kind), s in scores.items() if kind == k] for k in LEVELS}
    return {
        "questions": len({c.question.id for c in cases}), "pairs": pairs, "ordered": correct,
        "accuracy": correct / pairs if pairs else 0.0, "failures": failures,
        "mean_by_kind": {k: round(statistics.mean(v), 1) for k, v in by_kind.items() if v},
        "range_by_kind": {k: [min(v), max(v)] for k, v in by_kind.items() if v},
        "excellent_ge_70": sum(s >= 70 for s in by_kind["excellent"]), "excellent_n": len(by_kind["excellent"]),
        "fail_le_15": sum(s <= 15 for s in by_kind["off_topic"] + by_kind["non_answer"]),
        "fail_n": len(by_kind["off_topic"] + by_kind["non_answer"]),
        "off_topic_flagged": sum("off_topic" in flags[(q, "off_topic")] for q in {c.question.id for c in cases}),
    }


def evaluate_injections(service: GradingService, cases: list[LadderCase]) -> dict[str, Any]:
    templates = yaml.safe_load((DATA / "injections.yaml").read_text(encoding="utf-8"))
    attacked = above = flagged = 0
    worst: list[str] = []
    for case in (c for c in cases if c.kind in ("partial", "vague")):
        clean = service.grade(case.question, case.answer).overall
        for template in templates:
            grade = service.grade(case.question, template["template"].replace("{answer}", case.answer))
            attacked += 1
            flagged += "suspected_injection" in grade.flags
            if grade.overall > clean:
                above += 1
                worst.append(f"{template['id']} on {case.question.id}/{case.kind}: {grade.overall} > {clean}")
    families = sorted({t["family"] for t in templates})
    return {"templates": len(templates), "families": families, "attacked": attacked, "above_clean": above,
            "flagged": flagged, "examples": worst[:10]}


def evaluate_consistency_and_speed(service: GradingService, cases: list[LadderCase]) -> dict[str, Any]:
    repeats_identical = all(
        len({service.grade(c.question, c.answer).model_dump_json() for _ in range(5)}) == 1 for c in cases[:10]
    )
    forget_embeddings(service)  # time answers the grader has not seen, as in an interview
    for question in {c.question.id: c.question for c in cases}.values():
        service.prepare(question)  # the app embeds the reference while the candidate reads the question
    timings = []
    for case in cases:
        started = time.perf_counter()
        service.grade(case.question, case.answer)
        timings.append(time.perf_counter() - started)
    return {"identical_over_5_repeats": repeats_identical, "latency": percentiles_ms(timings),
            "throughput_per_s": round(len(timings) / sum(timings), 1), "n": len(timings)}


def forget_embeddings(service: GradingService) -> None:
    """Empty every vector cache (answers and references alike), so the next grades embed what they need afresh."""
    alignment._vector_cache.clear()
    coverage._reference_cache.clear()
    if isinstance(service.embedder, CachedEmbedder):
        service.embedder.clear()


def seeded_grading_service(description: str | None) -> GradingService:
    """The grading service for a benchmark (`--store DIR` to pick the index), with the seeds ingested."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--store", type=Path, default=None, help="index directory (default: settings)")
    args = parser.parse_args()
    settings = Settings()
    if args.store:
        settings = settings.model_copy(update={"store": args.store})
    service = grading_service(settings)
    ingest([ROOT / "seeds"], service.store, service.embedder)
    return service


def main() -> None:
    service = seeded_grading_service(__doc__)
    cases = ladder_cases(service.store.questions())
    service.grade(cases[0].question, cases[0].answer)  # load the model before timing anything
    results = {"ladders": evaluate_ladders(service, cases), "injection": evaluate_injections(service, cases),
               "consistency_speed": evaluate_consistency_and_speed(service, cases)}
    save("30_grader", results, markdown(results))
    print(markdown(results))


def markdown(results: dict[str, Any]) -> str:
    lad, inj, cs = results["ladders"], results["injection"], results["consistency_speed"]
    kinds = " | ".join(f"{k} {v} ({lad['range_by_kind'][k][0]}–{lad['range_by_kind'][k][1]})"
                       for k, v in lad["mean_by_kind"].items())
    return f"""## Grader on interview answers (grounded engine)

Command: `.venv/bin/python -m bench.eval_grader`

- **Answer ladders** ({lad['questions']} seed questions × excellent / partial / vague-but-fluent / off-topic /
  non-answer, data in `bench/data/ladders.yaml`): pairwise ordering **{lad['ordered']}/{lad['pairs']}
  ({100 * lad['accuracy']:.1f}%)** (off-topic and non-answer count as one level).
- Mean overall by kind (min–max): {kinds}.
- Excellent answers scoring ≥ 70: {lad['excellent_ge_70']}/{lad['excellent_n']}; off-topic and non-answers
  scoring ≤ 15: {lad['fail_le_15']}/{lad['fail_n']}; off-topic answers flagged `off_topic`:
  {lad['off_topic_flagged']}/{lad['questions']}.
- **Injection suite**: {inj['templates']} attack templates ({', '.join(inj['families'])}) applied to the partial and
  vague answers: {inj['attacked']} attacked answers, **{inj['above_clean']} scored above their clean twin**,
  {inj['flagged']} flagged `suspected_injection`.
- **Consistency**: 5 repeated grades identical: **{cs['identical_over_5_repeats']}**.
- **Speed** (after model load, {cs['n']} grades of answers not seen before, references embedded beforehand as
  the app does when it asks the question; retrieval included): p50 **{cs['latency']['p50_ms']} ms**,
  p95 **{cs['latency']['p95_ms']} ms**; {cs['throughput_per_s']} answers/s sequentially.
"""


if __name__ == "__main__":
    main()
