"""Session storage: round trips, ordering, upserts, history queries, concurrency, migrations and errors."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session as DbSession

from bot.domain.grade import DimensionScore, Grade
from bot.domain.interview import SessionConfig, Turn
from bot.storage.models import Base
from bot.storage.repository import DimensionPoint, SessionNotFound, SessionRepository, StorageError
from bot.storage.schema import alembic_config, current_revision, ensure_schema, head_revision, make_engine

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def grade(question_id: str, overall: int, scores: dict[str, int] | None = None) -> Grade:
    scores = scores or {"depth": 3, "clarity": 4}
    return Grade(question_id=question_id, rubric="ml_system_design", overall=overall,
                 dimensions=[DimensionScore(key=key, name=key.title(), weight=1 / len(scores), score=score,
                                            justification=f"{key} was {score}/5", evidence=["quote"])
                             for key, score in scores.items()],
                 strengths=["clear structure"], flags=["too_short"])


def turn(kind: str, question_id: str = "q1", text_: str = "...", minutes: int = 0, **extra: object) -> Turn:
    role = "candidate" if kind == "answer" else "interviewer"
    return Turn.model_validate({"role": role, "kind": kind, "text": text_, "question_id": question_id,
                                "created_at": T0 + timedelta(minutes=minutes), **extra})


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def repo(db_url: str) -> Iterator[SessionRepository]:
    repository = SessionRepository(db_url)
    yield repository
    repository.close()


def config(user: str = "ann", questions: tuple[str, ...] = ("q1", "q2")) -> SessionConfig:
    return SessionConfig(user=user, question_ids=list(questions), depth=3, filters={"category": "ml"})


def test_round_trip_of_turns_grades_status_and_usage(repo: SessionRepository) -> None:
    session = repo.create_session(config())
    assert len(session.id) == 32 and session.status == "active" and session.turns == []
    turns = [turn("question", text_="Design fraud detection"),
             turn("answer", text_="I would use class weights", minutes=1),
             turn("follow_up", text_="What about latency?", minutes=2, target_key_point="Streaming",
                  engine="llm+grounded"),
             turn("question", "q2", "Explain A/B tests",
                  minutes=3).model_copy(update={"created_at": datetime(2024, 5, 1, 11, 3, tzinfo=timezone(
                      timedelta(hours=2)))})]
    for t in turns:
        repo.append_turn(session.id, t)
    repo.save_grade(session.id, "q1", grade("q1", 72))
    repo.set_status(session.id, "finished")
    repo.add_usage(session.id, 1200, 0.0031)
    repo.add_usage(session.id, 300, 0.0009)

    loaded = repo.load(session.id)
    assert loaded.id == session.id and loaded.config == config() and loaded.status == "finished"
    assert loaded.created_at == session.created_at and loaded.created_at.tzinfo is not None
    assert loaded.turns == turns
    assert loaded.turns[3].created_at == datetime(2024, 5, 1, 9, 3, tzinfo=UTC)
    assert loaded.grades == {"q1": grade("q1", 72)}
    assert loaded.current_question_id == "q2"
    tokens, cost = repo.usage(session.id)
    assert tokens == 1500 and cost == pytest.approx(0.004)


def test_turns_come_back_in_append_order_with_consecutive_seq(repo: SessionRepository) -> None:
    session = repo.create_session(config())
    texts = [f"turn {i}" for i in range(12)]
    for i, body in enumerate(texts):  # created_at runs backwards: ordering must follow seq, not time
        repo.append_turn(session.id, turn("answer", text_=body, minutes=-i))
    assert [t.text for t in repo.load(session.id).turns] == texts
    with repo.engine.connect() as conn:
        seqs = conn.execute(text("SELECT seq FROM turns WHERE session_id = :s ORDER BY id"), {"s": session.id})
        assert [s for (s,) in seqs] == list(range(1, 13))


def test_save_grade_upserts_one_row_per_question(repo: SessionRepository) -> None:
    session = repo.create_session(config())
    repo.save_grade(session.id, "q1", grade("q1", 40))
    repo.save_grade(session.id, "q2", grade("q2", 90))
    repo.save_grade(session.id, "q1", grade("q1", 65, {"depth": 5}))
    loaded = repo.load(session.id)
    assert list(loaded.grades) == ["q1", "q2"]
    assert loaded.grades["q1"].overall == 65 and [d.key for d in loaded.grades["q1"].dimensions] == ["depth"]
    with repo.engine.connect() as conn:
        count = conn.execute(text("SELECT COUNT(*) FROM grades WHERE question_id = 'q1'")).scalar_one()
    assert count == 1


def test_questions_seen_counts_only_asked_questions_of_that_user(repo: SessionRepository) -> None:
    first = repo.create_session(config(questions=("q1", "q2", "q3")))
    repo.append_turn(first.id, turn("question", "q1"))
    repo.append_turn(first.id, turn("answer", "q1"))
    repo.append_turn(first.id, turn("follow_up", "q2"))  # never asked as a question
    second = repo.create_session(config(questions=("q4",)))
    repo.append_turn(second.id, turn("question", "q4"))
    other = repo.create_session(config(user="bob", questions=("q9",)))
    repo.append_turn(other.id, turn("question", "q9"))
    assert repo.questions_seen("ann") == {"q1", "q4"}
    assert repo.questions_seen("bob") == {"q9"}
    assert repo.questions_seen("nobody") == set()


def test_sessions_of_summarises_scores_per_session(repo: SessionRepository) -> None:
    first = repo.create_session(config(questions=("q1", "q2")))
    repo.save_grade(first.id, "q2", grade("q2", 80))
    repo.save_grade(first.id, "q1", grade("q1", 60))
    repo.set_status(first.id, "finished")
    second = repo.create_session(config(questions=("q3",)))
    repo.create_session(config(user="bob"))

    summaries = repo.sessions_of("ann")
    assert [s.id for s in summaries] == [first.id, second.id]
    assert summaries[0].status == "finished" and summaries[0].question_ids == ["q1", "q2"]
    assert summaries[0].overall == {"q1": 60, "q2": 80} and summaries[0].mean_overall == pytest.approx(70)
    assert summaries[1].overall == {} and summaries[1].mean_overall is None and summaries[1].status == "active"
    assert repo.sessions_of("nobody") == []


def test_dimension_history_is_ordered_by_grading_time(repo: SessionRepository) -> None:
    first = repo.create_session(config())
    repo.save_grade(first.id, "q1", grade("q1", 50, {"depth": 2, "clarity": 3}))
    second = repo.create_session(config())
    repo.save_grade(second.id, "q1", grade("q1", 80, {"depth": 4, "clarity": 5}))
    repo.save_grade(first.id, "q2", grade("q2", 70, {"depth": 3}))  # graded last, in the older session
    bob = repo.create_session(config(user="bob"))
    repo.save_grade(bob.id, "q1", grade("q1", 10, {"depth": 1}))

    history = repo.dimension_history("ann")
    assert all(isinstance(p, DimensionPoint) for p in history)
    assert [(p.session_id, p.question_id, p.key, p.name, p.score) for p in history] == [
        (first.id, "q1", "depth", "Depth", 2), (first.id, "q1", "clarity", "Clarity", 3),
        (second.id, "q1", "depth", "Depth", 4), (second.id, "q1", "clarity", "Clarity", 5),
        (first.id, "q2", "depth", "Depth", 3)]
    times = [p.created_at for p in history]
    assert times == sorted(times) and all(t.tzinfo is not None for t in times)


def test_latest_active_resumes_the_most_recently_used_active_session(repo: SessionRepository) -> None:
    assert repo.latest_active("ann") is None
    older = repo.create_session(config())
    newer = repo.create_session(config())
    repo.append_turn(older.id, turn("question"))  # touching the older one makes it the latest used
    latest = repo.latest_active("ann")
    assert latest is not None and latest.id == older.id and len(latest.turns) == 1
    repo.set_status(older.id, "finished")
    latest = repo.latest_active("ann")
    assert latest is not None and latest.id == newer.id
    repo.set_status(newer.id, "finished")
    assert repo.latest_active("ann") is None


def test_unknown_session_raises_session_not_found(repo: SessionRepository) -> None:
    calls = [lambda: repo.load("missing"), lambda: repo.append_turn("missing", turn("question")),
             lambda: repo.save_grade("missing", "q1", grade("q1", 1)),
             lambda: repo.set_status("missing", "finished"), lambda: repo.add_usage("missing", 1, 0.1),
             lambda: repo.usage("missing")]
    for call in calls:
        with pytest.raises(SessionNotFound, match="no interview session with id 'missing'") as info:
            call()
        assert isinstance(info.value, LookupError) and info.value.session_id == "missing"
    with repo.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM turns")).scalar_one() == 0


def test_invalid_arguments_are_rejected(repo: SessionRepository) -> None:
    session = repo.create_session(config())
    with pytest.raises(ValueError, match="status"):
        repo.set_status(session.id, "paused")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="negative"):
        repo.add_usage(session.id, -1, 0.0)


def test_second_repository_on_the_same_file_sees_committed_data(db_url: str) -> None:
    first = SessionRepository(db_url)
    session = first.create_session(config())
    repo_turns = [turn("question"), turn("answer", minutes=1)]
    for t in repo_turns:
        first.append_turn(session.id, t)
    restarted = SessionRepository(db_url)  # the first is still open: a second process, or the app after a restart
    assert restarted.load(session.id).turns == repo_turns
    restarted.append_turn(session.id, turn("feedback", minutes=2))
    assert [t.kind for t in first.load(session.id).turns] == ["question", "answer", "feedback"]
    first.close()
    restarted.close()


def test_concurrent_appends_get_unique_consecutive_seq(repo: SessionRepository) -> None:
    session = repo.create_session(config())
    threads, per_thread = 8, 20
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def writer(worker: int) -> None:
        barrier.wait()
        try:
            for i in range(per_thread):
                repo.append_turn(session.id, turn("answer", text_=f"{worker}:{i}"))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    pool = [threading.Thread(target=writer, args=(w,)) for w in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert errors == []
    loaded = repo.load(session.id)
    assert len(loaded.turns) == threads * per_thread
    assert sorted(t.text for t in loaded.turns) == sorted(f"{w}:{i}" for w in range(threads) for i in range(per_thread))
    for w in range(threads):  # each writer's turns keep their own order
        assert [t.text for t in loaded.turns if t.text.startswith(f"{w}:")] == [f"{w}:{i}" for i in range(per_thread)]
    with repo.engine.connect() as conn:
        seqs = [s for (s,) in conn.execute(text("SELECT seq FROM turns ORDER BY seq"))]
    assert seqs == list(range(1, threads * per_thread + 1))


def test_a_writer_that_loses_the_race_retries(repo: SessionRepository, monkeypatch: pytest.MonkeyPatch) -> None:
    session = repo.create_session(config())
    repo.append_turn(session.id, turn("question"))
    real = SessionRepository._next_seq
    calls: list[int] = []

    def stale_first(db: DbSession, session_id: str) -> int:
        calls.append(1)
        return 1 if len(calls) == 1 else real(db, session_id)  # first try reuses a taken seq, as a racing writer

    monkeypatch.setattr(SessionRepository, "_next_seq", staticmethod(stale_first))
    repo.append_turn(session.id, turn("answer", text_="after the race"))
    assert len(calls) == 2
    assert [t.text for t in repo.load(session.id).turns] == ["...", "after the race"]


def test_concurrent_first_sessions_of_a_new_user_create_one_user(repo: SessionRepository) -> None:
    barrier = threading.Barrier(6)
    ids: list[str] = []

    def start() -> None:
        barrier.wait()
        ids.append(repo.create_session(config(user="carol")).id)

    pool = [threading.Thread(target=start) for _ in range(6)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert len(set(ids)) == 6 and len(repo.sessions_of("carol")) == 6
    with repo.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM users WHERE name = 'carol'")).scalar_one() == 1


def test_missing_parent_directory_is_created(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there.db"
    repository = SessionRepository(f"sqlite:///{path}")
    repository.create_session(config())
    assert path.is_file()
    with repository.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    repository.close()


def test_database_at_revision_0001_is_upgraded_in_place_and_keeps_data(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text("INSERT INTO users (id, name, created_at) VALUES (1, 'ann', '2024-05-01 09:00:00')"))
        conn.execute(text("INSERT INTO sessions VALUES ('s1', 1, :cfg, 'active', '2024-05-01 09:00:00', "
                          "'2024-05-01 09:00:00', 7, 0.5)"), {"cfg": config().model_dump_json()})
    assert current_revision(engine) == "0001"

    ensure_schema(engine)
    ensure_schema(engine)  # idempotent
    assert current_revision(engine) == head_revision()
    repository = SessionRepository(engine)
    assert repository.load("s1").config == config() and repository.usage("s1") == (7, 0.5)
    assert repository.load("s1").created_at == T0
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []  # models match migrations
    engine.dispose()


def test_unreachable_database_raises_storage_error_with_masked_password() -> None:
    url = "postgresql+psycopg://interviewer:s3cr3t-pw@127.0.0.1:1/mock?connect_timeout=2"
    with pytest.raises(StorageError) as info:
        SessionRepository(url)
    message = str(info.value)
    assert "s3cr3t-pw" not in message and "interviewer:***@127.0.0.1:1/mock" in message
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_unopenable_sqlite_file_and_bad_urls_raise_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(StorageError, match="a-file"):
        SessionRepository(f"sqlite:///{blocker / 'sub' / 'x.db'}")
    with pytest.raises(StorageError, match=r"invalid database URL postgres//u:\*\*\*@host/db$"):
        make_engine("postgres//u:pw123@host/db")
    with pytest.raises(StorageError) as info:
        SessionRepository("nosuchdialect://u:pw123@host/db")
    assert "pw123" not in str(info.value) and "***" in str(info.value)


@pytest.mark.skipif(not os.environ.get("MOCKINTERVIEW_TEST_DATABASE_URL"),
                    reason="set MOCKINTERVIEW_TEST_DATABASE_URL to an empty PostgreSQL database to run")
def test_round_trip_on_the_configured_database() -> None:
    repository = SessionRepository(os.environ["MOCKINTERVIEW_TEST_DATABASE_URL"])
    session = repository.create_session(config(user=f"pg-{os.getpid()}"))
    repository.append_turn(session.id, turn("question", target_key_point="kp"))
    repository.save_grade(session.id, "q1", grade("q1", 55))
    repository.save_grade(session.id, "q1", grade("q1", 66))
    repository.add_usage(session.id, 10, 0.25)
    loaded = repository.load(session.id)
    assert loaded.turns == [turn("question", target_key_point="kp")] and loaded.grades["q1"].overall == 66
    assert repository.questions_seen(session.config.user) == {"q1"} and repository.usage(session.id) == (10, 0.25)
    assert [p.score for p in repository.dimension_history(session.config.user)] == [3, 4]
    repository.close()
