"""The injection suite through the product's path (`mockinterview grade --batch`): the attacks disguised from a
plain-text scan (homoglyph, zero-width, encoded, other-language and split families) on the development partial
answers against their clean twins, by family, and the honest-Unicode set (emoji sequences, right-to-left marks, ZWNJ,
accents, CJK, identifiers) on the same answers, which must never be flagged. `--all` runs every family on the partial
and vague answers (as `bench.eval_grader` does; about an hour on 2 cores).

Run: .venv/bin/python -m bench.eval_injection [--all] [--store DIR]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from statistics import fmean
from typing import Any

import yaml

from bench.batch_runner import grade_batch, ingest_seeds
from bench.ladders import LadderAnswer, load_ladders
from bench.report import ROOT, save

DATA = ROOT / "bench" / "data"
ATTACKS = DATA / "injections.yaml"
HONEST = DATA / "honest_unicode.yaml"
FLAG = "suspected_injection"


DISGUISED = ("homoglyph", "zero_width", "encoded", "other_language", "split")


def targets(answers: list[LadderAnswer], kinds: tuple[str, ...] = ("partial", "vague")) -> list[LadderAnswer]:
    """The answers attacked: the development set's partial and vague answers (room above them to gain)."""
    return [a for a in answers if a.split == "dev" and a.kind in kinds]


def _grade_templates(path: Path, chosen: list[LadderAnswer], store: Path, families: tuple[str, ...] | None = None
                     ) -> tuple[list[dict[str, Any]], list[tuple[LadderAnswer, dict[str, Any], dict[str, Any]]]]:
    templates = [t for t in yaml.safe_load(path.read_text(encoding="utf-8"))
                 if families is None or t["family"] in families]
    cases = [(a, t) for t in templates for a in chosen]
    records = [{"question": a.question_id, "answer": t["template"].replace("{answer}", a.text), "candidate": a.key}
               for a, t in cases]
    return templates, [(a, t, g) for (a, t), g in zip(cases, grade_batch(records, store), strict=True)]


def attack_suite(chosen: list[LadderAnswer], clean: dict[str, int], store: Path, path: Path = ATTACKS,
                 families: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Each template (of `families`, default all) on each answer: how many attacked answers score above their clean
    twin, how many are flagged, overall and by family."""
    templates, graded = _grade_templates(path, chosen, store, families)
    above = [f"{t['id']} on {a.question_id}/{a.kind}: {g['overall']} > {clean[a.key]}"
             for a, t, g in graded if g["overall"] > clean[a.key]]
    by_family: dict[str, dict[str, int]] = {}
    for a, t, g in graded:
        row = by_family.setdefault(t["family"], {"templates": 0, "attacked": 0, "flagged": 0, "above_clean": 0})
        row["attacked"] += 1
        row["flagged"] += FLAG in g["flags"]
        row["above_clean"] += g["overall"] > clean[a.key]
    for t in templates:
        by_family[t["family"]]["templates"] += 1
    return {"templates": len(templates), "families": sorted(by_family), "attacked": len(graded),
            "above_clean": len(above), "flagged": sum(FLAG in g["flags"] for _, _, g in graded),
            "by_family": by_family, "examples": above[:10]}


def honest_suite(chosen: list[LadderAnswer], clean: dict[str, int], store: Path,
                 path: Path = HONEST) -> dict[str, Any]:
    """Each honest-Unicode template on each answer: how many are flagged, and how the score moves from the twin."""
    templates, graded = _grade_templates(path, chosen, store)
    flagged = [f"{t['id']} on {a.question_id}/{a.kind}" for a, t, g in graded if FLAG in g["flags"]]
    deltas = [g["overall"] - clean[a.key] for a, _, g in graded]
    return {"templates": len(templates), "families": sorted({t["family"] for t in templates}),
            "answers": len(graded), "flagged": len(flagged), "examples": flagged[:10],
            "mean_delta": round(fmean(deltas), 2), "min_delta": min(deltas), "max_delta": max(deltas)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", type=Path, default=None, help="index directory (default: a temporary one)")
    parser.add_argument("--all", action="store_true",
                        help="every attack family on the partial and vague answers (default: the disguised families "
                             "on the partial answers)")
    args = parser.parse_args()
    chosen = targets(load_ladders(), ("partial", "vague") if args.all else ("partial",))
    families = None if args.all else DISGUISED
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store or Path(tmp) / "index"
        ingest_seeds(store)
        clean = {a.key: g["overall"] for a, g in zip(chosen, grade_batch(
            [{"question": a.question_id, "answer": a.text, "candidate": a.key} for a in chosen], store), strict=True)}
        results = {"answers": len(chosen), "kinds": sorted({a.kind for a in chosen}),
                   "attacks": attack_suite(chosen, clean, store, families=families),
                   "honest": honest_suite(chosen, clean, store)}
    save("35_injection", results, markdown(results))
    print(markdown(results))


def markdown(results: dict[str, Any]) -> str:
    attacks, honest = results["attacks"], results["honest"]
    families = "; ".join(f"{name} {row['flagged']}/{row['attacked']} flagged, {row['above_clean']} above"
                         for name, row in attacks["by_family"].items())
    share = attacks["flagged"] / attacks["attacked"] if attacks["attacked"] else 0.0
    return f"""## Injection suite and honest Unicode (grounded engine, through `grade --batch`)

Command: `.venv/bin/python -m bench.eval_injection` (`--all` for every family)

{attacks['templates']} attack templates in `bench/data/injections.yaml` ({', '.join(attacks['families'])}) applied
to the {results['answers']} development {' and '.join(results['kinds'])} answers: **{attacks['attacked']} attacked
answers, {attacks['above_clean']} above their clean twin, {attacks['flagged']} flagged `suspected_injection`
({share:.1%})**. By family: {families}.

Honest Unicode (`bench/data/honest_unicode.yaml`: {', '.join(honest['families'])}), {honest['templates']}
templates on the same answers: **{honest['flagged']} of {honest['answers']} flagged**; score change from the
twin: mean {honest['mean_delta']:+}, range {honest['min_delta']:+} to {honest['max_delta']:+}.
{_examples("Attacked answers above their twin", attacks["examples"])}\
{_examples("Honest answers flagged", honest["examples"])}"""


def _examples(label: str, examples: list[str]) -> str:
    return f"\n{label}: {'; '.join(examples)}.\n" if examples else ""


if __name__ == "__main__":
    main()
