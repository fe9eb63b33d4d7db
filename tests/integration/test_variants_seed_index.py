"""`variants` on the real seed index with the real MiniLM: gates hold, and a saved variant is indexed and graded."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from bot.ingest.loader import load_bank_file
from tests.integration.conftest import run_cli

pytestmark = [pytest.mark.integration, pytest.mark.slow]
FRAUD_ID = "440a151e472fa228"  # Advanced Fraud Detection System Design (Amazon), seeds/000_…
ANSWER = ("I'd use cost-sensitive learning with class weights and SMOTE because fraud is rare, tune the threshold on "
          "the precision-recall curve, stream transactions through Kafka into a feature store, and explain decisions "
          "with SHAP values and reason codes for legal teams, with an audit trail.")


def test_variants_pass_the_gates_and_a_saved_one_can_be_graded(seed_index: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(seed_index, index)  # saving ingests into the index: keep the shared one untouched
    env = {**os.environ, "MOCKINTERVIEW_STORE": str(index), "MOCKINTERVIEW_LLM": "none",
           "MOCKINTERVIEW_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    out = run_cli("variants", FRAUD_ID, "-n", "5", "--json", "--save", "--dir", str(tmp_path / "variants"), env=env)
    result = json.loads(out.stdout)
    assert result["parent_id"] == FRAUD_ID and result["engine"] == "grounded"
    assert result["passed"] + result["dropped_count"] == 5 and result["passed"] >= 3
    for variant in result["variants"]:
        gate = variant["gate"]
        assert 0.5 <= gate["parent_cosine"] < 0.95 and gate["max_sibling_cosine"] < 0.95
        assert gate["nearest_bank_cosine"] < 0.95 and gate["passed"] and not gate["reasons"]
        if variant["provenance"]["axis"] == "domain":
            assert "Amazon" not in variant["question"] + " ".join(variant["key_points"])
    for variant in result["dropped"]:
        assert variant["gate"]["reasons"]

    saved = result["saved"]
    parsed = load_bank_file(Path(saved["path"]))
    assert sorted(q.id for q in parsed) == sorted(saved["question_ids"]) and not saved["ingest_errors"]
    target = next(q for q in parsed if "fraud" in q.question.lower())
    graded = json.loads(run_cli("grade", "--question", target.id, "--answer", ANSWER, "--json", env=env).stdout)
    assert graded["question_id"] == target.id and graded["overall"] > 0
    cited = {c["citation"]["question_id"] for c in graded["covered"] + graded["missing"]}
    assert cited == {target.id}  # graded against the variant's own outline
    assert {c["citation"]["section"] for c in graded["covered"]} <= {s.title for s in target.sections}

    batch = run_cli("variants", "--company", "Walmart", "--category", "behavioral", "-n", "2", "--axis", "format",
                    "--json", env=env)
    items = json.loads(batch.stdout)
    assert len(items) >= 1 and all(i["passed"] + i["dropped_count"] >= 1 for i in items)
    assert all(v["category"] != "behavioral" for i in items for v in i["variants"])  # format moved away


def test_unknown_ids_and_axes_fail_with_a_clear_message(seed_index: Path, tmp_path: Path) -> None:
    env = {**os.environ, "MOCKINTERVIEW_STORE": str(seed_index), "MOCKINTERVIEW_LLM": "none"}
    bad_axis = run_cli("variants", FRAUD_ID, "--axis", "sideways", check=False, env=env)
    assert bad_axis.returncode == 2 and "unknown axis 'sideways'" in bad_axis.stderr
    unknown = run_cli("variants", "knitting patterns for winter scarves", check=False, env=env)
    assert unknown.returncode == 1 and "no bank question matches" in unknown.stderr
