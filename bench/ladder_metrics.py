"""Figures of merit of grades on the answer ladders: ordering, bands, gaming, wording robustness, requirement
detection (pure functions of the ladder answers and the grades the product gave them)."""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from typing import Any

from bench.ladders import GAMING, LEVELS, LadderAnswer

BANDS = {"excellent": (70, 100), "partial": (35, 65), "vague": (0, 30), "off_topic": (0, 10), "non_answer": (0, 10)}
GAMING_MAX = 30
ROBUSTNESS_MAX = 10


def _covered(grade: dict[str, Any]) -> set[str]:
    return {p["id"] for p in grade.get("covered", [])}


def ladder_metrics(answers: list[LadderAnswer], grades: list[dict[str, Any]],
                   categories: dict[str, str]) -> dict[str, Any]:
    """Every ladder figure for one split; `categories` maps question id → category."""
    by = {(a.question_id, a.kind): (a, g) for a, g in zip(answers, grades, strict=True)}
    score = {key: g["overall"] for key, (_, g) in by.items()}
    flags = {key: g.get("flags", []) for key, (_, g) in by.items()}
    questions = sorted({a.question_id for a in answers})
    pairs, failures = 0, []
    for qid in questions:
        for hi, lo in itertools.permutations(LEVELS, 2):
            if LEVELS[hi] <= LEVELS[lo] or (qid, hi) not in score or (qid, lo) not in score:
                continue
            pairs += 1
            if score[(qid, hi)] <= score[(qid, lo)]:
                failures.append(f"{qid} {categories[qid]}: {hi} {score[(qid, hi)]} ≤ {lo} {score[(qid, lo)]}")
    bands: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for (qid, kind), value in score.items():
        if kind in BANDS:
            bands[categories[qid]][kind].append(value)
    in_band = {cat: {kind: sum(BANDS[kind][0] <= v <= BANDS[kind][1] for v in values) for kind, values in kinds.items()}
               for cat, kinds in bands.items()}
    band_share = {cat: round(sum(in_band[cat].values()) / sum(len(v) for v in kinds.values()), 3)
                  for cat, kinds in bands.items()}
    gaming = []
    for qid in questions:
        for kind in GAMING:
            if (qid, kind) in score and (qid, "partial") in score:
                ok = score[(qid, kind)] <= GAMING_MAX and score[(qid, kind)] < score[(qid, "partial")]
                gaming.append((qid, kind, score[(qid, kind)], score[(qid, "partial")], ok))
    robust = [(qid, score[(qid, "excellent")], score[(qid, "excellent_echo")],
               "off_topic" in flags[(qid, "excellent")] or "off_topic" in flags[(qid, "excellent_echo")])
              for qid in questions if (qid, "excellent_echo") in score and (qid, "excellent") in score]
    kinds = sorted({k for _, k in score})
    return {
        "questions": len(questions), "pairs": pairs, "ordered": pairs - len(failures), "failures": failures,
        "mean_by_kind": {k: round(statistics.mean(v for (q, kk), v in score.items() if kk == k), 1) for k in kinds},
        "bands": {cat: {kind: f"{in_band[cat][kind]}/{len(values)}" for kind, values in kinds_.items()}
                  for cat, kinds_ in bands.items()},
        "band_share": band_share,
        "gaming_ok": sum(g[-1] for g in gaming), "gaming_n": len(gaming),
        "gaming_failures": [f"{q} {k} {s} (partial {p})" for q, k, s, p, ok in gaming if not ok],
        "keyword_list_flagged": sum("keyword_list" in flags[(q, "keywords")] for q in questions
                                    if (q, "keywords") in flags),
        "robust_ok": sum(abs(a - b) <= ROBUSTNESS_MAX and not off for _, a, b, off in robust), "robust_n": len(robust),
        "robust_failures": [f"{q}: {a} vs echo {b}{' off_topic' if off else ''}" for q, a, b, off in robust
                            if abs(a - b) > ROBUSTNESS_MAX or off],
        "off_topic_flagged": sum("off_topic" in flags[(q, "off_topic")] for q in questions
                                 if (q, "off_topic") in flags),
        "flagged_off_topic_elsewhere": sorted(f"{q}:{k}" for (q, k), f in flags.items()
                                              if "off_topic" in f and k != "off_topic"),
    }


def detection_metrics(answers: list[LadderAnswer], grades: list[dict[str, Any]], categories: dict[str, str],
                      elements: dict[str, set[str]]) -> dict[str, Any]:
    """Asked elements detected, against the writers' annotations: behavioral questions' elements on excellent and
    vague answers; reference sections on annotated design/analytics/product answers."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    sections: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, fn
    for answer, grade in zip(answers, grades, strict=True):
        got = _covered(grade)
        if categories[answer.question_id] == "behavioral":
            asked = elements[answer.question_id]
            if answer.kind in ("excellent", "excellent_echo", "partial"):
                wanted = asked & answer.covers
                counts[f"{answer.kind} annotated"][0] += len(wanted & got)
                counts[f"{answer.kind} annotated"][1] += len(wanted)
                counts[f"{answer.kind} not annotated"][0] += len((asked - answer.covers) & got)
                counts[f"{answer.kind} not annotated"][1] += len(asked - answer.covers)
            elif answer.kind in ("vague", "restated", "off_topic"):
                counts[answer.kind][0] += len(asked & got)
                counts[answer.kind][1] += len(asked)
        elif answer.sections is not None and answer.kind in ("excellent", "excellent_echo", "partial", "vague"):
            got_sections = {g for g in got if g.startswith("s")}
            cell = sections[answer.kind]
            cell[0] += len(got_sections & answer.sections)
            cell[1] += len(got_sections - answer.sections)
            cell[2] += len(answer.sections - got_sections)
    rate = {k: round(v[0] / v[1], 3) if v[1] else None for k, v in counts.items()}
    section_figures = {k: {"precision": round(tp / (tp + fp), 3) if tp + fp else None,
                           "recall": round(tp / (tp + fn), 3) if tp + fn else None} for k, (tp, fp, fn) in
                       sections.items()}
    return {"elements": {k: f"{v[0]}/{v[1]}" for k, v in counts.items()}, "element_rate": rate,
            "sections": section_figures}
