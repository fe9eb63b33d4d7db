"""Variant service: resolve the parent, generate with the chosen engine, gate, save and ingest approved variants."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bot.domain.models import Question
from bot.grading.service import GradingService, QuestionNotFound
from bot.ingest.pipeline import IngestReport, ingest
from bot.variants.bank import SavedVariants, save_variants
from bot.variants.gates import apply_gates
from bot.variants.grounded import GroundedGenerator
from bot.variants.llm import LLMVariantGenerator
from bot.variants.models import AXES, Axis, GatedVariant, Variant

EngineChoice = Literal["auto", "grounded", "llm"]
MAX_VARIANTS = 20


@dataclass
class GenerationResult:
    """The variants that passed the gates, those dropped (with reasons), and notes from the engine."""

    parent: Question
    engine: str
    kept: list[GatedVariant] = field(default_factory=list)
    dropped: list[GatedVariant] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class SaveOutcome:
    """Where approved variants were written and what the ingest did with the file."""

    saved: SavedVariants
    report: IngestReport


@dataclass
class VariantService:
    """Everything variant generation needs, built once at the entry point."""

    grading: GradingService
    variants_dir: Path
    model: Any | None = None
    grounded: GroundedGenerator = field(default_factory=GroundedGenerator)
    chunk_tokens: int = 300
    overlap: int = 40

    def resolve(self, id_or_text: str) -> Question:
        """A bank question by id, else the closest bank question to the text; raises QuestionNotFound."""
        try:
            return self.grading.resolve(id_or_text)
        except QuestionNotFound as exc:
            raise QuestionNotFound(f"no bank question matches {id_or_text.strip()[:80]!r}; give a question id "
                                   "(`mockinterview questions` lists them) or text closer to one") from exc

    def generate(self, parent: Question, n: int = 5, axes: list[Axis] | None = None,
                 engine: EngineChoice = "auto", seed: int = 0) -> GenerationResult:
        """Generate `n` variants along `axes` and run the quality gates on them."""
        if not 1 <= n <= MAX_VARIANTS:
            raise ValueError(f"the number of variants must be between 1 and {MAX_VARIANTS}")
        if engine == "llm" and self.model is None:
            raise ValueError("the LLM engine needs a configured LLM (MOCKINTERVIEW_LLM, OPENAI_API_KEY or a base URL)")
        chosen = list(axes or AXES)
        started = time.perf_counter()
        notes: list[str] = []
        if self.model is not None and engine != "grounded":
            llm = LLMVariantGenerator(self.model, self.grounded)
            variants, notes = llm.generate(parent, self.grading.store.chunks_of(parent.id), n, chosen, seed)
            used = "llm"
        else:
            variants, used = self.grounded.generate(parent, n, chosen, seed), "grounded"
        if len(variants) < n:
            notes.append(f"only {len(variants)} distinct variant(s) could be generated along {', '.join(chosen)}")
        gated = apply_gates(parent, variants, self.grading.embedder, self.grading.store)
        return GenerationResult(parent=parent, engine=used, kept=[g for g in gated if g.gate.passed],
                                dropped=[g for g in gated if not g.gate.passed], notes=notes,
                                seconds=time.perf_counter() - started)

    def save(self, variants: list[Variant]) -> SaveOutcome:
        """Write approved variants to the variants bank and ingest that file, so they can be practised and graded."""
        saved = save_variants(variants, self.variants_dir)
        report = ingest([saved.path], self.grading.store, self.grading.embedder, chunk_tokens=self.chunk_tokens,
                        overlap=self.overlap)
        return SaveOutcome(saved=saved, report=report)
