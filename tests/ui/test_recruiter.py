"""The recruiter page through AppTest: variants generated, reviewed, saved and indexed; bulk grading of an upload."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from bot.ingest.pipeline import ingest
from bot.interview.interviewer import Interviewer
from bot.ui import resources
from tests.ui.settle import settle

pytestmark = pytest.mark.slow
APP = Path(__file__).resolve().parents[2] / "bot" / "ui" / "app.py"
BANK = [
    {"title": "Fraud detection design", "category": "ml_system_design", "company": "Amazon", "difficulty": "hard",
     "question": "Design a fraud detection system for Amazon’s marketplace that can identify both buyer and seller "
                 "fraud in real-time. How would you handle the imbalanced data and explain decisions to legal teams?",
     "reference_answer": "Imbalanced Dataset Handling:\n- SMOTE oversampling of the minority fraud class\n- "
                         "Cost-sensitive learning with class weights\nExplainability:\n- SHAP values for analysts\n- "
                         "Reason codes and an audit trail for legal reviewers\nStreaming Architecture:\n- Kafka "
                         "streams into a feature store; decisions under 100 ms"},
    {"title": "Checkout experiment", "category": "analytics_experimentation", "company": "Globex",
     "question": "How would you A/B test a new one-click checkout?",
     "reference_answer": "Metrics:\n- Primary conversion rate, guardrail refund rate\nDesign:\n- Randomise by "
                         "user, run two full weeks for weekly seasonality, compute power for a 1% lift"},
]


@pytest.fixture(scope="module")
def recruiter_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Interviewer, Path]]:
    root = tmp_path_factory.mktemp("recruiter")
    (root / "bank.json").write_text(json.dumps(BANK), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MOCKINTERVIEW_STORE", str(root / "index"))
        patch.setenv("MOCKINTERVIEW_DATABASE_URL", f"sqlite:///{root / 'sessions.db'}")
        patch.setenv("MOCKINTERVIEW_VARIANTS_DIR", str(root / "variants"))
        patch.setenv("MOCKINTERVIEW_LLM", "none")
        patch.setenv("MOCKINTERVIEW_EMBEDDER", "minilm")
        interviewer = resources.interviewer()
        assert not ingest([root / "bank.json"], interviewer.grading.store, interviewer.grading.embedder).errors
        yield interviewer, root / "variants"


def page() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=180)
    app.run()
    app.switch_page("pages/recruiter.py").run()
    ok(app)
    return app


def ok(app: AppTest) -> None:
    assert not app.exception, [e.message for e in app.exception]


def named(widgets: Any, label: str) -> Any:
    found = [w for w in widgets if w.label == label]
    assert found, f"no widget labelled {label!r} in {[w.label for w in widgets]}"
    return found[0]


def plain(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def test_generate_review_edit_approve_and_save_variants_into_the_bank(
        recruiter_env: tuple[Interviewer, Path]) -> None:
    interviewer, variants_dir = recruiter_env
    fraud = next(q for q in interviewer.grading.store.questions() if q.title == "Fraud detection design")
    app = page()
    named(app.selectbox, "Question").set_value(fraud.id)
    named(app.number_input, "Number of variants").set_value(3)
    named(app.multiselect, "Axes").set_value(["domain", "easier", "format"])
    named(app.button, "Generate variants").click().run()
    settle(app)
    decisions = [r for r in app.radio if r.label.startswith("Decision · variant")]
    shown = [t.value for t in app.text if t.value != fraud.question]
    assert 1 <= len(decisions) <= 3 and len(shown) >= len(decisions)
    assert any("passed the gates" in plain(c.value) for c in app.caption)
    save_label = "Save approved variants (0)"
    assert named(app.button, save_label).disabled
    named(app.radio, "Decision · variant 1").set_value("Approve")
    if len(decisions) > 1:
        named(app.radio, "Decision · variant 2").set_value("Reject")
    edited = "Design a fraud detection system for a regional bank's card payments. Which signals matter most?"
    named(app.text_area, "Question · variant 1").set_value(edited)
    app.run()
    ok(app)
    named(app.button, "Save approved variants (1)").click().run()
    settle(app)
    assert app.success and "Saved 1 new variant" in plain(app.success[0].value)
    files = list(variants_dir.glob("*.yaml"))
    assert [f.name for f in files] == [f"variants-{fraud.id}.yaml"]
    saved = yaml.safe_load(files[0].read_text(encoding="utf-8"))["questions"]
    assert [q["question"] for q in saved] == [edited]  # only the approved one, with the recruiter's wording
    indexed = next(q for q in interviewer.grading.store.questions() if q.question == edited)
    assert indexed.key_points and interviewer.grading.store.chunks_of(indexed.id)
    grade = interviewer.grading.grade(indexed, "Velocity features, device fingerprints, SMOTE and class weights.")
    assert grade.question_id == indexed.id


def test_bulk_upload_grades_good_rows_reports_bad_ones_and_offers_a_csv(
        recruiter_env: tuple[Interviewer, Path]) -> None:
    rows = "\n".join([
        "candidate,question,answer",
        'ana,How would you A/B test a new one-click checkout?,"Randomise by user for two weeks; conversion primary,'
        ' refund rate guardrail, power for a 1% lift."',
        "<script>bo</script>,How would you A/B test a new one-click checkout?,",
        'cy,How would you A/B test a new one-click checkout?,"I would ship it and see."',
    ])
    app = page()
    app.file_uploader[0].set_value([("answers.csv", rows.encode(), "text/csv")]).run()
    named(app.button, "Grade the uploaded answers").click().run()
    settle(app)
    table = app.dataframe[-1].value
    assert list(table["line"]) == [2, 3, 4]
    assert {"overall", "flags", "key points", "error"} <= set(table.columns)
    dims = [c for c in table.columns if c not in {"line", "candidate", "question", "overall", "key points", "flags",
                                                     "error"}]
    assert dims and table.loc[0, "overall"] > table.loc[2, "overall"]
    assert table.loc[1, "error"] == "missing 'answer'"
    errors = [plain(e.value) for e in app.error]
    assert errors == ["Line 3: missing 'answer'"]
    assert app.get("download_button"), "no CSV download offered"

    app.file_uploader[0].set_value([("sheet.csv", b"PK\x03\x04\x00\x00", "text/csv")]).run()
    named(app.button, "Grade the uploaded answers").click().run()
    ok(app)
    assert [plain(e.value) for e in app.error] == ["sheet.csv: binary file (contains NUL bytes)"]
    assert not [d for d in app.dataframe if "overall" in d.value.columns]  # the earlier table is cleared


def test_bulk_grading_runs_as_a_job_with_a_progress_bar_then_shows_every_row(
        recruiter_env: tuple[Interviewer, Path]) -> None:
    rows = "candidate,question,answer\n" + "".join(
        f'c{i},How would you A/B test a new one-click checkout?,"Randomise by user {i}; conversion primary, '
        f'refund guardrail, {i % 4 + 1} weeks."\n' for i in range(60))
    app = page()
    app.file_uploader[0].set_value([("many.csv", rows.encode(), "text/csv")]).run()
    named(app.button, "Grade the uploaded answers").click().run()
    ok(app)
    bars = app.get("progress")
    assert bars and "Grading 60 answers" in bars[0].proto.text  # drawn while the job waits or runs
    assert named(app.button, "Grade the uploaded answers").disabled  # one bulk job at a time per browser session
    settle(app)
    assert list(app.dataframe[-1].value["line"]) == list(range(2, 62))
    assert not app.get("progress")
