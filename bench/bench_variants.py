"""Question-variant benchmark: 5 grounded variants of each of 10 seed questions, gated with the real MiniLM.

Reports, per axis, how many variants passed the quality gates, the mean cosine to the parent, the time per variant
(generation plus gates: embedding and the bank near-duplicate search), and one sample variant per axis.

Run: .venv/bin/python -m bench.bench_variants [--store DIR]
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.eval_grader import seeded_grading_service
from bench.report import percentiles_ms, save
from bot.domain.models import Question
from bot.variants.models import AXES, AXIS_LABELS, GatedVariant
from bot.variants.service import VariantService

QUESTIONS = 10
PER_QUESTION = 5


def pick_questions(questions: list[Question]) -> list[Question]:
    """Every third seed question in index order (a spread over the five seed files), the first ten of them."""
    seeds = [q for q in questions if q.source_file[:3].isdigit()]  # the seed files are named 000_… to 004_…
    return seeds[::3][:QUESTIONS]


def run(service: VariantService, parents: list[Question]) -> dict[str, Any]:
    per_axis: dict[str, dict[str, Any]] = {a: {"generated": 0, "passed": 0, "cosines": [], "reasons": Counter()}
                                           for a in AXES}
    per_variant_seconds: list[float] = []
    passing: dict[str, list[tuple[int, str, GatedVariant]]] = {a: [] for a in AXES}
    for number, parent in enumerate(parents):
        started = time.perf_counter()
        result = service.generate(parent, PER_QUESTION, list(AXES), engine="grounded")
        made = result.kept + result.dropped
        per_variant_seconds.extend([(time.perf_counter() - started) / max(1, len(made))] * len(made))
        for gated in made:
            axis = per_axis[gated.variant.provenance.axis]
            axis["generated"] += 1
            axis["passed"] += gated.gate.passed
            axis["cosines"].append(gated.gate.parent_cosine)
            axis["reasons"].update(r.split(" (")[0] for r in gated.gate.reasons)
            if gated.gate.passed:
                passing[gated.variant.provenance.axis].append((number, parent.title, gated))
    samples = {axis: next((c for c in found if c[0] == index), found[0])  # a different parent for each axis
               for index, (axis, found) in enumerate(passing.items()) if found}
    generated = sum(a["generated"] for a in per_axis.values())
    return {
        "questions": len(parents), "variants_per_question": PER_QUESTION, "generated": generated,
        "passed": sum(a["passed"] for a in per_axis.values()),
        "mean_cosine_to_parent": round(statistics.mean(c for a in per_axis.values() for c in a["cosines"]), 3),
        "per_axis": {name: {"generated": a["generated"], "passed": a["passed"],
                            "mean_cosine_to_parent": round(statistics.mean(a["cosines"]), 3) if a["cosines"] else None,
                            "drop_reasons": dict(a["reasons"])} for name, a in per_axis.items()},
        "seconds_per_variant": {"mean_ms": round(statistics.mean(per_variant_seconds) * 1000, 1),
                                **percentiles_ms(per_variant_seconds)},
        "samples": {axis: {"parent": title, "question": g.variant.question,
                           "outline": [p.title for p in g.variant.outline][:4],
                           "cosine_to_parent": g.gate.parent_cosine}
                    for axis, (_, title, g) in samples.items()},
    }


def markdown(r: dict[str, Any]) -> str:
    rows = "\n".join(
        f"| {AXIS_LABELS[axis]} | {a['generated']} | {a['passed']} | {a['mean_cosine_to_parent']} | "
        f"{', '.join(f'{k} ×{v}' for k, v in a['drop_reasons'].items()) or '—'} |"
        for axis, a in r["per_axis"].items())
    samples = "\n".join(f"- **{AXIS_LABELS[axis]}** (from “{s['parent']}”, cosine {s['cosine_to_parent']:.2f}): "
                        f"{s['question']}" for axis, s in r["samples"].items())
    t = r["seconds_per_variant"]
    return f"""## Question variants

`python -m bench.bench_variants` — {r['variants_per_question']} grounded variants of each of {r['questions']} seed
questions (every third in index order), gated with the real all-MiniLM-L6-v2: novel (cosine to the parent and to
each kept sibling < 0.95), on topic (cosine to the parent ≥ 0.5), not a near-duplicate (≥ 0.95) of any bank question,
and well formed (no "e.g." cut in two, balanced brackets and quotes, a closing full stop or question mark, no doubled
word, no code in the outline).

| axis | generated | passed the gates | mean cosine to parent | drop reasons |
|---|---|---|---|---|
{rows}

**{r['passed']} of {r['generated']} passed**; mean cosine to the parent {r['mean_cosine_to_parent']}. Time per variant
(generation, embedding, gates and the bank search): mean {t['mean_ms']} ms, p50 {t['p50_ms']} ms, p95 {t['p95_ms']} ms.

One passing variant per axis:

{samples}
"""


def main() -> None:
    grading = seeded_grading_service(__doc__)
    grading.embedder.embed(["warm up"])  # load the model before timing anything
    service = VariantService(grading=grading, variants_dir=Path("seeds/variants"))  # never written here
    results = run(service, pick_questions(grading.store.questions()))
    text = markdown(results)
    save("70_variants", results, text)
    print(text)


if __name__ == "__main__":
    main()
