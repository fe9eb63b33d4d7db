"""Loaders for the short-answer grading sets: Mohler et al. 2011 (CSV) and Short Answer Feedback (SAF, XML)."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path("/work/shared/data/asag")
SAF_SPLITS = ("training", "unseen_answers", "unseen_questions")
SAF_LABELS = ("Incorrect", "Partially correct", "Correct")


@dataclass(frozen=True)
class GradedAnswer:
    """One student answer with its question, reference answer and gold score (`score` on the set's own scale)."""

    question_id: str
    question: str
    reference: str
    answer: str
    score: float
    label: str = ""  # SAF verification label; empty for Mohler


def load_mohler(path: Path | str = DATA_DIR / "mohler.csv") -> list[GradedAnswer]:
    """Mohler: 0–5 `score_avg` of two graders; the rows whose answer is the spreadsheet error `#NAME?` are dropped."""
    rows: list[GradedAnswer] = []
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            answer = row["student_answer"].strip()
            if answer == "#NAME?":
                continue
            rows.append(
                GradedAnswer(
                    question_id=row["id"].strip(),
                    question=row["question"].strip(),
                    reference=row["desired_answer"].strip(),
                    answer=answer,
                    score=float(row["score_avg"]),
                )
            )
    return rows


def _text(node: ET.Element | None) -> str:
    return " ".join((node.text or "").split()) if node is not None else ""


def _lines(node: ET.Element | None) -> str:
    """Element text with line breaks kept (they separate list items) and runs of blanks collapsed."""
    raw = (node.text or "") if node is not None else ""
    return "\n".join(" ".join(line.split()) for line in raw.strip().splitlines() if line.strip())


def load_saf(split: str, root: Path | str = DATA_DIR / "saf") -> list[GradedAnswer]:
    """One SAF (English) split: 0–1 `score` and the Correct / Partially correct / Incorrect label."""
    if split not in SAF_SPLITS:
        raise ValueError(f"unknown SAF split {split!r}; expected one of {SAF_SPLITS}")
    rows: list[GradedAnswer] = []
    for path in sorted(Path(root, split).glob("*.xml")):
        question = ET.parse(path).getroot()
        qid = question.get("id", path.stem)
        reference = "\n".join(_lines(ref) for ref in question.iter("referenceAnswer"))
        for item in question.iter("studentAnswer"):
            rows.append(
                GradedAnswer(
                    question_id=f"saf-{qid}",
                    question=_text(question.find("questionText")),
                    reference=reference,
                    answer=_lines(item.find("response")),
                    score=float(_text(item.find("score"))),
                    label=_text(item.find("verification_feedback")),
                )
            )
    return rows
