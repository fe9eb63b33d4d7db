"""Runs records through the product's own path, `mockinterview grade --batch`, in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.report import ROOT


def grade_batch(records: list[dict[str, Any]], store: Path | None = None) -> list[dict[str, Any]]:
    """One grade (or error) per record, in order, as `mockinterview grade --batch --out` writes them."""
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        command = [sys.executable, "-m", "bot", "grade", "--batch", str(source), "--out", str(target)]
        if store is not None:
            command += ["--store", str(store)]
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        results = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines() if line.strip()]
    if len(results) != len(records):
        raise RuntimeError(f"grade --batch returned {len(results)} results for {len(records)} records")
    return results


def ingest_seeds(store: Path) -> None:
    """Build the seed index in `store` with the product's own command (idempotent)."""
    subprocess.run([sys.executable, "-m", "bot", "ingest", "--store", str(store)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
