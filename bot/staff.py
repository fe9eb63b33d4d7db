"""The recruiter and bank tools (question variants, bulk grading, bank uploads), for coaches and admins only.

A `StaffTools` can only be made for an actor who is staff, and each tool checks again, so a page that forgot to
hide a button still cannot run it for a candidate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.domain.access import Actor, require_staff
from bot.domain.limits import DEFAULT_LIMITS, Limits
from bot.domain.models import Question
from bot.grading.bulk import BulkRow, grade_bulk
from bot.grading.service import GradingService
from bot.ingest.pipeline import ProgressHook
from bot.ui.state import UploadOutcome
from bot.ui.uploads import Upload, ingest_uploads
from bot.variants.models import Axis, Variant
from bot.variants.service import GenerationResult, SaveOutcome, VariantService

VARIANTS = "Question variants"
BULK = "Bulk grading"
UPLOADS = "Adding question banks"


@dataclass
class StaffTools:
    """The tools, bound to the staff member using them; AccessDenied on construction for anyone else."""

    actor: Actor
    grading: GradingService
    variants: Callable[[], VariantService]  # built on first use (it may load an LLM client)

    def __post_init__(self) -> None:
        require_staff(self.actor, "The recruiter and bank tools")

    def generate_variants(self, parent: Question, count: int, axes: list[Axis], **options: Any) -> GenerationResult:
        require_staff(self.actor, VARIANTS)
        return self.variants().generate(parent, count, axes, **options)

    def save_variants(self, approved: list[Variant]) -> SaveOutcome:
        require_staff(self.actor, VARIANTS)
        return self.variants().save(approved)

    def grade_answers(self, rows: list[BulkRow],
                      progress: Callable[[int, int], None] | None = None) -> list[dict[str, Any]]:
        require_staff(self.actor, BULK)
        return grade_bulk(self.grading, rows, progress)

    def add_banks(self, uploads: list[Upload], *, limits: Limits = DEFAULT_LIMITS, chunk_tokens: int = 300,
                  overlap: int = 40, progress: ProgressHook | None = None) -> list[UploadOutcome]:
        require_staff(self.actor, UPLOADS)
        return ingest_uploads(uploads, self.grading.store, self.grading.embedder, limits=limits,
                              chunk_tokens=chunk_tokens, overlap=overlap, progress=progress)
