"""A large bank: ingest throughput, peak memory and index size; search and grade latency at 10,000 questions
(embedded Chroma vs a Chroma server); retrieval latency at 100,000 chunks with query embedding timed apart.

Run: .venv/bin/python -m bench.bench_scale [--questions 10000] [--retrieval-chunks 100000]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bench.report import directory_bytes, percentiles_ms, save
from bench.synthetic_bank import question, write_banks
from bot.domain.models import Chunk, Question
from bot.grading.grounded import GroundedGrader
from bot.grading.service import GradingService
from bot.ingest.loader import load_bank_file
from bot.ingest.pipeline import chunk_embedding_text, ingest
from bot.ingest.splitter import split_question
from bot.retrieval.embedder import CachedEmbedder, Embedder, OnnxMiniLMEmbedder
from bot.retrieval.store import ChromaStore
from tests.integration.servers import ChromaServer

QUERIES = ["how to handle class imbalance in fraud screening", "A/B test power for a small lift in conversion",
           "metric dropped week over week, how to investigate", "cold start for new items in recommendations",
           "sample ratio mismatch in an experiment", "explain model decisions to regulators",
           "a time I disagreed with a stakeholder", "forecast inventory with holiday seasonality"]
ANSWER = ("I would frame the goal around the primary metric and a guardrail, start with a simple baseline, then use "
          "class weights and threshold tuning on the precision-recall curve, validate on a time-based split and "
          "monitor drift weekly. The main risks are novelty effects and leakage from post-event features.")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def search_one(store: ChromaStore, vectors: np.ndarray, i: int) -> object:
    return store.search_chunks(vectors[i])


def timed(samples: int, call: Callable[[int], Any]) -> list[float]:
    out = []
    for i in range(samples):
        began = time.perf_counter()
        call(i)
        out.append(time.perf_counter() - began)
    return out


def real_ingest(paths: list[Path], store: ChromaStore, embedder: Embedder) -> dict[str, Any]:
    with Progress(TextColumn("Embedding chunks"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as bar:
        task = bar.add_task("embed", total=None)
        report = ingest(paths, store, embedder, progress=lambda done, total: bar.update(task, completed=done,
                                                                                       total=total))
    chunks, questions = report.total("chunks"), report.total("questions")
    return {"questions": questions, "chunks": chunks, "seconds": round(report.seconds, 1),
            "chunks_per_s": round(chunks / report.seconds, 1),
            "texts_per_s": round((chunks + questions) / report.seconds, 1)}


def latencies(store: ChromaStore, model: Embedder, graded: list[Question], samples: int) -> dict[str, Any]:
    """Search and grade latency with a cold embedding cache; references prepared first, as while a candidate reads."""
    embedder = CachedEmbedder(model)
    service = GradingService(store=store, embedder=embedder, grounded=GroundedGrader(embedder))
    for item in graded:
        service.prepare(item)
    search = timed(samples, lambda i: store.search_chunks(embedder.embed([f"{QUERIES[i % len(QUERIES)]} {i}"])[0]))
    grade = timed(samples, lambda i: service.grade(graded[(i + 1) % len(graded)], f"{ANSWER} ({i})"))
    return {"search_with_embedding": percentiles_ms(search), "grade": percentiles_ms(grade)}


def retrieval_store(path: Path, count: int, embedder: Embedder) -> ChromaStore:
    """`count` chunks of generated text, embedded by the model and added directly through the store port."""
    store = ChromaStore.open(path=path, name="retrieval", embedder_name=embedder.name, dim=embedder.dim)
    index = added = 0
    with Progress(TextColumn("Adding chunks"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as bar:
        task = bar.add_task("add", total=count)
        while added < count:
            chunks: list[Chunk] = []
            while len(chunks) < min(4000, count - added):
                item = question(index, seed=11)
                chunks += split_question(Question(id=f"r{index}", source_file="retrieval.json", **item))
                index += 1
            chunks = chunks[:count - added]
            vectors = embedder.embed([chunk_embedding_text(c) for c in chunks])
            store.upsert([], chunks, np.zeros((0, embedder.dim)), vectors, "retrieval.json", "-")
            added += len(chunks)
            bar.update(task, completed=added)
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=10_000, help="synthetic bank size (default 10000)")
    parser.add_argument("--retrieval-chunks", type=int, default=100_000, help="chunks for the retrieval test")
    parser.add_argument("--samples", type=int, default=40, help="timed calls per latency figure (default 40)")
    parser.add_argument("--work", type=Path, default=None, help="working directory (default: a temp dir)")
    parser.add_argument("--no-server", action="store_true", help="skip the Chroma server measurements")
    parser.add_argument("--no-save", action="store_true", help="print only; do not write bench/results")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    rng = random.Random(5)

    paths = write_banks(work / "banks", args.questions)
    results: dict[str, Any] = {"bank_questions": args.questions, "bank_files": len(paths),
                               "bank_bytes": sum(p.stat().st_size for p in paths)}
    model = OnnxMiniLMEmbedder()
    results["precision"] = "int8 on ONNX Runtime"
    embedder = CachedEmbedder(model)
    embedder.embed(["warm up"])
    index = work / "index"
    store = ChromaStore.open(path=index, embedder_name=embedder.name, dim=embedder.dim)
    print(f"Ingest of {len(paths)} file(s) …", flush=True)
    rss_before = peak_rss_mb()
    results["ingest"] = {**real_ingest(paths, store, embedder), "peak_rss_mb": round(peak_rss_mb(), 0),
                         "peak_rss_before_mb": round(rss_before, 0), "index_bytes": directory_bytes(index)}
    print(results["ingest"], flush=True)

    results["full_index"] = {"questions": len(store.questions()), "chunks": store.count_chunks(),
                             "index_bytes": directory_bytes(index)}
    graded = rng.sample(load_bank_file(paths[0]), 10)
    graded = [store.question(q.id) or q for q in graded]
    results["at_10k"] = {"embedded": latencies(store, model, graded, args.samples)}
    print(results["at_10k"], flush=True)

    retrieval_dir = work / "retrieval"
    retrieval = retrieval_store(retrieval_dir, args.retrieval_chunks, embedder)
    query_vectors = embedder.embed([f"{q} {i}" for i, q in enumerate(QUERIES * 25)])
    embed_times = timed(args.samples, lambda i: model.embed([f"{QUERIES[i % len(QUERIES)]} #{i}"]))
    results["retrieval"] = {"chunks": retrieval.count_chunks(), "index_bytes": directory_bytes(retrieval_dir),
                            "query_embedding": percentiles_ms(embed_times),
                            "embedded": percentiles_ms(timed(len(query_vectors),
                                                             lambda i: retrieval.search_chunks(query_vectors[i])))}
    print(results["retrieval"], flush=True)

    if not args.no_server:
        for name, source in (("at_10k", index), ("retrieval", retrieval_dir)):
            copy = work / f"server-{name}"
            shutil.copytree(source, copy)
            server = ChromaServer(copy)
            server.start()
            try:
                if name == "at_10k":
                    remote = ChromaStore.open(url=server.url, embedder_name=embedder.name, dim=embedder.dim)
                    results[name]["server"] = latencies(remote, model, graded, args.samples)
                else:
                    remote = ChromaStore.open(url=server.url, name="retrieval", embedder_name=embedder.name,
                                              dim=embedder.dim)
                    results[name]["server"] = percentiles_ms(
                        timed(len(query_vectors), partial(search_one, remote, query_vectors)))
            finally:
                server.stop()
            print(name, results[name]["server"], flush=True)
    results["peak_rss_mb_end"] = round(peak_rss_mb(), 0)
    results["load_average_end"] = [round(v, 2) for v in os.getloadavg()]
    print(results, flush=True)
    if not args.no_save:
        save("70_scale", results, markdown(results, args))


def mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def markdown(r: dict[str, Any], args: argparse.Namespace) -> str:
    ing, full, at, ret = r["ingest"], r["full_index"], r["at_10k"], r["retrieval"]
    server_at = at.get("server")
    server_ret = ret.get("server")

    def row(label: str, emb: dict[str, float], srv: dict[str, float] | None) -> str:
        s = f"{srv['p50_ms']:.1f} / {srv['p95_ms']:.1f}" if srv else "not measured"
        return f"| {label} | {emb['p50_ms']:.1f} / {emb['p95_ms']:.1f} | {s} |"

    return f"""## A large bank

`python -m bench.bench_scale --questions {args.questions} --retrieval-chunks {args.retrieval_chunks} \
--samples {args.samples}`

A synthetic bank of {r['bank_questions']:,} questions ({r['bank_files']} JSON bank files, {mb(r['bank_bytes'])}) from
`bench/synthetic_bank.py`: templates for the four categories filled from a lexicon of companies, roles, product
areas, metrics, models, methods and risks, each with a four-section reference answer. The loader keeps
{full['questions']:,} distinct questions: a generated question whose text repeats another in the same file gets the
same id and is stored once.

**Ingest of the whole bank, real pipeline** (parse → split → MiniLM embeddings on the CPU, {r['precision']}
→ embedded Chroma, with the progress bar): {ing['chunks']:,} chunks (plus {ing['questions']:,} question vectors) in
{ing['seconds']} s: **{ing['chunks_per_s']} chunks/s** ({ing['texts_per_s']} embedded texts/s). Peak resident memory
of the process after the ingest: {ing['peak_rss_mb']:.0f} MB (before it: {ing['peak_rss_before_mb']:.0f} MB, model
loaded). Index on disk: {mb(ing['index_bytes'])}.

**At {full['questions']:,} questions / {full['chunks']:,} chunks** (index on disk: {mb(full['index_bytes'])}):
searches embed the query with MiniLM; each column starts with a cold embedding cache and the graded questions'
references prepared (as the product does while the candidate reads), so a grade embeds the answer, retrieves and
scores.

| p50 / p95 ms | embedded Chroma | Chroma server (`chroma run`, same data) |
|---|---|---|
{row("search (query embedding included)", at["embedded"]["search_with_embedding"],
     server_at["search_with_embedding"] if server_at else None)}
{row("grade one answer", at["embedded"]["grade"], server_at["grade"] if server_at else None)}

**Retrieval at {ret['chunks']:,} chunks** (a separate collection of generated chunks, embedded by MiniLM and added
through the store port; index {mb(ret['index_bytes'])}): nearest-5 search with a precomputed query vector, so
query embedding is excluded; {len(QUERIES) * 25} queries.

| p50 / p95 ms | embedded Chroma | Chroma server |
|---|---|---|
{row("retrieval only", ret["embedded"], server_ret)}

Embedding one query with MiniLM, measured apart: p50 {ret['query_embedding']['p50_ms']:.1f} ms, p95
{ret['query_embedding']['p95_ms']:.1f} ms. Peak resident memory of the whole run: {r['peak_rss_mb_end']:.0f} MB.
Load average at the end of the run (1, 5, 15 min; 2 cores): {", ".join(map(str, r["load_average_end"]))}."""


if __name__ == "__main__":
    main()
