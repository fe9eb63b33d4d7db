"""Ingest and search benchmark on the seed banks: cold/warm ingest, counts per file, search latency.

Run: .venv/bin/python -m bench.bench_ingest
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.report import ROOT, percentiles_ms, save
from bot.ingest.loader import discover, load_bank_file
from bot.ingest.splitter import split_question
from bot.retrieval.embedder import OnnxMiniLMEmbedder
from bot.retrieval.store import ChromaStore

QUERIES = [
    "how to handle class imbalance in fraud detection", "guardrail metrics for an A/B test", "demand forecasting "
    "with holidays and promotions", "customer lifetime value features", "tell me about a time you disagreed with "
    "leadership", "model drift monitoring and retraining", "cold start for recommendations", "price elasticity "
    "from observational data", "fairness across dialects for voice assistants", "stakeholder alignment with "
    "limited resources", "visual search embeddings", "AWS cost optimisation pricing", "data quality checks for POS "
    "data", "customer segmentation RFM", "content ROI attribution", "SHAP explanations for legal teams",
    "sequential testing and peeking", "inventory anomaly root cause", "healthcare regulatory strategy",
    "advertising bidding for small businesses",
]


def timed_cli(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot", *args], check=True, cwd=ROOT, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    seeds = ROOT / "seeds"
    per_file: Counter[str] = Counter()
    chunk_count = 0
    for path in discover([seeds]):
        questions = load_bank_file(path)
        per_file[path.name] = len(questions)
        chunk_count += sum(len(split_question(q)) for q in questions)
    with tempfile.TemporaryDirectory() as tmp:
        store_dir = Path(tmp) / "index"
        cold = timed_cli("ingest", str(seeds), "--store", str(store_dir))
        warm = timed_cli("ingest", str(seeds), "--store", str(store_dir))
        embedder = OnnxMiniLMEmbedder()
        store = ChromaStore.open(path=store_dir, embedder_name=embedder.name, dim=embedder.dim)
        embedder.embed(["warm up"])
        total, query_only = [], []
        for _ in range(5):
            for text in QUERIES:
                started = time.perf_counter()
                vector = embedder.embed([text])[0]
                middle = time.perf_counter()
                store.search_chunks(vector, k=5)
                done = time.perf_counter()
                total.append(done - started)
                query_only.append(done - middle)
    results: dict[str, Any] = {
        "questions_per_file": dict(sorted(per_file.items())), "questions": sum(per_file.values()),
        "chunks": chunk_count, "cold_ingest_s": round(cold, 2), "warm_reingest_s": round(warm, 2),
        "search_with_embedding": percentiles_ms(total), "search_store_only": percentiles_ms(query_only),
        "search_samples": len(total),
    }
    full, store_only = results["search_with_embedding"], results["search_store_only"]
    rows = "\n".join(f"| `{name}` | {count} |" for name, count in results["questions_per_file"].items())
    markdown = f"""## Ingest and search (seed banks)

Command: `.venv/bin/python -m bench.bench_ingest`

| seed file | questions |
|---|---|
{rows}
| **total** | **{results['questions']}** |

- Chunks (300 tokens max, section-aware): **{chunk_count}**
- Cold ingest of `seeds/` into an empty index, new process, model load included: **{cold:.1f} s**
- Warm re-ingest (nothing changed, nothing embedded, no model load): **{warm:.1f} s**
- Search latency over {len(total)} queries (k=5), query embedding included: p50 **{full['p50_ms']} ms**, \
p95 **{full['p95_ms']} ms**
- Search latency, Chroma query only: p50 {store_only['p50_ms']} ms, p95 {store_only['p95_ms']} ms
"""
    save("10_ingest", results, markdown)
    print(markdown)


if __name__ == "__main__":
    main()
