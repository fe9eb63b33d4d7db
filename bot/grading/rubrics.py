"""Loads the rubric YAML files in prompts/rubrics and picks the one for a question's category."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from bot.domain.grade import Rubric

RUBRIC_DIR = Path(__file__).resolve().parents[2] / "prompts" / "rubrics"
DEFAULT_RUBRIC = "general"


@lru_cache(maxsize=4)
def load_rubrics(directory: Path = RUBRIC_DIR) -> dict[str, Rubric]:
    """Every rubric in `directory`, by name; a malformed file is an error naming that file."""
    rubrics: dict[str, Rubric] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            rubric = Rubric.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except Exception as exc:
            raise ValueError(f"{path}: invalid rubric: {exc}") from exc
        rubrics[rubric.name] = rubric
    if DEFAULT_RUBRIC not in rubrics:
        raise ValueError(f"{directory}: the default rubric {DEFAULT_RUBRIC!r} is missing")
    return rubrics


def rubric_for(category: str, rubrics: dict[str, Rubric] | None = None) -> Rubric:
    """The rubric that applies to `category`, or the general one."""
    available = rubrics or load_rubrics()
    for rubric in available.values():
        if category in rubric.applies_to:
            return rubric
    return available[DEFAULT_RUBRIC]
