"""Where a grade's time goes: embedding the reference, embedding the answer, and the grading itself.

Through the product's grading service on the development ladders (the answers `bench.eval_grader` times): the first
answer on a question in a new process, its reference's vectors kept in the index by `ingest` (the default) or never
prepared (`ingest --no-prepare`: built and embedded while grading), and answers with the reference prepared.
`PYTHONPATH=. .venv/bin/python -m bench.profile_grade`
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from bench.batch_runner import ingest_seeds
from bench.eval_grader import forget_everything
from bench.ladders import LadderAnswer, load_ladders
from bench.report import percentiles_ms, save
from bot.retrieval.embedder import CachedEmbedder, Embedder, embedder_variant
from bot.settings import Settings
from bot.wiring import grading_service


@dataclass
class CountingEmbedder:
    """Wraps the model: how many texts, characters and seconds went to embedding since the last `reset`."""

    inner: Embedder
    texts: int = 0
    chars: int = 0
    seconds: float = 0.0
    name: str = field(init=False)
    dim: int = field(init=False)

    def __post_init__(self) -> None:
        self.name, self.dim = self.inner.name, self.inner.dim

    @property
    def variant(self) -> str:  # the vectors kept at ingest are found under the wrapped model's variant
        return embedder_variant(self.inner)

    def embed(self, texts: list[str]) -> np.ndarray:
        started = time.perf_counter()
        vectors = self.inner.embed(texts)
        self.seconds += time.perf_counter() - started
        self.texts += len(texts)
        self.chars += sum(map(len, texts))
        return vectors

    def reset(self) -> None:
        self.texts, self.chars, self.seconds = 0, 0, 0.0


def _phase(samples: list[tuple[float, float, int, int]]) -> dict[str, Any]:
    total, embedding, texts, chars = zip(*samples, strict=True)
    return {"grade": percentiles_ms(list(total)), "embedding": percentiles_ms(list(embedding)),
            "rest": percentiles_ms([t - e for t, e in zip(total, embedding, strict=True)]),
            "embedding_share": round(sum(embedding) / sum(total), 3),
            "texts_median": statistics.median(texts), "chars_median": statistics.median(chars), "n": len(samples)}


def profile(answers: list[LadderAnswer], store: Path) -> dict[str, Any]:
    service = grading_service(Settings(store=store))
    cached = service.embedder
    assert isinstance(cached, CachedEmbedder), "the product's service embeds through its cache"
    counter = CountingEmbedder(cached.inner)
    cached.inner = counter
    bank = {q.id: q for q in service.store.questions()}
    chosen = [a for a in answers if a.split == "dev" and a.kind in ("excellent", "partial", "vague")]
    service.grade(bank[chosen[0].question_id], "warm-up: load the model before timing")

    def timed(step: Callable[[], object]) -> tuple[float, float, int, int]:
        counter.reset()
        started = time.perf_counter()
        step()
        return time.perf_counter() - started, counter.seconds, counter.texts, counter.chars

    questions = sorted({a.question_id for a in chosen})
    excellent = {a.question_id: a for a in chosen if a.kind == "excellent"}
    forget_everything(service)
    kept = [timed(partial(service.grade, bank[q], excellent[q].text)) for q in questions]
    never_prepared = replace(service, memo=None)
    forget_everything(never_prepared)
    first = [timed(partial(never_prepared.grade, bank[q], excellent[q].text)) for q in questions]
    forget_everything(never_prepared)
    prepared_reference = [timed(partial(never_prepared.prepare, bank[q])) for q in questions]
    prepared = [timed(partial(never_prepared.grade, bank[a.question_id], a.text)) for a in chosen]
    return {"first_kept_at_ingest": _phase(kept), "first_on_new_question": _phase(first),
            "prepare_reference": _phase(prepared_reference), "prepared": _phase(prepared)}


def _row(label: str, p: dict[str, Any]) -> str:
    return (f"| {label} | {p['n']} | {p['grade']['p50_ms']} / {p['grade']['p95_ms']} | "
            f"{p['embedding']['p50_ms']} / {p['embedding']['p95_ms']} | "
            f"{p['rest']['p50_ms']} / {p['rest']['p95_ms']} | "
            f"{round(100 * p['embedding_share'])}% | {p['texts_median']:g} | {p['chars_median']:g} |")


def markdown(results: dict[str, Any]) -> str:
    return f"""## Where a grade's time goes

`PYTHONPATH=. .venv/bin/python -m bench.profile_grade`: the development ladders' excellent, partial and vague
answers through the product's grading service (MiniLM on the default runtime), the embedding model's calls timed
inside the service. "Rest" is the grade without its embedding calls: what a grade would cost if embedding were free;
"embedding" is its share of the time; texts and characters embedded per step are medians.

| step | n | time p50 / p95 ms | embedding p50 / p95 ms | rest p50 / p95 ms | embedding | texts | characters |
|---|---|---|---|---|---|---|---|
{_row("first answer in a new process, reference kept at ingest", results["first_kept_at_ingest"])}
{_row("first answer, reference never prepared", results["first_on_new_question"])}
{_row("preparing a reference (no answer)", results["prepare_reference"])}
{_row("answer, reference prepared", results["prepared"])}
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "index"
        ingest_seeds(store)
        results = profile(load_ladders(), store)
    save("31_grade_profile", results, markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
