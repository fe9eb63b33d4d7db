"""The command line in team mode, through real subprocesses: `users` admin tools, and practice/report acting as a
signed-in account (a candidate reads only their own report)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.integration.conftest import run_cli

pytestmark = [pytest.mark.integration, pytest.mark.slow]
FRAUD = "Design a fraud detection system for Amazon's marketplace"


def team_env(tmp_path: Path, index: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "MOCKINTERVIEW_STORE": str(index), "MOCKINTERVIEW_LLM": "none",
            "MOCKINTERVIEW_DATABASE_URL": f"sqlite:///{tmp_path / 'team.sqlite'}", "MOCKINTERVIEW_AUTH": "accounts",
            "MOCKINTERVIEW_PUBLIC_URL": "https://interviews.example", **extra}


def test_users_commands_then_practice_and_report_act_as_the_signed_in_account(seed_index: Path,
                                                                              tmp_path: Path) -> None:
    env = team_env(tmp_path, seed_index)
    run_cli("users", "create", "ada", "--role", "admin", "--password-stdin", env=env, stdin="ada-secret-pw\n")
    for name in ("ana", "bob"):
        run_cli("users", "create", name, "--password-stdin", env=env, stdin=f"{name}-secret-pw\n")
    run_cli("users", "create", "cole", "--role", "coach", "--password-stdin", env=env, stdin="cole-secret-pw\n")
    run_cli("users", "cohort", "create", "spring", env=env)
    assert "as a coach" in run_cli("users", "cohort", "add", "spring", "cole", env=env).stdout
    assert "as a candidate" in run_cli("users", "cohort", "add", "spring", "ana", env=env).stdout
    link = run_cli("users", "invite", "--cohort", "spring", env=env).stdout.strip()
    assert re.fullmatch(r"https://interviews\.example/\?invite=[\w-]{32}", link)
    listed = json.loads(run_cli("users", "list", "--json", env=env).stdout)
    assert {(u["name"], u["role"]) for u in listed} == {("ada", "admin"), ("ana", "candidate"),
                                                       ("bob", "candidate"), ("cole", "coach")}
    refused = run_cli("users", "set-role", "ada", "candidate", env=env, check=False)
    assert refused.returncode == 1 and "only admin" in refused.stderr and "Traceback" not in refused.stderr

    script = tmp_path / "script.json"
    script.write_text(json.dumps({"question": FRAUD, "depth": 0, "answers": [
        "I'd use gradient boosting on velocity and device features, class weights for the imbalance."]}))
    wrong = run_cli("practice", "--script", str(script), "--json", "--user", "ana", check=False,
                    env={**env, "MOCKINTERVIEW_PASSWORD": "not-her-password"})
    assert wrong.returncode == 1 and "wrong account name or password" in wrong.stderr
    silent = run_cli("practice", "--script", str(script), "--json", "--user", "ana", check=False, env=env, stdin="")
    assert silent.returncode == 2 and "MOCKINTERVIEW_PASSWORD" in silent.stderr
    practised = run_cli("practice", "--script", str(script), "--json", "--user", "ana",
                        env={**env, "MOCKINTERVIEW_PASSWORD": "ana-secret-pw"})
    session_id = json.loads(practised.stdout)["session_id"]

    def report(user: str) -> object:
        return run_cli("report", session_id, "--out", "-", "--user", user, check=False,
                       env={**env, "MOCKINTERVIEW_PASSWORD": f"{user}-secret-pw"})

    own, coach, other = report("ana"), report("cole"), report("bob")
    assert own.returncode == 0 and "# " in own.stdout  # type: ignore[attr-defined]
    assert coach.returncode == 0 and coach.stdout == own.stdout  # type: ignore[attr-defined]
    assert other.returncode == 1 and "another candidate" in other.stderr  # type: ignore[attr-defined]
    assert other.stdout == "" and "Traceback" not in other.stderr  # type: ignore[attr-defined]
    as_someone_else = run_cli("practice", "--script", str(script), "--json", "--user", "bob", check=False,
                              env={**env, "MOCKINTERVIEW_PASSWORD": "bob-secret-pw"})
    assert as_someone_else.returncode == 0  # bob practises as himself …
    script.write_text(json.dumps({"question": FRAUD, "depth": 0, "user": "ana", "answers": ["an answer"]}))
    impostor = run_cli("practice", "--script", str(script), "--json", "--user", "bob", check=False,
                       env={**env, "MOCKINTERVIEW_PASSWORD": "bob-secret-pw"})
    assert impostor.returncode == 1 and "may not" in impostor.stderr  # … but not under ana's name


def test_the_local_profile_needs_no_password(seed_index: Path, tmp_path: Path) -> None:
    env = {**team_env(tmp_path, seed_index), "MOCKINTERVIEW_AUTH": "none"}
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"question": FRAUD, "depth": 0, "answers": ["Class weights and SHAP values."]}))
    practised = json.loads(run_cli("practice", "--script", str(script), "--json", env=env).stdout)
    report = run_cli("report", practised["session_id"], "--out", "-", env=env)
    assert "scripted-candidate" in report.stdout
