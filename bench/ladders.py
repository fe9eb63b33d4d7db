"""The answer ladders: answers of known quality to the seed questions, with the requirements each covers.

Files in bench/data/ladders/: `dev-*.yaml` (the development set, every seed question) and `holdout.yaml` (12
questions, another author, never used to tune the grader), each a list of {question_id, answers: {kind: {covers,
text}}}; `annotations-*.yaml` add, per question, the reference sections each answer covers (design, analytics and
product questions) and two gaming answers (`headings`, `keywords`) written from the reference's headings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench.report import ROOT

LADDERS = ROOT / "bench" / "data" / "ladders"
QUALITY = ("excellent", "partial", "vague", "off_topic", "non_answer")
GAMING = ("restated", "headings", "keywords")
LEVELS = {"excellent": 4, "partial": 3, "vague": 2, "off_topic": 1, "non_answer": 1}


@dataclass(frozen=True)
class LadderAnswer:
    """One answer: its question, kind (excellent, …, excellent_echo, restated, headings, keywords) and what it covers
    (element ids of the prompt, and section ids of the reference when annotated)."""

    split: str  # "dev" or "holdout"
    question_id: str
    kind: str
    text: str
    covers: frozenset[str] = field(default_factory=frozenset)
    sections: frozenset[str] | None = None  # None: not annotated

    @property
    def key(self) -> str:
        return f"{self.split}:{self.question_id}:{self.kind}"


def load_ladders(directory: Path = LADDERS) -> list[LadderAnswer]:
    annotations: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(directory.glob("annotations-*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            annotations[(item["split"], item["question_id"])] = item
    out: list[LadderAnswer] = []
    for path in sorted(directory.glob("*.yaml")):
        if path.stem.startswith("annotations"):
            continue
        split = "holdout" if path.stem == "holdout" else "dev"
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            qid = item["question_id"]
            notes = annotations.get((split, qid), {})
            sections = notes.get("sections_covered") or {}
            for kind, answer in item["answers"].items():
                covered = sections.get(kind)
                out.append(LadderAnswer(split, qid, kind, str(answer["text"]).strip(),
                                        frozenset(answer.get("covers") or []),
                                        frozenset(covered) if covered is not None else None))
            for kind, text in (notes.get("gaming") or {}).items():
                out.append(LadderAnswer(split, qid, kind, str(text).strip(), frozenset(), frozenset()))
    return out
