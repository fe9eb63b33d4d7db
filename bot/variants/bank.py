"""Approved variants as a YAML bank file (the format the bank parser reads), verified by parsing it back."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.domain.models import Question, stable_id
from bot.ingest.loader import BankError, load_bank_file
from bot.variants.models import Variant


class VariantSaveError(ValueError):
    """The variants could not be written, or the written file does not read back as the same questions."""


@dataclass
class SavedVariants:
    """The bank file written, the questions parsed back from it, and how many of them are new."""

    path: Path
    questions: list[Question]
    added: int


def reference_text(variant: Variant) -> str:
    """The outline as a reference answer: one `Title:` heading per key point with its text as a bullet."""
    return "\n".join(f"{p.title.rstrip(':')}:\n- {p.text}" for p in variant.outline)


def variant_record(variant: Variant) -> dict[str, Any]:
    """One question object of the JSON/YAML bank format."""
    record: dict[str, Any] = {
        "title": variant.title, "question": variant.question, "category": variant.category,
        "difficulty": variant.difficulty, "company": variant.company, "role": variant.role,
        "source": variant.provenance.source(),
        "reference_answer": reference_text(variant),
        "sections": [{"title": p.title, "text": p.text} for p in variant.outline],
        "key_points": variant.key_points,
    }
    return {k: v for k, v in record.items() if v not in ("", [], None)}


def bank_file_name(variants: list[Variant]) -> str:
    parents = sorted({v.provenance.parent_id for v in variants})
    return f"variants-{parents[0]}.yaml" if len(parents) == 1 else f"variants-{stable_id(*parents, length=12)}.yaml"


def _existing(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise VariantSaveError(f"{path.name} exists but cannot be read: {exc}") from exc
    items = data.get("questions") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise VariantSaveError(f"{path.name} exists but is not a bank of questions")
    return [item for item in items if isinstance(item, dict)]


def save_variants(variants: list[Variant], directory: Path) -> SavedVariants:
    """Append the variants to `directory/variants-<parent>.yaml` (questions already there are kept once), then
    parse the file with the bank parser and check every variant reads back with its outline."""
    if not variants:
        raise VariantSaveError("no variants to save")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / bank_file_name(variants)
    records = _existing(path)
    known = {" ".join(str(r.get("question", "")).split()) for r in records}
    new = [variant_record(v) for v in variants if v.question not in known]
    records.extend(new)
    document = {"source": "question variants approved by a recruiter", "questions": records}
    try:
        path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8")
        questions = load_bank_file(path)
    except (OSError, BankError) as exc:
        raise VariantSaveError(f"cannot save {path.name}: {exc}") from exc
    by_text = {q.question: q for q in questions}
    for variant in variants:
        parsed = by_text.get(variant.question)
        if parsed is None or len(parsed.sections) != len(variant.outline):
            raise VariantSaveError(f"{path.name} does not read back the variant {variant.title!r} with its outline")
    return SavedVariants(path=path, questions=[by_text[v.question] for v in variants], added=len(new))
