"""Waiting in an AppTest for a page's background jobs: a browser's page polls them, a test runs the page again."""

from __future__ import annotations

import time

from streamlit.testing.v1 import AppTest

from bot.ui.state import STATE_KEY


def settle(app: AppTest, timeout: float = 300.0) -> AppTest:
    """Run the page until this browser session has no job waiting or running (each run collects finished ones)."""
    deadline = time.monotonic() + timeout
    while app.session_state[STATE_KEY].jobs:
        assert time.monotonic() < deadline, f"jobs still running after {timeout:.0f} s"
        time.sleep(0.2)
        app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app
