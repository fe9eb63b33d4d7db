"""Shared fixtures for integration tests: the seed banks indexed once per run with the real embedder, PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.servers import PostgresServer

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


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of Debian's postgresql package; a server that cannot start fails the tests."""
    try:
        server = PostgresServer()
        server.init()
        server.start()
    except (RuntimeError, OSError, LookupError) as exc:
        pytest.fail(f"PostgreSQL could not be started: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.cleanup()
