"""`grade` (single and batch) and scripted `practice` through real subprocesses on the seed index."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.integration.conftest import run_cli

pytestmark = [pytest.mark.integration, pytest.mark.slow]
FRAUD = "Design a fraud detection system for Amazon's marketplace"
STRONG = ("I'd score transactions in real time from Kafka and Kinesis streams with a gradient boosted model on "
          "velocity, device fingerprint and network features, deciding in under 100 ms. Fraud is well under 1% of "
          "transactions, so I'd use cost-sensitive learning with class weights and scale_pos_weight, try SMOTE, and "
          "pick the threshold on the precision-recall curve, targeting 95% recall at under 2% false positives. For "
          "legal I'd give plain-language reason codes, SHAP values for analysts, and keep an audit trail.")


def env_for(tmp_path: Path, index: Path) -> dict[str, str]:
    return {**os.environ, "MOCKINTERVIEW_STORE": str(index), "MOCKINTERVIEW_LLM": "none",
            "MOCKINTERVIEW_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}


def test_grade_resolves_question_text_and_cites_the_reference(seed_index: Path, tmp_path: Path) -> None:
    result = run_cli("grade", "--question", FRAUD, "--answer", STRONG, "--json", env=env_for(tmp_path, seed_index))
    grade = json.loads(result.stdout)
    assert grade["engine"] == "grounded" and grade["overall"] >= 50
    assert any("Imbalanced" in c["citation"]["section"] for c in grade["covered"])
    assert all(q in STRONG for d in grade["dimensions"] for q in d["evidence"])


def test_grade_batch_keeps_order_and_reports_bad_lines(seed_index: Path, tmp_path: Path) -> None:
    lines = [json.dumps({"question": FRAUD, "answer": STRONG}), "{not json",
             json.dumps({"question": FRAUD}),
             json.dumps({"question": "What is a p-value?", "reference": "The probability of data at least as "
                         "extreme as observed if the null hypothesis were true.", "answer": "The chance of seeing "
                         "data this extreme when the null hypothesis holds."})]
    batch = tmp_path / "in.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    run_cli("grade", "--batch", str(batch), "--out", str(out), env=env_for(tmp_path, seed_index))
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["line"] for r in results] == [1, 2, 3, 4]
    assert "overall" in results[0] and "not valid JSON" in results[1]["error"] and "answer" in results[2]["error"]
    assert results[3]["question_id"] != results[0]["question_id"] and results[3]["overall"] > 30


def test_practice_script_prints_a_transcript_with_a_targeted_follow_up(seed_index: Path, tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"question": FRAUD, "depth": 1, "answers": [
        "I'd use gradient boosting on velocity and device features and serve it in real time.",
        "Can I assume chargebacks give us labels?", "Class weights and a precision-recall threshold."]}))
    result = run_cli("practice", "--script", str(script), "--json", env=env_for(tmp_path, seed_index))
    transcript = json.loads(result.stdout)
    kinds = [(t["role"], t["kind"]) for t in transcript["turns"]]
    assert kinds[:4] == [("interviewer", "question"), ("candidate", "answer"), ("interviewer", "follow_up"),
                         ("candidate", "clarification")]
    follow_up = transcript["turns"][2]
    assert "imbalanced dataset" in follow_up["target_key_point"] and "imbalanced dataset" in follow_up["text"]
    assert transcript["grade"]["question_id"] == transcript["question_id"]
    grade = transcript["grade"]
    quotes = [q for d in grade["dimensions"] for q in d["evidence"]] + [c["evidence"] for c in grade["covered"]]
    assert quotes and not any("chargebacks give us labels" in q for q in quotes)
