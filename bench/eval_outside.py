"""Human-graded outside data and recruiter screening questions, graded through the product's own path
(`mockinterview grade --batch`, each line with its own `reference`): Mohler, SAF unseen questions, screening set.

Run: .venv/bin/python -m bench.eval_outside [--store DIR]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from bench.asag_data import SAF_LABELS, GradedAnswer, load_mohler, load_saf
from bench.batch_runner import grade_batch, ingest_seeds
from bench.report import ROOT, save

SCREENING = ROOT / "bench" / "data" / "screening.yaml"
# The product's bands, read as labels: excellent (≥ 70) Correct, good-but-partial (35–65) Partially correct, vague
# and below Incorrect; the gaps between the bands split at their midpoints.
CORRECT_AT, PARTIAL_AT = 68, 33


def _records(rows: list[GradedAnswer]) -> list[dict[str, Any]]:
    return [{"question": r.question, "answer": r.answer, "reference": r.reference, "candidate": str(i)}
            for i, r in enumerate(rows)]


def _pearson(x: list[float], y: list[float]) -> float:
    return float(np.corrcoef(np.asarray(x), np.asarray(y))[0, 1])


def _spearman(x: list[float], y: list[float]) -> float:
    def ranks(values: list[float]) -> np.ndarray:
        order = np.argsort(values, kind="stable")
        out = np.empty(len(values))
        out[order] = np.arange(len(values))
        for value in set(values):  # average ties
            same = [i for i, v in enumerate(values) if v == value]
            out[same] = out[same].mean()
        return out
    return _pearson(list(ranks(x)), list(ranks(y)))


def _label(overall: int) -> str:
    return SAF_LABELS[2] if overall >= CORRECT_AT else SAF_LABELS[1] if overall >= PARTIAL_AT else SAF_LABELS[0]


def human_graded(name: str, rows: list[GradedAnswer], grades: list[dict[str, Any]], scale: float) -> dict[str, Any]:
    ok = [(r, g) for r, g in zip(rows, grades, strict=True) if "overall" in g]
    overall = [float(g["overall"]) for _, g in ok]
    gold = [r.score / scale for r, _ in ok]
    flags = Counter(f for _, g in ok for f in g["flags"])
    out: dict[str, Any] = {"answers": len(rows), "graded": len(ok), "errors": len(rows) - len(ok),
                           "pearson": round(_pearson(overall, gold), 3), "spearman": round(_spearman(overall, gold), 3),
                           "flags": dict(flags.most_common())}
    if rows and rows[0].label:
        labels = [(r.label, _label(g["overall"])) for r, g in ok]
        f1s = []
        for label in SAF_LABELS:
            tp = sum(a == label and b == label for a, b in labels)
            fp = sum(a != label and b == label for a, b in labels)
            fn = sum(a == label and b != label for a, b in labels)
            f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
        out["macro_f1"] = round(float(np.mean(f1s)), 3)
        out["f1_by_label"] = dict(zip(SAF_LABELS, (round(f, 3) for f in f1s), strict=True))
    return out


def screening(store: Path) -> dict[str, Any]:
    items = yaml.safe_load(SCREENING.read_text(encoding="utf-8"))
    records, kinds = [], []
    for item in items:
        for kind, answer in item["answers"].items():
            records.append({"question": item["question"], "answer": answer, "reference": item["reference"]})
            kinds.append(kind)
    grades = grade_batch(records, store)
    by_kind: dict[str, list[int]] = defaultdict(list)
    off_topic: Counter[str] = Counter()
    for kind, grade in zip(kinds, grades, strict=True):
        by_kind[kind].append(grade["overall"])
        off_topic[kind] += "off_topic" in grade["flags"]
    order = ("correct", "correct_short", "correct_example", "partial", "wrong", "off_topic", "non_answer")
    per_question: dict[str, dict[str, int]] = defaultdict(dict)
    for kind, grade, record in zip(kinds, grades, records, strict=True):
        per_question[record["question"]][kind] = grade["overall"]
    correct_kinds = ("correct", "correct_short", "correct_example")
    ordered = sum(min(s[k] for k in correct_kinds) > s["partial"] > max(s["wrong"], s["off_topic"], s["non_answer"])
                  for s in per_question.values())
    return {"questions": len(items), "mean": {k: round(statistics.mean(by_kind[k]), 1) for k in order},
            "range": {k: [min(by_kind[k]), max(by_kind[k])] for k in order},
            "off_topic_flagged": {k: off_topic[k] for k in order},
            "correct_or_partial_flagged_off_topic": sum(off_topic[k] for k in (*correct_kinds, "partial")),
            "correct_or_partial_n": sum(len(by_kind[k]) for k in (*correct_kinds, "partial")),
            "ordered_questions": ordered}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", type=Path, default=None, help="index directory (default: a fresh temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store or Path(tmp) / "index"
        ingest_seeds(store)
        mohler = load_mohler()
        saf = load_saf("unseen_questions")
        results = {
            "mohler": human_graded("mohler", mohler, grade_batch(_records(mohler), store), 5.0),
            "saf_unseen_questions": human_graded("saf", saf, grade_batch(_records(saf), store), 1.0),
            "screening": screening(store),
        }
    save("32_outside", results, markdown(results))
    print(markdown(results))


def markdown(results: dict[str, Any]) -> str:
    m, saf, sc = results["mohler"], results["saf_unseen_questions"], results["screening"]
    means = ", ".join(f"{k} {v}" for k, v in sc["mean"].items())
    return f"""## Outside data through the product path

Command: `.venv/bin/python -m bench.eval_outside` — every answer goes through `mockinterview grade --batch` with
its own `reference` (the question text is the question; nothing is compared with the bank).

- **Mohler** (CS short answers, {m['graded']} answers of 81 questions, gold = mean of two graders 0–5): Pearson
  **r {m['pearson']:.3f}**, Spearman {m['spearman']:.3f} (human–human r 0.597; the content scorer alone, fitted on
  question folds, in the section above). Flags: {m['flags'] or 'none'}.
- **SAF unseen questions** ({saf['graded']} answers to 4 questions never used for fitting, gold 0–1):
  Pearson **r {saf['pearson']:.3f}**; labels from the product's bands (≥ {CORRECT_AT} Correct, ≥ {PARTIAL_AT}
  Partially correct, else Incorrect): **macro-F1 {saf['macro_f1']:.3f}** ({saf['f1_by_label']}). Flags:
  {saf['flags'] or 'none'}.
- **Recruiter screening questions** ({sc['questions']} short questions, each with the recruiter's one-to-three
  sentence reference, `bench/data/screening.yaml`): mean overall by answer kind — {means}. Correct or partial
  answers flagged `off_topic`: {sc['correct_or_partial_flagged_off_topic']}/{sc['correct_or_partial_n']};
  questions ordered correct (all three) > partial > wrong, off-topic and non-answer:
  {sc['ordered_questions']}/{sc['questions']}.
"""


if __name__ == "__main__":
    main()
