"""The bank upload page with hostile files: each one's error is shown, no traceback, the good file is ingested."""

from __future__ import annotations

from bot.interview.interviewer import Interviewer
from tests.ui.settle import settle
from tests.ui.test_pages import app_env, named, plain, run
from tests.unit.test_hostile_input import GOOD_MD, HOSTILE_BANKS

__all__ = ["app_env"]  # the page fixture, shared with test_pages


def test_hostile_bank_uploads_show_their_errors_and_keep_the_good_file(app_env: Interviewer) -> None:
    app = run(page="pages/question_bank.py")
    app.file_uploader[0].set_value([
        ("deep.json", HOSTILE_BANKS["deep.json"][0].encode(), "application/json"),
        ("deep.yaml", HOSTILE_BANKS["deep_block.yaml"][0].encode(), "application/yaml"),
        ("cells.csv", f"question,answer\nWhy?,{'x' * 200_000}\n".encode(), "text/csv"),
        ("[/x] churn.md", GOOD_MD.encode(), "text/markdown"),
    ]).run()
    settle(named(app.button, "Ingest the uploaded files").click().run())
    errors = [plain(e.value) for e in app.error]
    assert errors == ["deep.json: nested deeper than 64 levels (line 1, column 65)",
                      "deep.yaml: nested deeper than 64 levels (line 1, column 129)",
                      "cells.csv: no valid question among 1 row(s): line 2: a cell is 195 KB long (the limit is "
                      "128 KB) — row skipped"]
    assert not any("Traceback" in e or "File \"" in e for e in errors)
    outcomes = app.dataframe[-1].value.set_index("file")
    assert outcomes.loc["[/x] churn.md", "status"] == "ingested"
    assert "Churn model" in {q.title for q in app_env.grading.store.questions()}
