"""Shared fixtures for integration tests: the seed banks indexed once per test run with the real embedder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, check: bool = True, env: dict[str, str] | None = None,
            stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` in a real subprocess."""
    result = subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, capture_output=True, text=True,
                            timeout=600, env=env, input=stdin)
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Chroma index of seeds/ built by `mockinterview ingest`."""
    store = tmp_path_factory.mktemp("seed-index")
    result = run_cli("ingest", "seeds", "--store", str(store))
    assert "questions: 32" in result.stdout
    return store
