"""An interviewer reply produced in a worker thread, its leak-checked text streamed out as a generator."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

from bot.domain.interview import Turn
from bot.reports.inert import inert_markdown

_DONE = object()


class StreamedReply:
    """Runs `respond(on_text)` (the interviewer's reply, e.g. `SessionService.answer`) in a thread; `pieces()` yields
    what streams (for `st.write_stream`), `result()` returns the stored turns or raises what `respond` raised. The
    worker never touches Streamlit."""

    def __init__(self, respond: Callable[[Callable[[str], None]], list[Turn]],
                 lock: AbstractContextManager[object]) -> None:
        self._queue: queue.Queue[object] = queue.Queue()
        self._turns: list[Turn] = []
        self._error: BaseException | None = None

        def work() -> None:
            try:
                with lock:
                    self._turns = respond(self._queue.put)
            except BaseException as exc:  # noqa: BLE001 - handed to the page through result()
                self._error = exc
            finally:
                self._queue.put(_DONE)

        self._thread = threading.Thread(target=work, name="mockinterview-reply", daemon=True)
        self._thread.start()

    def pieces(self) -> Iterator[str]:
        """The reply as it streams, as inert Markdown, cut only at whitespace so no link or heading forms across
        two pieces."""
        pending = ""
        while (item := self._queue.get()) is not _DONE:
            pending += str(item)
            cut = max(pending.rfind(" "), pending.rfind("\n")) + 1
            if cut:
                yield inert_markdown(pending[:cut])
                pending = pending[cut:]
        if pending:
            yield inert_markdown(pending)

    def result(self) -> list[Turn]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._turns
