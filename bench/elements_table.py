"""Writes docs/elements.md: what the prompt parser finds in every seed question and in grounded variants of them
(parts, elements with their kind, examples and qualifiers, instructions and premises), for review by a reader.

Run: .venv/bin/python -m bench.elements_table
"""

from __future__ import annotations

from pathlib import Path

from bench.report import ROOT
from bot.domain.elements import PromptSpec
from bot.grading.prompt_elements import parse_prompt
from bot.ingest.loader import load_bank_file
from bot.variants.grounded import GroundedGenerator

DOC = ROOT / "docs" / "elements.md"
AXES = ["domain", "harder", "easier", "constraint", "format"]


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def table(spec: PromptSpec) -> list[str]:
    lines = ["| id | part | kind | asks for | examples / qualifier |", "|---|---|---|---|---|"]
    for e in spec.elements:
        part = spec.parts[e.part].title or (f"part {e.part + 1}" if len(spec.parts) > 1 else "")
        extra = "; ".join(x for x in (", ".join(e.examples), e.qualifier) if x)
        kind = f"{e.kind}{' (main)' if e.main else ''}{' (numbers)' if e.quantified else ''}"
        lines.append(f"| {e.id} | {_cell(part)} | {kind} | {_cell(e.text)} | {_cell(extra)} |")
    if spec.instructions:
        lines.append(f"\nInstructions (structure, not elements): {_cell(' '.join(spec.instructions))}")
    if spec.context:
        lines.append(f"\nPremises (ask for nothing): {_cell(' '.join(spec.context))}")
    return lines


def main() -> None:
    out = ["# What each prompt asks for", "",
           "Written by `bench/elements_table.py` (never by hand): the parts and elements `parse_prompt` finds in every "
           "seed question and in grounded variants of each (one per axis, seed 0). `kind` is what an answer "
           "sentence must do to show the element (`topic`: judged on its content). Behavioral questions are graded "
           "on these elements; other questions on their reference's sections, the sections that answer an element "
           "weighing more, and an element no section answers is a requirement of its own (judged by kind only for "
           "metrics, alternatives, risk_mitigation and assumptions, else on content).", ""]
    generator = GroundedGenerator()
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        for question in load_bank_file(Path(path)):
            out += [f"## {_cell(question.title)} (`{question.id}`, {question.category or 'general'})", "",
                    f"> {_cell(question.question)}", "", *table(parse_prompt(question.question)), ""]
            for variant in generator.generate(question, n=len(AXES), axes=AXES, seed=0):  # type: ignore[arg-type]
                out += [f"### Variant ({variant.provenance.axis})", "", f"> {_cell(variant.question)}", "",
                        *table(parse_prompt(variant.question)), ""]
    DOC.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
