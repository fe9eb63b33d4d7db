"""Prompt templates are files with declared variables; rendering fails loudly on a missing or unknown one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "prompts" / "templates"
_FIELD = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_ROLE = re.compile(r"^(SYSTEM|USER|ASSISTANT):\s*$", re.M)


class PromptError(ValueError):
    """A template is malformed, or was rendered with missing or undeclared variables."""


@dataclass(frozen=True)
class PromptTemplate:
    """A chat prompt: declared variables and (role, text) parts with `{name}` fields."""

    name: str
    variables: tuple[str, ...]
    parts: tuple[tuple[str, str], ...]

    def render(self, **values: str) -> list[tuple[str, str]]:
        """(role, text) messages; values are inserted verbatim (never re-interpreted as template text)."""
        missing = set(self.variables) - set(values)
        extra = set(values) - set(self.variables)
        if missing or extra:
            raise PromptError(f"prompt {self.name!r}: missing {sorted(missing)}, undeclared {sorted(extra)}")
        return [(role.lower(), _FIELD.sub(lambda m: values[m.group(1)], text)) for role, text in self.parts]


@lru_cache(maxsize=32)
def load_prompt(name: str, directory: Path = TEMPLATE_DIR) -> PromptTemplate:
    """Load `<directory>/<name>.md`: YAML front matter with `variables`, then SYSTEM:/USER: sections."""
    path = directory / f"{name}.md"
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise PromptError(f"{path}: missing front matter declaring its variables")
    header, body = text[4:].split("\n---\n", 1)
    variables = tuple((yaml.safe_load(header) or {}).get("variables", []))
    used = set(_FIELD.findall(body))
    if used != set(variables):
        raise PromptError(f"{path}: declared {sorted(variables)} but uses {sorted(used)}")
    pieces = _ROLE.split(body)
    parts = tuple((pieces[i], pieces[i + 1].strip()) for i in range(1, len(pieces) - 1, 2))
    if not parts:
        raise PromptError(f"{path}: no SYSTEM:/USER: sections")
    return PromptTemplate(name=name, variables=variables, parts=parts)
