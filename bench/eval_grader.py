"""Grader evaluation on interview answers through the product's path (`mockinterview grade --batch`): the answer
ladders (development and held-out), requirement detection, wording robustness, the injection suite and
consistency; speed measured in-process with the grading service the command uses.

Run: .venv/bin/python -m bench.eval_grader [--store DIR]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.batch_runner import grade_batch, ingest_seeds
from bench.eval_injection import attack_suite, targets
from bench.ladder_metrics import detection_metrics, ladder_metrics
from bench.ladders import LadderAnswer, load_ladders
from bench.report import ROOT, percentiles_ms, save
from bot.domain.models import Question
from bot.grading import alignment, coverage
from bot.grading.prompt_elements import parse_prompt
from bot.grading.service import GradingService
from bot.ingest.pipeline import ingest
from bot.retrieval.embedder import CachedEmbedder
from bot.settings import Settings
from bot.wiring import grading_service

REPEATS = 5


def find_question(questions: list[Question], source_file: str, title: str) -> Question:
    for q in questions:
        if q.source_file == source_file and title in (q.title, q.question):
            return q
    raise LookupError(f"question not in the bank: {source_file} / {title}")


def _record(answer: LadderAnswer, text: str | None = None) -> dict[str, Any]:
    return {"question": answer.question_id, "answer": text if text is not None else answer.text,
            "candidate": answer.key}


def evaluate_ladders(answers: list[LadderAnswer], grades: list[dict[str, Any]],
                     bank: dict[str, Question]) -> dict[str, Any]:
    categories = {qid: q.category for qid, q in bank.items()}
    elements = {qid: {e.id for e in parse_prompt(q.question).elements} for qid, q in bank.items()}
    out = {}
    for split in ("dev", "holdout"):
        pairs = [(a, g) for a, g in zip(answers, grades, strict=True) if a.split == split]
        chosen, their = [a for a, _ in pairs], [g for _, g in pairs]
        out[split] = {**ladder_metrics(chosen, their, categories),
                      "detection": detection_metrics(chosen, their, categories, elements)}
    return out


def typed_without_full_stops(text: str) -> str:
    """The answer as typed in a hurry: sentence ends become commas, lower case, one paragraph."""
    return " ".join(re.sub(r"[.!?]+(\s|$)", r",\1", text).lower().split())


LEAD_INS = ["Um, ", "So, uh, ", "Yeah, so ", "I mean, ", "Okay so ", "", "", ""]
ASIDES = ["you know,", "like,", "basically,", "uh,"]


def spoken(text: str, seed: int) -> str:
    """The answer as spoken and transcribed: some sentences open with a hesitation or a discourse marker, some have
    a filler in the middle (a seeded draw: the same text every run)."""
    draw = random.Random(seed)
    out = []
    for sentence in re.split(r"(?<=[.!?])\s+", " ".join(text.split())):
        words = sentence.split()
        if len(words) > 8 and draw.random() < 0.4:
            words.insert(5, draw.choice(ASIDES))
        lead, sentence = draw.choice(LEAD_INS), " ".join(words)
        out.append(lead + (sentence[:1].lower() + sentence[1:] if lead else sentence))
    return " ".join(out)


def with_typos(text: str, seed: int, rate: float = 0.06) -> str:
    """The answer with typing slips in `rate` of its words of four letters or more: two letters swapped, one
    dropped or one doubled (a seeded draw)."""
    draw = random.Random(seed)

    def slip(match: re.Match[str]) -> str:
        word = match.group(0)
        if len(word) < 4 or draw.random() > rate:
            return word
        i, how = draw.randrange(1, len(word) - 1), draw.random()
        if how < 0.4:
            return word[:i] + word[i + 1] + word[i] + word[i + 2:]
        return word[:i] + word[i + 1:] if how < 0.7 else word[:i] + word[i] + word[i:]

    return re.sub(r"[A-Za-z]+", slip, text)


STYLES = {"typed without full stops": lambda text, _: typed_without_full_stops(text), "spoken": spoken,
          "with typos": with_typos}


def evaluate_informal(answers: list[LadderAnswer], grades: list[dict[str, Any]], bank: dict[str, Question],
                      store: Path) -> dict[str, Any]:
    """Every ladder answer again in each informal style: the ladder figures, and how far excellent and partial
    answers move from their written grade."""
    out: dict[str, Any] = {}
    for style, restyle in STYLES.items():
        restyled = grade_batch([_record(a, restyle(a.text, n)) for n, a in enumerate(answers)], store)
        out[style] = evaluate_ladders(answers, restyled, bank)
        for split, figures in out[style].items():
            moved = [(a.kind, g["overall"] - r["overall"]) for a, g, r in zip(answers, grades, restyled, strict=True)
                     if a.split == split and a.kind in ("excellent", "partial")]
            figures["moved"] = {kind: {"mean_drop": round(statistics.mean(d for k, d in moved if k == kind), 1),
                                       "dropped_over_10": sum(d > 10 for k, d in moved if k == kind),
                                       "n": sum(k == kind for k, _ in moved)} for kind in ("excellent", "partial")}
    return out


def evaluate_injections(answers: list[LadderAnswer], grades: list[dict[str, Any]], store: Path) -> dict[str, Any]:
    clean = {a.key: g["overall"] for a, g in zip(answers, grades, strict=True)}
    return attack_suite(targets(answers), clean, store)


def evaluate_consistency(answers: list[LadderAnswer], store: Path) -> dict[str, Any]:
    chosen = [a for a in answers if a.split == "dev" and a.kind in ("excellent", "partial")][:12]
    grades = grade_batch([_record(a) for a in chosen for _ in range(REPEATS)], store)
    groups = [grades[i * REPEATS:(i + 1) * REPEATS] for i in range(len(chosen))]
    same = sum(len({repr({k: v for k, v in g.items() if k != "line"}) for g in group}) == 1 for group in groups)
    return {"answers": len(chosen), "repeats": REPEATS, "identical": same}


def evaluate_speed(service: GradingService, answers: list[LadderAnswer], bank: dict[str, Question]) -> dict[str, Any]:
    """Grade latency of answers never seen, the reference prepared (as the app does while the candidate reads the
    question); and the first answer on a question in a new process, its reference's vectors kept in the index by
    `ingest` (the default) or never prepared (`ingest --no-prepare`: built and embedded while grading)."""
    chosen = [a for a in answers if a.split == "dev" and a.kind in ("excellent", "partial", "vague")]
    service.grade(bank[chosen[0].question_id], "warm-up: load the model before timing")
    first_answers = {a.question_id: a for a in chosen if a.kind == "excellent"}
    kept = time_first_answers(service, first_answers, bank)
    cold = time_first_answers(replace(service, memo=None), first_answers, bank)
    forget_everything(service)
    for qid in {a.question_id for a in chosen}:
        service.prepare(bank[qid])
    timings = []
    for answer in chosen:
        started = time.perf_counter()
        service.grade(bank[answer.question_id], answer.text)
        timings.append(time.perf_counter() - started)
    return {"prepared": percentiles_ms(timings), "n": len(timings),
            "throughput_per_s": round(len(timings) / sum(timings), 1),
            "first_kept_at_ingest": percentiles_ms(kept), "first_never_prepared": percentiles_ms(cold),
            "questions": len(kept)}


def time_first_answers(service: GradingService, answers: dict[str, LadderAnswer],
                       bank: dict[str, Question]) -> list[float]:
    """Seconds to grade each question's answer with every in-process cache emptied first, as in a new process."""
    forget_everything(service)
    timings = []
    for qid, answer in sorted(answers.items()):
        started = time.perf_counter()
        service.grade(bank[qid], answer.text)
        timings.append(time.perf_counter() - started)
    return timings


def forget_everything(service: GradingService) -> None:
    """Empty every cache of vectors and references, so the next grades build and embed what they need afresh."""
    alignment._vector_cache.clear()
    coverage.forget()
    service.forget_references()
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
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", type=Path, default=None, help="index directory (default: a temporary one)")
    args = parser.parse_args()
    answers = load_ladders()
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store or Path(tmp) / "index"
        ingest_seeds(store)
        grades = grade_batch([_record(a) for a in answers], store)
        service = grading_service(Settings(store=store))
        bank = {q.id: q for q in service.store.questions()}
        results = {"ladders": evaluate_ladders(answers, grades, bank),
                   "informal": evaluate_informal(answers, grades, bank, store),
                   "injection": evaluate_injections(answers, grades, store),
                   "consistency": evaluate_consistency(answers, store),
                   "speed": evaluate_speed(service, answers, bank)}
    save("30_grader", results, markdown(results))
    print(markdown(results))


def _split_lines(name: str, m: dict[str, Any]) -> str:
    d = m["detection"]
    rate = d["element_rate"]
    bands = "; ".join(f"{cat} {share:.0%}" for cat, share in m["band_share"].items())
    sections = d["sections"]
    sec = ", ".join(f"{k} P {v['precision']} / R {v['recall']}" for k, v in sections.items()
                    if k in ("excellent", "partial") and v["precision"] is not None)
    return f"""**{name}** ({m['questions']} questions): strict pairs ordered **{m['ordered']}/{m['pairs']}**;
answers in their band by category: {bands}; gaming answers (restated question, headings with filler, keyword
list) at most 30 and below the partial answer: **{m['gaming_ok']}/{m['gaming_n']}** (keyword lists flagged
`keyword_list`: {m['keyword_list_flagged']}); wording robustness (excellent vs. the same answer with the prompt's
phrases as signposts, |Δ| ≤ 10 and neither off-topic): **{m['robust_ok']}/{m['robust_n']}**; off-topic answers
flagged: {m['off_topic_flagged']}/{m['questions']}. Mean overall by kind: {m['mean_by_kind']}.
Asked elements detected on behavioral questions: excellent **{rate.get('excellent annotated')}**
({d['elements'].get('excellent annotated')}), excellent with signposts {rate.get('excellent_echo annotated')},
vague **{rate.get('vague')}** ({d['elements'].get('vague')}), restated {rate.get('restated')}. Reference sections
against the annotations (design, analytics, product): {sec}.
"""


INFORMAL_HEADER = ("| style | split | strict pairs ordered | gaming ≤ 30 and below partial | behavioral elements "
                   "detected, excellent | excellent: mean drop (drops > 10) | partial: mean drop (drops > 10) |\n"
                   "|---|---|---|---|---|---|---|\n")


def _informal_lines(informal: dict[str, Any]) -> str:
    rows = []
    for style, splits in informal.items():
        for split, m in splits.items():
            moved = m["moved"]
            rows.append(f"| {style} | {split} | {m['ordered']}/{m['pairs']} | {m['gaming_ok']}/{m['gaming_n']} | "
                        f"{m['detection']['element_rate'].get('excellent annotated')} | "
                        + " | ".join(f"{moved[k]['mean_drop']} ({moved[k]['dropped_over_10']}/{moved[k]['n']})"
                                     for k in ("excellent", "partial")) + " |")
    return """**Informal answers**: every ladder answer again, *typed without full stops* (sentence ends turned into
commas, lower case, one paragraph), *spoken* (sentences opened with "um", "so, uh", "I mean", fillers such as
"you know" inside) and *with typos* (6% of words of four letters or more with two letters swapped, one dropped or one
doubled), seeded, through `grade --batch`; drops are against the written answer's grade:

""" + INFORMAL_HEADER + "\n".join(rows) + "\n"


def markdown(results: dict[str, Any]) -> str:
    lad, inj, con, sp = results["ladders"], results["injection"], results["consistency"], results["speed"]
    failures = "; ".join(lad["dev"]["failures"][:6]) or "none"
    return f"""## Grader on interview answers (grounded engine, through `grade --batch`)

Command: `.venv/bin/python -m bench.eval_grader`

Answer ladders in `bench/data/ladders/` written in candidates' own words (their own stories and designs, never the
prompt's phrasing or the reference's headings as signposts): per question an excellent answer, the same answer with
the prompt's phrases as signposts, a good-but-partial, a vague, an off-topic and a non-answer, plus three gaming
answers. Bands: excellent ≥ 70, partial 35–65, vague ≤ 30, off-topic and non-answer ≤ 10.

{_split_lines("Development set", lad["dev"])}
{_split_lines("Held-out set (another author, never used to tune the grader)", lad["holdout"])}
Unordered development pairs: {failures}.

{_informal_lines(results["informal"])}

- **Injection suite**: {inj['templates']} templates ({', '.join(inj['families'])}) on the development partial and
  vague answers: {inj['attacked']} attacked answers, **{inj['above_clean']} above their clean twin**,
  {inj['flagged']} flagged `suspected_injection`.
- **Consistency**: {con['identical']}/{con['answers']} answers graded identically {con['repeats']} times.
- **Speed** (in-process, after model load): {sp['n']} answers never seen, reference prepared: p50
  **{sp['prepared']['p50_ms']} ms**, p95 **{sp['prepared']['p95_ms']} ms** ({sp['throughput_per_s']} answers/s);
  first answer on a question in a new process ({sp['questions']} questions), its reference's vectors kept in the
  index by `ingest` (the default): p50 {sp['first_kept_at_ingest']['p50_ms']} ms, p95
  **{sp['first_kept_at_ingest']['p95_ms']} ms**; never prepared (`ingest --no-prepare`, the reference built and
  embedded while grading): p50 {sp['first_never_prepared']['p50_ms']} ms, p95
  **{sp['first_never_prepared']['p95_ms']} ms**.
"""


if __name__ == "__main__":
    main()
