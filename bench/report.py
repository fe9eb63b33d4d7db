"""Writes docs/benchmarks.md from the result files the benchmarks leave in bench/results/."""

from __future__ import annotations

import json
import platform
import statistics
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "benchmarks.md"


def percentiles_ms(samples: list[float]) -> dict[str, float]:
    """p50 and p95 (nearest rank) in milliseconds of samples given in seconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2), "p95_ms": round(p95 * 1000, 2)}


def directory_bytes(path: Path) -> int:
    """Bytes of every file under `path`."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def directory_mb(path: Path) -> float:
    """`directory_bytes` in MiB, one decimal."""
    return round(directory_bytes(path) / 2**20, 1)


def empty_caches(folder: Path) -> dict[str, str]:
    """Environment that gives pip and uv empty caches under `folder` (what a fresh machine starts with)."""
    return {"PIP_CACHE_DIR": str(folder / "pip-cache"), "UV_CACHE_DIR": str(folder / "uv-cache")}


def machine() -> str:
    import os

    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def save(name: str, results: dict[str, Any], markdown: str) -> None:
    """Store one benchmark's results and its Markdown section, then rewrite the whole document."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"name": name, "machine": machine(), "results": results, "markdown": markdown}
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    write_document()


def write_document() -> None:
    sections = []
    for path in sorted(RESULTS.glob("*.json")):
        payload = json.loads(path.read_text())
        sections.append(f"{payload['markdown'].rstrip()}\n\n_Machine: {payload['machine']}._\n")
    header = ("# Benchmarks\n\nWritten by the scripts in `bench/` (never by hand). Each section names the command "
              "that reproduces it; `make bench` reruns them all.\n\n")
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(header + "\n".join(sections))
