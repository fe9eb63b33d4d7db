"""Drive a command in a real pseudo-terminal (standard library only): wait for text, type lines, collect the exit."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import time
from pathlib import Path


class Terminal:
    """A subprocess whose stdin, stdout and stderr are one pseudo-terminal, as when a person runs it."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd,
                                        start_new_session=True)
        os.close(slave)
        self.output = ""  # everything shown so far
        self._seen = 0  # how much of it `expect` has consumed

    def _read(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if not select.select([self.master], [], [], 0.05)[0]:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:  # the child closed the terminal
                return
            if not data:
                return
            self.output += data.decode("utf-8", "replace")

    def expect(self, pattern: str, timeout: float = 300) -> str:
        """Wait until `pattern` appears in output not consumed yet; return that output up to the match."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            match = re.compile(pattern).search(self.output, self._seen)
            if match:
                shown, self._seen = self.output[self._seen : match.end()], match.end()
                return shown
            if self.process.poll() is not None:
                self._read(0.5)
                if not re.compile(pattern).search(self.output, self._seen):
                    raise AssertionError(f"exited {self.process.returncode} before {pattern!r}:\n"
                                         f"{self.output[-3000:]}")
            self._read(0.2)
        raise AssertionError(f"no {pattern!r} within {timeout} s:\n{self.output[-3000:]}")

    def type(self, data: str | bytes) -> None:
        """Type into the terminal (a line ends with "\\r", as the Enter key sends)."""
        raw = data.encode() if isinstance(data, str) else data
        while raw:
            select.select([], [self.master], [], 5)
            raw = raw[os.write(self.master, raw[:512]) :]
            self._read(0.01)  # keep the echo flowing so a long line never blocks on a full terminal

    def wait(self, timeout: float = 300) -> int:
        """The exit code (negative: killed by that signal), reading the output until then."""
        end = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < end:
            self._read(0.2)
        if self.process.poll() is None:
            self.process.kill()
            raise AssertionError(f"still running after {timeout} s:\n{self.output[-3000:]}")
        self._read(0.3)
        os.close(self.master)
        return self.process.returncode
