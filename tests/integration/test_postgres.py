"""Sessions in a real PostgreSQL server: interviews and resume, schema creation and in-place upgrade, restart."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from bot.domain.filters import QuestionFilter
from bot.grading.grounded import GroundedGrader
from bot.grading.service import GradingService
from bot.ingest.pipeline import ingest
from bot.interview.interviewer import Interviewer
from bot.retrieval.store import ChromaStore
from bot.storage import schema
from bot.storage.repository import SessionRepository, StorageError
from tests.fakes import HashingEmbedder
from tests.integration.servers import PostgresServer
from tests.unit.test_access import ANSWER as PARTIAL
from tests.unit.test_access import BANK

pytestmark = [pytest.mark.integration]

FOLLOW_UP_REPLY = "Class weights and SMOTE for the imbalance, and SHAP values so analysts can explain decisions."


@pytest.fixture(scope="module")
def grading(tmp_path_factory: pytest.TempPathFactory) -> GradingService:
    root = tmp_path_factory.mktemp("pg-bank")
    (root / "bank.json").write_text(json.dumps(BANK), encoding="utf-8")
    embedder = HashingEmbedder()
    store = ChromaStore.open(path=root / "index", embedder_name=embedder.name, dim=embedder.dim)
    ingest([root / "bank.json"], store, embedder)
    return GradingService(store=store, embedder=embedder, grounded=GroundedGrader(embedder))


def test_interview_and_resume_from_another_process_view(postgres: PostgresServer, grading: GradingService) -> None:
    url = postgres.create_database("interviews")
    first = Interviewer(repo=SessionRepository(url), grading=grading)
    question = first.choose("ana", QuestionFilter(), 1, topic="fraud detection")[0]
    session, _ = first.start("ana", [question], depth=1)
    follow_up = first.respond(session.id, PARTIAL)
    assert [t.kind for t in follow_up] == ["follow_up"]
    first.repo.close()

    second = Interviewer(repo=SessionRepository(url), grading=grading)  # a fresh engine, as after a restart
    resumed = second.repo.latest_active("ana")
    assert resumed is not None and resumed.id == session.id
    assert [t.kind for t in resumed.turns] == ["question", "answer", "follow_up"]
    assert [t.kind for t in second.respond(session.id, FOLLOW_UP_REPLY)] == ["feedback"]
    final = second.finish(session.id)
    assert final.status == "finished" and question.id in final.grades
    assert final.turns[1].text == PARTIAL and final.turns[3].text == FOLLOW_UP_REPLY
    assert final.turns[0].created_at.tzinfo is not None
    history = second.repo.sessions_of("ana")
    assert [h.id for h in history] == [session.id]
    assert history[0].overall[question.id] == final.grades[question.id].overall
    assert second.repo.dimension_history("ana") and second.repo.questions_seen("ana") == {question.id}
    second.repo.close()


def test_schema_created_beside_existing_data_and_by_replicas_at_once(postgres: PostgresServer) -> None:
    url = postgres.create_database("shared")
    postgres.psql("CREATE TABLE invoices (id int primary key, amount numeric); INSERT INTO invoices VALUES (1, 9.5)",
                  database="shared")
    repos: list[SessionRepository] = []
    failures: list[BaseException] = []

    def open_repo() -> None:
        try:
            repos.append(SessionRepository(url))
        except (StorageError, SQLAlchemyError) as exc:  # reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=open_repo) for _ in range(4)]  # four replicas starting together
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    assert postgres.psql("SELECT version_num FROM alembic_version", database="shared").strip() == schema.head_revision()
    assert postgres.psql("SELECT amount FROM invoices", database="shared").strip() == "9.5"
    tables = set(inspect(repos[0].engine).get_table_names())
    assert {"users", "sessions", "turns", "grades", "invoices"} <= tables
    for repo in repos:
        repo.close()


NEXT_REVISION = '''"""Test revision: a nullable note per session."""
import sqlalchemy as sa
from alembic import op

revision = "9001"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sessions", sa.Column("note", sa.Text(), nullable=True))
    op.create_index("ix_turns_question_id", "turns", ["question_id"])


def downgrade() -> None:
    op.drop_index("ix_turns_question_id", table_name="turns")
    op.drop_column("sessions", "note")
'''


def test_existing_database_upgrades_in_place(postgres: PostgresServer, grading: GradingService, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    url = postgres.create_database("upgrade")
    old = Interviewer(repo=SessionRepository(url), grading=grading)  # a database made by the current release
    question = old.choose("bo", QuestionFilter(), 1, topic="checkout experiment")[0]
    session, _ = old.start("bo", [question], depth=0)
    old.respond(session.id, "Randomise by user for two weeks; conversion is the primary metric.")
    before = old.repo.load(session.id)
    old.repo.close()

    migrations = tmp_path / "migrations"  # the next release: one more revision on top of the shipped ones
    shutil.copytree(schema.MIGRATIONS_DIR, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    head = schema.head_revision()
    (migrations / "versions" / "9001_note.py").write_text(NEXT_REVISION.format(head=head), encoding="utf-8")
    monkeypatch.setattr(schema, "MIGRATIONS_DIR", migrations)
    assert schema.head_revision() == "9001"

    upgraded = SessionRepository(url)  # opening the database upgrades it in place
    assert schema.current_revision(upgraded.engine) == "9001"
    columns = {c["name"] for c in inspect(upgraded.engine).get_columns("sessions")}
    assert "note" in columns
    assert upgraded.load(session.id) == before  # the stored session is untouched
    upgraded.close()

    engine = create_engine(url)  # and the upgrade can be rolled back to the shipped head
    with engine.begin() as conn:
        cfg = schema.alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, head)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
    engine.dispose()


def test_postgres_restarted_mid_session_next_turn_succeeds(postgres: PostgresServer, grading: GradingService) -> None:
    url = postgres.create_database("restart")
    interviewer = Interviewer(repo=SessionRepository(url), grading=grading)
    question = interviewer.choose("cy", QuestionFilter(), 1, topic="fraud detection")[0]
    session, _ = interviewer.start("cy", [question], depth=1)
    assert [t.kind for t in interviewer.respond(session.id, PARTIAL)] == ["follow_up"]

    postgres.restart()  # every pooled connection is now dead

    assert [t.kind for t in interviewer.respond(session.id, FOLLOW_UP_REPLY)] == ["feedback"]
    after = interviewer.finish(session.id)
    assert [t.kind for t in after.turns] == ["question", "answer", "follow_up", "answer", "feedback"]
    assert after.status == "finished" and question.id in after.grades
    interviewer.repo.close()
